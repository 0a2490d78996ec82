"""Commanders teach triage, in a real browser: a commander opens a callback, corrects how triage
read the reply in one step, sees the correction recorded with their name, and the reports page
counts it; a confirmed opt-out stops texts.

SQLite only, as the other browser tests: the rest of the suite covers both databases.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from followup.eligibility.contacts import is_opted_out
from followup.models import Message, TriageCorrection
from tests.browser.support import (
    add_user,
    audit_rows,
    callback_from,
    checkin_sent,
    horizontal_overflow,
    screenshot,
    sign_in,
    text_in,
    user_id,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_commander_corrects_triage_and_the_reports_count_it(page, server, services, watch):
    caller = "+12025550141"
    checkin_sent(services, server.app, caller, call_type="THEFT - CAR PROWL")
    text_in(services, server.app, caller, "nobody ever came")
    callback = callback_from(services, caller)
    add_user(services, "lee", "commander", "Lee Park")
    sign_in(page, "lee")

    page.goto(f"/callbacks/{callback.id}")
    reply = page.locator(f'[data-correction="{callback.message_id}"]')
    expect(reply.get_by_role("button", name="This was danger")).to_be_visible()
    expect(reply.get_by_role("button", name="Not unresolved")).to_be_hidden()
    reply.get_by_text("Not unresolved? Say what it was, or confirm triage").click()
    expect(reply.get_by_role("button", name="Triage is right")).to_be_visible()
    reply.get_by_label("It was").select_option("negative")
    reply.get_by_label("Note on the correction (optional, no names)").fill("upset, not unresolved")
    reply.get_by_role("button", name="Not unresolved").click()

    expect(page.locator(".flash-success")).to_have_text("Correction recorded.")
    reply = page.locator(f'[data-correction="{callback.message_id}"]')
    expect(reply.locator("[data-reading]")).to_have_text("Commanders read it as: negative")
    expect(reply.locator(".corrections li")).to_have_count(1)
    expect(reply.locator(".corrections li")).to_contain_text(
        "Lee Park · triage: unresolved → negative — upset, not unresolved"
    )
    expect(reply.get_by_text("Not negative? Say what it was, or confirm triage")).to_be_visible()
    with services.db.Session() as session:
        row = session.scalar(select(TriageCorrection))
    assert (row.user_id, row.engine_category, row.category) == (
        user_id(services, "lee"),
        "unresolved",
        "negative",
    )
    [audited] = audit_rows(services, "triage_corrected")
    assert audited.object_id == callback.message_id
    screenshot(page, "callback-triage-corrected")

    page.get_by_role("link", name="Reports").click()
    counted = page.locator('tr[data-triage="unresolved"]')
    expect(counted.locator('[data-triage-figure="replies"]')).to_have_text("1")
    expect(counted.locator('[data-triage-figure="corrected"]')).to_have_text("1")
    expect(counted.locator('[data-triage-figure="precision"]')).to_have_text("0.0%")
    moved = page.locator('tr[data-triage="negative"] [data-triage-figure="moved_in"]')
    expect(moved).to_have_text("1")
    screenshot(page, "reports-triage-review")
    page.wait_for_load_state("load")
    assert watch.errors == []


def test_a_commander_confirms_a_suggested_opt_out_and_texts_stop(page, server, services, watch):
    caller = "+12025550142"
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, "nobody ever came, I am done with all of this")
    callback = callback_from(services, caller)
    with services.db.begin() as session:  # the model's suggestion, which the service never acts on
        message = session.get(Message, callback.message_id)
        message.triage = {**message.triage, "suggested_opt_out": True}
    add_user(services, "lee", "commander", "Lee Park")
    sign_in(page, "lee")

    page.goto(f"/callbacks/{callback.id}")
    page.get_by_role("button", name="Confirm: stop texting this caller").click()

    expect(page.locator(".flash-success")).to_contain_text("Texts to this caller have stopped")
    expect(page.get_by_role("button", name="Confirm: stop texting this caller")).to_have_count(0)
    expect(page.locator(".corrections li")).to_contain_text("(texts stopped)")
    with services.db.Session() as session:
        assert is_opted_out(session, callback.agency_id, caller)
    assert len(audit_rows(services, "opt_out_by_commander")) == 1
    page.wait_for_load_state("load")  # the page's scripts fully served before the test ends
    assert watch.errors == []


def test_the_opened_correction_controls_fit_a_phone(open_page, server, services):
    caller = "+12025550143"
    checkin_sent(services, server.app, caller)
    text_in(services, server.app, caller, "nobody ever came")
    callback = callback_from(services, caller)
    add_user(services, "lee", "commander", "Lee Park")
    page = open_page(390, 844)
    sign_in(page, "lee")

    page.goto(f"/callbacks/{callback.id}")
    reply = page.locator(f'[data-correction="{callback.message_id}"]')
    reply.get_by_text("Not unresolved? Say what it was, or confirm triage").click()
    expect(reply.get_by_label("It was")).to_be_visible()
    reply.get_by_label("It was").select_option("opt_out")  # the longest choice
    shown = horizontal_overflow(page)
    screenshot(page, "callback-correction-phone")

    assert shown["scrollWidth"] <= 390, shown
