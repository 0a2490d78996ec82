"""The watch commander's dashboard in a real browser: Playwright driving Debian's Chromium.

The real app is served from a thread for each test; one headless Chromium per module and a fresh
browser context (cookies, storage) per page. Time moves only through the FrozenClock; waiting is
Playwright's own (auto-waiting, ``expect`` with a timeout), never a sleep. The queue refreshes
itself every 5 s (0.4 s in tests), so a new row is waited for with a 15 s timeout.

SQLite only: the pages do the same on PostgreSQL, and the rest of the suite covers both.
Screenshots go to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from followup.core.phones import mask
from followup.setup import ensure_demo_accounts
from tests.browser.support import (
    add_user,
    audit_rows,
    callback_from,
    checkin_sent,
    confirmation_sent,
    fresh,
    horizontal_overflow,
    screenshot,
    sign_in,
    text_in,
    user_id,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CRISIS = "he's back outside my house right now"
NOBODY_CAME = "nobody ever came"
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
ARRIVES = 15_000  # ms: an upper bound; the queue asks every 0.4 s in these tests
IDLE_MESSAGE = "You were signed out after 30 minutes without activity."
# One answer for a wrong password and a locked account (issue 16: no hint either way).
REFUSED = "Wrong username or password. After 5 failed tries an account is locked for 10 minutes."


def row(page: Page, callback_id: int):
    return page.locator(f'tr[data-callback-id="{callback_id}"]')


def flash(page: Page, kind: str = "success"):
    return page.locator(f".flash-{kind}")


# --- 1. an urgent reply arrives while the queue is open, and is worked to the end ---------------


def test_an_urgent_reply_arrives_in_the_open_queue_and_is_worked_to_resolution(
    page, server, services, watch
):
    caller = "+12025550131"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller, call_type="DISTURBANCE")
    sign_in(page, "lee")
    expect(page).to_have_url(f"{server.url}/callbacks")
    expect(page.get_by_text("Nothing here.")).to_be_visible()
    expect(page.locator(".urgent-banner")).to_have_count(0)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    text_in(services, server.app, caller, CRISIS)  # Twilio posts the reply, from this thread
    callback_id = callback_from(services, caller).id

    arrived = row(page, callback_id)
    expect(arrived).to_be_visible(timeout=ARRIVES)
    banner = page.locator(".urgent-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("1 urgent callback needs a call now")
    expect(page.locator("body")).to_have_attribute("data-new-urgent", "1")  # announced as new
    expect(arrived).to_contain_text("urgent")
    expect(arrived).to_contain_text("crisis")
    expect(arrived).to_contain_text("DISTURBANCE")
    expect(arrived).to_contain_text("15 min left")
    expect(arrived.locator("td").last).to_have_text("nobody")
    assert page.evaluate("window.__sameDocument") is True, "the queue reloaded"
    screenshot(page, "queue-urgent-arrived")

    banner.get_by_role("link", name=f"#{callback_id}").click()
    expect(page.get_by_role("heading", name=f"Callback #{callback_id}")).to_be_visible()
    expect(page.locator(".thread .from-caller .body")).to_have_text(CRISIS)
    expect(page.locator("[data-number]")).to_have_text(mask(caller))
    expect(page.locator('a[href^="tel:"]')).to_have_count(0)

    page.get_by_role("button", name="Claim", exact=True).click()
    expect(flash(page)).to_have_text("You have this callback.")
    expect(page.locator("hgroup")).to_contain_text("claimed by Lee Park")

    page.get_by_role("button", name="Reveal number").click()
    expect(page.locator("[data-number]")).to_have_text(caller)
    expect(page.get_by_role("button", name=f"Call {caller}")).to_have_attribute(
        "href", f"tel:{caller}"
    )
    [reveal] = audit_rows(services, "reveal_number")
    assert (reveal.user_id, reveal.object_type, reveal.object_id) == (
        user_id(services, "lee"),
        "callback",
        callback_id,
    )
    screenshot(page, "callback-detail-revealed")

    page.get_by_label("Reached the caller").check()
    page.locator("form[action$='/attempt'] textarea").fill("Spoke with her; 2A14 on the way.")
    page.get_by_role("button", name="Log attempt").click()
    expect(flash(page)).to_have_text("Call attempt logged.")
    expect(page.locator(".history")).to_contain_text("attempt: Reached the caller")
    expect(page.locator("[data-number]")).to_have_text(mask(caller))  # a reveal lasts one view

    page.get_by_label("Resolve as").select_option(label="Referred to another unit")
    page.get_by_label("What was done").fill("Patrol unit sent; DV detective notified.")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(flash(page)).to_have_text("Resolved.")
    expect(page.locator("hgroup")).to_contain_text("resolved: Referred to another unit")
    screenshot(page, "callback-detail-resolved")

    page.get_by_role("link", name="Callbacks", exact=True).click()
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    expect(row(page, callback_id)).to_have_count(0)
    expect(page.locator(".urgent-banner")).to_have_count(0)
    expect(page.locator('[data-count="resolved"]')).to_have_text("1")
    expect(page.locator('[data-count="open"]')).to_have_text("0")
    resolved = fresh(services, callback_id)
    assert (resolved.status, resolved.outcome) == ("resolved", "referred")
    assert watch.errors == [] and watch.dialogs == []


# --- 2. a viewer reads but cannot work a callback -----------------------------------------------


def test_a_viewer_reads_the_queue_and_detail_but_cannot_claim_even_by_a_forged_post(
    page, server, services
):
    caller = "+12025550132"
    add_user(services, "vic", "viewer", "Vic Chief")
    confirmation_sent(services, server.app, caller, "26-0132")
    checkin_sent(services, server.app, caller, call_id="26-0132")
    text_in(services, server.app, caller, NOBODY_CAME)
    callback_id = callback_from(services, caller).id

    sign_in(page, "vic")
    expect(row(page, callback_id)).to_contain_text(NOBODY_CAME)
    row(page, callback_id).get_by_role("link", name=NOBODY_CAME).click()
    expect(page.get_by_role("heading", name=f"Callback #{callback_id}")).to_be_visible()
    expect(page.locator(".thread .from-caller .body")).to_have_text(NOBODY_CAME)
    # Every text of the call, oldest first: the confirmation when it was received, and the
    # delay text the closing cancelled.
    texts = page.locator(".thread > li")
    assert texts.evaluate_all("items => items.map(item => item.dataset.text)")[:4] == [
        "confirmation",
        "delay",
        "checkin",
        "reply",
    ]
    expect(texts.nth(1).locator("[data-text-status]")).to_have_text(
        "cancelled: The call was already closed"
    )
    expect(texts.first.locator("[data-text-purpose]")).to_have_text("Confirmation")
    expect(texts.first.locator("[data-text-time]")).to_have_text(
        re.compile(r"\w{3} \d\d \d\d:\d\d ES?T")
    )
    expect(page.get_by_role("button", name="Claim", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Reveal number")).to_have_count(0)
    expect(page.get_by_role("heading", name="Actions")).to_have_count(0)
    expect(page.locator("[data-number]")).to_have_text(mask(caller))

    # The form token the page carries (the sign-out form's), on a hand-made claim request.
    token = page.locator("input[name=csrf_token]").first.input_value()
    forged = page.request.post(
        f"{server.url}/callbacks/{callback_id}/claim", form={"csrf_token": token}
    )
    peek = page.request.post(
        f"{server.url}/callbacks/{callback_id}/reveal", form={"csrf_token": token}
    )

    assert forged.status == 403 or "Viewers can read callbacks but not work them." in (
        forged.text()
    ), (forged.status, forged.url)
    assert peek.status == 403 and caller not in peek.text()
    unclaimed = fresh(services, callback_id)
    assert (unclaimed.status, unclaimed.claimed_by_id) == ("open", None)
    assert audit_rows(services, "callback_claimed") == []
    assert audit_rows(services, "reveal_number") == []
    page.reload()
    expect(page.locator("hgroup")).to_contain_text("open")
    expect(page.locator("hgroup")).not_to_contain_text("claimed by")


# --- 3. the 30-minute idle limit ----------------------------------------------------------------


def test_after_30_idle_minutes_the_next_click_lands_on_sign_in_with_the_reason(
    page, server, services, clock
):
    caller = "+12025550133"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, NOBODY_CAME)
    callback_id = callback_from(services, caller).id
    sign_in(page, "lee")
    page.goto(f"/callbacks/{callback_id}")  # the detail page does not poll

    clock.advance(minutes=29)
    page.get_by_role("link", name="Handover").click()  # activity: the 30 minutes start again
    expect(page).to_have_url(f"{server.url}/callbacks/handover")
    clock.advance(minutes=29)
    page.get_by_role("link", name="Callbacks", exact=True).click()
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    page.goto(f"/callbacks/{callback_id}")

    clock.advance(minutes=31)
    page.get_by_role("link", name="Handover").click()

    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text(IDLE_MESSAGE)).to_be_visible()
    expect(page.get_by_text("Sign out Lee Park")).to_have_count(0)
    page.get_by_label("Username").fill("lee")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/callbacks/handover")  # back where they were going


def test_an_open_queue_left_alone_signs_itself_out_its_refresh_is_not_activity(
    page, server, services, clock
):
    add_user(services, "lee", "commander", "Lee Park")
    sign_in(page, "lee")
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()

    clock.advance(minutes=31)

    expect(page).to_have_url(re.compile(r"/login"), timeout=ARRIVES)  # the next poll
    expect(page.get_by_text(IDLE_MESSAGE)).to_be_visible()
    expect(page.get_by_role("heading", name="Callbacks")).to_have_count(0)


# --- 4. untrusted reply bodies ------------------------------------------------------------------


def test_a_reply_with_html_and_script_shows_as_text_and_runs_nothing(page, server, services, watch):
    caller = "+12025550134"
    body = f"{PAYLOAD} {NOBODY_CAME}"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, body)
    callback_id = callback_from(services, caller).id

    sign_in(page, "lee")
    reply = row(page, callback_id).locator("td.reply")
    expect(reply).to_contain_text(PAYLOAD)  # the queue shows the first words, literally
    expect(page.locator("#live img, #live script")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"

    reply.get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Callback #{callback_id}")).to_be_visible()
    expect(page.locator(".thread .from-caller .body")).to_have_text(body)
    expect(page.locator(".thread img, .thread script")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"

    page.goto(f"/simulator?phone=%2B{caller[1:]}")  # the caller's side shows it too
    expect(page.locator('[data-direction="inbound"]')).to_contain_text(PAYLOAD)
    expect(page.locator("#thread img, #thread script")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watch.dialogs == [] and watch.errors == []


# --- 5. desktop and phone widths ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(1280, 800, id="desktop"),
        pytest.param(390, 844, id="phone"),
    ],
)
def test_the_queue_and_detail_fit_the_screen_without_sideways_scrolling(
    open_page, server, services, width, height
):
    caller = "+12025550135"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller, call_type="SUSPICIOUS PERSON / VEHICLE")
    long_reply = (
        "nobody ever came, I waited two hours at the corner of Martin Luther King Jr Avenue and "
        "Pennsylvania Avenue Southeast and called twice more" + " and waited" * 8
    )
    text_in(services, server.app, caller, long_reply)
    callback_id = callback_from(services, caller).id
    page = open_page(width, height)
    sign_in(page, "lee")

    expect(row(page, callback_id)).to_be_visible()
    queue = horizontal_overflow(page)
    screenshot(page, f"queue-{width}")
    row(page, callback_id).get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Callback #{callback_id}")).to_be_visible()
    detail = horizontal_overflow(page)
    screenshot(page, f"callback-detail-{width}")

    assert queue["scrollWidth"] <= width and detail["scrollWidth"] <= width, (queue, detail)


# --- 6. keyboard only ---------------------------------------------------------------------------


def test_a_commander_signs_in_and_claims_with_the_keyboard_alone(page, server, services):
    caller = "+12025550136"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, NOBODY_CAME)
    callback_id = callback_from(services, caller).id

    page.goto("/login")
    expect(page.get_by_label("Username")).to_be_focused()  # autofocus
    page.keyboard.type("lee")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    page.goto(f"/callbacks/{callback_id}")
    claim = page.get_by_role("button", name="Claim", exact=True)
    expect(claim).to_be_visible()

    presses = 0
    while not claim.evaluate("button => button === document.activeElement"):
        assert presses < 30, "Tab never reached the Claim button"
        page.keyboard.press("Tab")
        presses += 1
    page.keyboard.press("Enter")

    expect(flash(page)).to_have_text("You have this callback.")
    claimed = fresh(services, callback_id)
    assert (claimed.status, claimed.claimed_by_id) == ("claimed", user_id(services, "lee"))
    assert presses <= 12, f"{presses} Tab presses to reach Claim"


def test_the_approved_texts_read_as_the_caller_would_get_them(page, server, services):
    caller = "+12025550137"
    add_user(services, "lee", "commander", "Lee Park")
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, NOBODY_CAME)
    callback_id = callback_from(services, caller).id
    sign_in(page, "lee")
    page.goto(f"/callbacks/{callback_id}")

    choices = page.get_by_role("group", name="Send an approved text to the caller")
    labels = choices.locator("label")
    expect(labels.first).to_be_visible()

    shown = labels.all_inner_texts()
    assert shown and all("{{" not in text and "{%" not in text for text in shown), shown
    assert all("Westlake Police" in text for text in shown), shown


# --- 7. wrong passwords and the lockout ---------------------------------------------------------


def test_wrong_passwords_are_refused_on_the_sign_in_page_and_five_lock_the_account(
    page, server, services
):
    add_user(services, "lee", "commander", "Lee Park")

    sign_in(page, "lee", "not the password")
    expect(page).to_have_url(f"{server.url}/login")
    expect(page.get_by_role("alert")).to_have_text(REFUSED)
    expect(page.get_by_label("Username")).to_have_value("lee")
    expect(page.get_by_label("Password")).to_have_value("")

    def again(password: str) -> None:  # the page kept the username: type the password only
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    for _ in range(3):
        again("not the password")
        expect(page.get_by_role("alert")).to_have_text(REFUSED)
    again("still not the password")  # the fifth
    expect(page.get_by_role("alert")).to_have_text(REFUSED)
    again("correct horse battery")  # even the right password, for now
    expect(page.get_by_role("alert")).to_have_text(REFUSED)
    expect(page).to_have_url(f"{server.url}/login")

    page.goto("/callbacks")
    expect(page).to_have_url(re.compile(r"/login\?next="))


# --- 8. Done when: the demo commander and the phone simulator -----------------------------------


def test_done_when_the_demo_commander_sees_a_simulator_reply_arrive_claims_and_resolves_it(
    open_page, server, services, agency
):
    caller = "+12025550138"
    password = ensure_demo_accounts(services, agency)
    checkin_sent(services, server.app, caller, call_type="BURGLARY - RESIDENTIAL")

    commander = open_page()
    sign_in(commander, "commander", password)
    expect(commander.get_by_role("heading", name="Callbacks")).to_be_visible()
    expect(commander.get_by_text("Nothing here.")).to_be_visible()

    # The caller, played on a phone by the admin (the simulator wants a commander or admin).
    phone = open_page(390, 844)
    sign_in(phone, "admin", password)
    phone.goto("/simulator")
    phone.get_by_role("link", name=caller).click()
    expect(phone.locator('[data-direction="outbound"]').first).to_contain_text(
        "This is Westlake Police"
    )
    phone.get_by_label("Reply as the caller").fill(NOBODY_CAME)
    phone.get_by_role("button", name="Send reply").click()
    expect(phone.locator('[data-direction="inbound"]')).to_contain_text(NOBODY_CAME)

    callback_id = callback_from(services, caller).id
    arrived = row(commander, callback_id)
    expect(arrived).to_be_visible(timeout=ARRIVES)
    expect(arrived).to_contain_text(NOBODY_CAME)
    expect(arrived).to_contain_text("BURGLARY - RESIDENTIAL")
    arrived.get_by_role("link", name=NOBODY_CAME).click()
    commander.get_by_role("button", name="Claim", exact=True).click()
    expect(flash(commander)).to_have_text("You have this callback.")
    expect(commander.locator("hgroup")).to_contain_text("claimed by Demo Commander")
    commander.get_by_label("Resolve as").select_option(label="Resolved on the phone")
    commander.get_by_label("What was done").fill("Called back; a unit was sent at 11:10.")
    commander.get_by_role("button", name="Resolve", exact=True).click()
    expect(flash(commander)).to_have_text("Resolved.")

    commander.get_by_role("link", name="Callbacks", exact=True).click()
    expect(row(commander, callback_id)).to_have_count(0)
    expect(commander.locator('[data-count="resolved"]')).to_have_text("1")
    done = fresh(services, callback_id)
    assert (done.status, done.outcome, done.claimed_by_id) == (
        "resolved",
        "resolved_by_phone",
        user_id(services, "commander"),
    )
