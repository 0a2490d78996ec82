"""Stored markup from outside (a caller's reply, CAD's call type and caller name, staff names,
notes, a typed sign-in name, roster, token and template text) shows as text on every page that
shows it, and runs nothing: Playwright driving Debian's Chromium against the real app.

Each payload would set ``window.__pwned`` and open a dialog if it ran; the tests assert neither
happened, that no injected element exists, and that the text is there literally.
SQLite only (the pages are the same on PostgreSQL). All numbers are fictional.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from followup.callbacks import work
from followup.intake import tokens
from followup.models import Agency, Callback, RosterMember, User
from followup.texts import editing
from tests.browser.support import add_user, callback_from, checkin_sent, sign_in, text_in
from tests.support.web import sign_in as post_sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def payload(n: int) -> str:
    """Markup that breaks out of an attribute or text, and would run in three ways."""
    return (
        f'"><img src=x data-injected onerror="window.__pwned={n};alert({n})">'
        f"<script>window.__pwned={n}</script><b data-injected>{n}</b>"
    )


BODY = payload(1) + " nobody came"
CALL_TYPE = "<i data-injected>THEFT</i>"
CALLER_NAME = "<img src=x data-injected onerror=alert(2)>Robin"
STAFF_NAME = "<svg data-injected onload=alert(3)>Lee"
NOTE = payload(4)
TYPED_USERNAME = "<svg onload=alert(5)>"
ROSTER_NAME = "<img src=x data-injected onerror=alert(6)>Ray"
TOKEN_NAME = "<b data-injected>cad</b>"
TEMPLATE = "Westlake Police: how did we do on {{ call_date }}? <img src=x onerror=alert(7)> STOP"


def seed(services, app) -> int:
    caller = "+12025550161"
    checkin_sent(services, app, caller, call_type=CALL_TYPE, caller_name=CALLER_NAME)
    text_in(services, app, caller, BODY)
    callback_id = callback_from(services, caller).id
    add_user(services, "lee", "commander", STAFF_NAME)
    add_user(services, "adm", "admin", "Admin Person")
    now = services.clock.now()
    with services.db.begin() as session:
        callback = session.get(Callback, callback_id)
        lee = session.scalar(select(User).where(User.username == "lee"))
        work.claim(session, callback, lee, now=now)
        work.add_note(session, callback, lee, NOTE, now=now)
        agency = session.scalar(select(Agency))
        session.add(
            RosterMember(
                agency_id=agency.id,
                name=ROSTER_NAME,
                phone="+12025550162",
                on_duty=True,
                created_at=now,
            )
        )
        tokens.create_token(session, agency, TOKEN_NAME, now=now)
        editing.save_version(
            session, agency, "checkin", "en", TEMPLATE, user=None, now=now, activate=True
        )
    assert post_sign_in(app.test_client(), TYPED_USERNAME, "not the password").status_code == 401
    return callback_id


def nothing_ran(page: Page, watch) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", page.url
    expect(page.locator("[data-injected], main script, [onerror], [onload]")).to_have_count(0)
    assert watch.dialogs == [], page.url


def test_stored_markup_shows_as_text_on_every_page_and_runs_nothing(page, server, services, watch):
    callback_id = seed(services, server.app)
    sign_in(page, "adm")
    expect(page).to_have_url(f"{server.url}/callbacks")

    visits = {
        "/callbacks": [CALL_TYPE, BODY[:25], STAFF_NAME],
        f"/callbacks/{callback_id}": [BODY, CALL_TYPE, STAFF_NAME, NOTE],
        "/callbacks/handover": [CALL_TYPE, STAFF_NAME],
        # The typed name of an unknown account belongs to no agency: no admin page lists it.
        "/audit": ["callback_note"],
        "/admin/users": [STAFF_NAME],
        "/admin/rules": [ROSTER_NAME],
        "/admin/agencies": [TOKEN_NAME],
        "/admin/templates": [],
        "/reports/comments": [BODY],
        "/simulator?phone=%2B12025550161": [BODY],
    }
    for path, texts in visits.items():
        page.goto(path)
        nothing_ran(page, watch)
        for text in texts:
            expect(page.locator("main")).to_contain_text(text)

    page.goto("/admin/templates/edit?purpose=checkin&language=en")
    nothing_ran(page, watch)
    expect(page.locator("textarea[name=body]")).to_have_value(TEMPLATE)
    assert watch.errors == []


def test_the_live_queue_refresh_inserts_a_new_hostile_reply_as_text(page, server, services, watch):
    add_user(services, "lee", "commander", "Lee Park")
    caller = "+12025550163"
    checkin_sent(services, server.app, caller)
    sign_in(page, "lee")
    expect(page.get_by_text("Nothing here.")).to_be_visible()

    text_in(services, server.app, caller, BODY)  # arrives through htmx's swap, not a page load
    callback_id = callback_from(services, caller).id

    row = page.locator(f'tr[data-callback-id="{callback_id}"]')
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text(BODY[:25])
    nothing_ran(page, watch)
    assert watch.errors == []
