"""IT staff's admin screens in a real browser: Playwright driving Debian's Chromium.

The texts editor (live preview, segments, refused saves, activate, roll back), the sending rules
(quiet hours moving the next scheduled check-in), the call-type register (a label marked
sensitive, its calls no longer texted), intake tokens (created, used, revoked, refused),
and the wall around all of it (viewers and commanders reach no admin page).

The fixtures (Chromium, the live server, pages) come from tests/browser_support.py. SQLite only:
the same code paths run on PostgreSQL in tests/test_admin_settings.py. All numbers are fictional.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from followup.models import Agency, MessageTemplate
from tests.browser.support import add_user, audit_rows, screenshot, sign_in
from tests.support.factories import ApiClient

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# 14 characters, UCS-2 because of the accents: 30 of them are 420 characters, 7 segments.
LONG_ES = "¿Cómo le fue? " * 30
UNKNOWN_PLACEHOLDER = "Hola {{ agency_name }}.\nSu número: {{ caller_ssn }}"
INJECTION = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
ADMIN_PAGES = [
    "/admin/templates",
    "/admin/templates/edit?purpose=checkin&language=es",
    "/admin/rules",
    "/admin/agencies",
    "/admin/users",
    "/audit",
    "/audit.csv",
]


def es_checkins(services) -> list[MessageTemplate]:
    with services.db.Session() as session:
        return list(
            session.scalars(
                select(MessageTemplate)
                .where(
                    MessageTemplate.purpose == "checkin",
                    MessageTemplate.language == "es",
                    MessageTemplate.call_type.is_(None) | (MessageTemplate.call_type == ""),
                )
                .order_by(MessageTemplate.version)
            )
        )


def active_body(services) -> str:
    (active,) = [t for t in es_checkins(services) if t.active]
    return active.body


def version_row(page: Page, version: int):
    return page.locator(f'tr[data-version="{version}"]')


def script_errors(watch) -> list[str]:
    """What went wrong in the page itself (a refused save answers 400 on purpose)."""
    return [e for e in watch.errors if e.startswith(("page error", "console"))]


# --- texts --------------------------------------------------------------------------------------


def test_an_admin_edits_the_spanish_checkin_previews_it_is_refused_then_activates_and_rolls_back(
    page, services, watch
):
    add_user(services, "ana", "admin", "Ana Ruiz")
    original = es_checkins(services)
    assert [t.version for t in original] == [1] and original[0].active
    sign_in(page, "ana")
    page.get_by_role("link", name="Texts").click()
    expect(page).to_have_url(re.compile(r"/admin/templates$"))
    page.locator("tr", has=page.get_by_role("cell", name="checkin", exact=True)).filter(
        has=page.get_by_role("cell", name="es", exact=True)
    ).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("checkin · es")

    # The preview of the active text is there on arrival, rendered with the sample call.
    preview = page.locator("#preview")
    expect(preview.locator("[data-preview-text]")).to_contain_text("Westlake Police")
    expect(preview.locator("[data-encoding]")).to_have_text("UCS-2")
    first_count = int(preview.locator("[data-segments]").inner_text())

    # A short text in GSM-7 (which has ¿ and é, not ó): one segment.
    editor = page.get_by_label("Text", exact=True)
    editor.fill("Hola de {{ agency_name }}. ¿Todo bien?")
    expect(preview.locator("[data-encoding]")).to_have_text("GSM-7")
    expect(preview.locator("[data-segments]")).to_have_text("1")
    expect(preview.locator("[data-preview-text]")).to_contain_text("Hola de Westlake Police.")
    # One accent the GSM alphabet lacks turns it into UCS-2, and the page points at it.
    editor.fill("Hola de {{ agency_name }}. ¿Cómo está?")
    expect(preview.locator("[data-encoding]")).to_have_text("UCS-2")
    expect(preview.locator("[data-preview-stats] mark")).to_have_text(["ó", "á"])
    assert first_count != 1  # the count really changed under the admin's eyes

    # A long one: seven segments and a warning past three.
    editor.fill(LONG_ES)
    expect(preview.locator("[data-segments]")).to_have_text("7")
    expect(preview.locator("[data-preview-warning]")).to_be_visible()

    # An unknown placeholder is refused with its line and column; nothing is saved.
    editor.fill(UNKNOWN_PLACEHOLDER)
    expect(preview.locator("[data-preview-error]")).to_contain_text("caller_ssn")
    page.get_by_role("button", name="Save as a new version").click()
    error = page.locator("[data-save-error]")
    expect(error).to_contain_text("caller_ssn")
    expect(error).to_contain_text("line 2")
    expect(error).to_contain_text("column")
    assert len(es_checkins(services)) == 1

    # A template-injection payload is refused the same way, and renders nothing of Python's.
    page.get_by_label("Text", exact=True).fill(INJECTION)
    expect(preview.locator("[data-preview-error]")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("<class")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("[data-save-error]")).to_be_visible()
    expect(page.get_by_label("Text", exact=True)).to_have_value(INJECTION)  # kept, to fix
    expect(page.locator("#preview [data-preview-text]")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("<class")
    assert len(es_checkins(services)) == 1

    # A good text saved as version 2, not yet active; then activated.
    new_text = "{{ agency_name }}: ¿cómo salió todo? Responda aquí."
    page.get_by_label("Text", exact=True).fill(new_text)
    expect(preview.locator("[data-segments]")).to_have_text("1")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved as version 2")
    expect(version_row(page, 2)).to_contain_text("v2ana")  # the author's username
    assert active_body(services) == original[0].body  # saving alone changes nothing for callers
    version_row(page, 2).get_by_role("button", name="Activate").click()
    expect(page.locator(".flash-success")).to_have_text("Version 2 is now active.")
    expect(version_row(page, 2)).to_contain_text("(active)")
    assert active_body(services) == new_text

    # The diff shows what changed; then roll back to version 1.
    version_row(page, 1).get_by_role("link", name="Diff with active").click()
    expect(page.locator("body")).to_contain_text("cómo salió todo")
    page.go_back()
    version_row(page, 1).get_by_role("button", name="Roll back to this").click()
    expect(page.locator(".flash-success")).to_have_text("Version 1 is now active.")
    expect(version_row(page, 1)).to_contain_text("(active)")
    expect(version_row(page, 2)).not_to_contain_text("(active)")
    assert active_body(services) == original[0].body
    assert [row.detail.get("version") for row in audit_rows(services, "template_activated")] == [
        2,
        1,
    ]
    screenshot(page, "admin-template-rolled-back")
    assert script_errors(watch) == []


# --- sending rules ------------------------------------------------------------------------------


def test_changing_quiet_hours_moves_the_next_scheduled_checkin(page, server, services, watch):
    add_user(services, "ana", "admin", "Ana Ruiz")
    api = ApiClient(server.app.test_client(), "test-intake-token")
    # Closed 09:30 New York time; two hours' delay: the check-in is due at 11:30.
    response = api.post_call(caller_phone="+12025550141", closed_at="2026-11-23T09:30:00-05:00")
    assert response.status_code == 202, response.get_data(as_text=True)
    sign_in(page, "ana")
    page.get_by_role("link", name="Rules").click()
    next_send = page.locator("[data-next-send]")
    expect(next_send).to_contain_text("Mon Nov 23, 11:30 EST")

    # A bad value is refused by name and nothing changes.
    quiet = page.get_by_label("Quiet hours")
    quiet.fill("11:00-25:00")
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator(".flash-error")).to_contain_text("Nothing was saved")
    expect(page.locator("#quiet_hours-error")).to_be_visible()
    expect(next_send).to_contain_text("11:30 EST")

    page.get_by_label("Quiet hours").fill("11:00-13:00")
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator(".flash-success")).to_contain_text("quiet_hours")
    expect(page.locator("[data-next-send]")).to_contain_text("Mon Nov 23, 13:00 EST")
    expect(page.get_by_label("Quiet hours")).to_have_value("11:00-13:00")
    with services.db.Session() as session:
        assert session.scalar(select(Agency.quiet_hours)) == "11:00-13:00"
    (changed,) = audit_rows(services, "rules_changed")
    assert "quiet_hours" in changed.detail["fields"]
    assert script_errors(watch) == []


def test_the_call_type_tester_says_which_labels_would_never_get_a_text(page, services):
    add_user(services, "ana", "admin", "Ana Ruiz")
    sign_in(page, "ana")
    page.goto("/admin/rules")
    page.get_by_label("Paste call-type labels from your CAD, one per line").fill(
        "DOMESTIC DISTURBANCE\nNOISE COMPLAINT\nSEXUAL ASSAULT"
    )
    page.get_by_role("button", name="Test").click()
    table = page.locator("[data-tester]")
    expect(table.locator("tr", has_text="NOISE COMPLAINT")).to_contain_text("texted")
    expect(table.locator("tr", has_text="DOMESTIC DISTURBANCE")).to_contain_text("never texted")
    expect(table.locator("tr", has_text="SEXUAL ASSAULT")).to_contain_text("never texted")
    expect(page.get_by_text("2 of 3 would never get a text.")).to_be_visible()


def test_it_marks_a_call_type_sensitive_in_the_register_and_its_calls_get_no_text(
    page, server, services, gateway, watch
):
    add_user(services, "ana", "admin", "Ana Ruiz")
    api = ApiClient(server.app.test_client(), "test-intake-token")
    # A label the built-in list texts: one check-in is already scheduled for it.
    first = api.post_call(call_id="LP-1", call_type="LOST PROPERTY", caller_phone="+12025550143")
    assert first.json["followup"]["status"] == "scheduled", first.json
    sign_in(page, "ana")
    page.get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="Review the call types").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Call types: Westlake Police")
    row = page.locator("[data-register] tbody tr", has_text="LOST PROPERTY")
    expect(row).to_contain_text("ordinary")
    expect(row).to_contain_text("not reviewed")
    expect(row).to_contain_text("texted")

    page.get_by_role("button", name="Sensitive: LOST PROPERTY").click()

    expect(page.locator(".flash-success")).to_contain_text("LOST PROPERTY: sensitive.")
    row = page.locator("[data-register] tbody tr", has_text="LOST PROPERTY")
    expect(row).to_have_attribute("data-decision", "sensitive")
    expect(row).to_contain_text("ana")
    expect(row).to_contain_text("never texted: marked sensitive")
    (decided,) = audit_rows(services, "call_type_decided")
    assert decided.detail["decision"] == "sensitive"
    # It takes effect: the next call with the label is skipped and says why, and the check-in
    # scheduled before the decision is not sent when its time comes.
    second = api.post_call(call_id="LP-2", call_type="Lost Property", caller_phone="+12025550144")
    assert (second.json["followup"]["status"], second.json["followup"]["reason"]) == (
        "skipped",
        "marked_sensitive",
    )
    page.reload()
    calls = page.locator("[data-register] tbody tr", has_text="LOST PROPERTY").locator("td")
    expect(calls.nth(1)).to_have_text("2")  # both calls counted under the one label
    services.clock.set(datetime.fromisoformat(first.json["followup"]["send_at"]))
    assert services.sender().sweep().sent == 0
    assert gateway.sent == []
    screenshot(page, "admin-call-type-marked-sensitive")
    assert script_errors(watch) == []


# --- tokens -------------------------------------------------------------------------------------


def test_a_token_is_shown_once_used_by_the_intake_api_then_revoked_and_refused(
    page, server, services, watch
):
    add_user(services, "ana", "admin", "Ana Ruiz")
    sign_in(page, "ana")
    page.get_by_role("link", name="Tokens").click()
    page.get_by_label("Name").fill("east-cad")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("[data-new-token]")
    expect(shown).to_be_visible()
    plain = shown.inner_text().strip()
    assert len(plain) >= 32

    api = ApiClient(server.app.test_client(), plain)
    accepted = api.post_call(call_id="T-1", caller_phone="+12025550142")
    assert accepted.status_code == 202, accepted.get_data(as_text=True)

    page.goto("/admin/agencies")  # a fresh look: the token is never shown again
    expect(page.locator("[data-new-token]")).to_have_count(0)
    assert plain not in page.content()
    row = page.locator("tr", has_text="east-cad")
    expect(row).to_contain_text("active")
    expect(row).not_to_contain_text("never")  # last used: just now
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".flash-success")).to_contain_text("revoked")
    expect(page.locator("tr", has_text="east-cad")).to_contain_text("revoked")

    refused = api.post_call(call_id="T-2", caller_phone="+12025550143")
    assert refused.status_code == 401
    assert [r.action for r in audit_rows(services, "token_revoked")] == ["token_revoked"]
    assert script_errors(watch) == []


# --- who gets in --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "commander"])
def test_viewers_and_commanders_reach_no_admin_page(page, services, role):
    add_user(services, "sam", role, "Sam Cole")
    sign_in(page, "sam")
    expect(page).to_have_url(re.compile(r"/callbacks$"))
    nav = page.get_by_role("navigation")
    for name in ("Texts", "Rules", "Tokens", "Users", "Audit"):
        expect(nav.get_by_role("link", name=name)).to_have_count(0)
    for path in ADMIN_PAGES:
        response = page.goto(path)
        assert response.status == 403, f"{role} reached {path}: {response.status}"
        expect(page.locator("main")).not_to_contain_text("Save")
