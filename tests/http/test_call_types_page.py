"""The call-type register on the rules page, as IT uses it in the browser (Flask client): the
labels with their counts, the built-in verdict and why, IT's decision, and the hold option."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from followup.models import Agency, AuditEvent, CallType, User
from tests.support.factories import followup_for
from tests.support.web import make_user, sign_in, token

PAGE = "/admin/rules/call-types"


@pytest.fixture
def admin(client, db, clock):
    make_user(db, clock, "it-lee", "admin")
    sign_in(client, "it-lee")
    return client


def row_id(db, label: str) -> int:
    with db.Session() as session:
        return session.scalar(select(CallType.id).where(CallType.label == label))


def row_of(html: str, label: str) -> str:
    """The table row of ``label`` on the register page, as text."""
    for row in re.findall(r"<tr data-call-type=.*?</tr>", html, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if cells and cells[0] == label:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"{label} is not on the page")


def decide(client, label_id: int, decision: str, **query):
    page = client.get(PAGE).get_data(as_text=True)
    return client.post(
        f"{PAGE}/{label_id}/decide",
        query_string=query,
        data={"csrf_token": token(page), "decision": decision},
    )


def test_the_rules_page_links_to_the_register(admin):
    page = admin.get("/admin/rules").get_data(as_text=True)

    assert 'href="/admin/rules/call-types"' in page
    assert "Review the call types" in page


def test_the_register_shows_each_label_its_count_the_built_in_verdict_and_why(admin, api):
    api.post_call(call_id="1", call_type="HARASSMENT")
    api.post_call(call_id="2", call_type="Burglary", caller_phone="202-555-0131")
    api.post_call(call_id="3", call_type="BURGLARY ", caller_phone="202-555-0132")

    html = admin.get(PAGE).get_data(as_text=True)

    assert "2 labels, 2 not yet reviewed" in html
    burglary, harassment = row_of(html, "Burglary"), row_of(html, "HARASSMENT")
    assert burglary.startswith("Burglary 2 ")
    assert "ordinary :" in burglary and "not reviewed" in burglary
    assert "sensitive : harassment or unwanted contact" in harassment
    assert "never texted: the built-in list" in harassment
    assert html.index("Burglary") < html.index("HARASSMENT")  # most calls first


def test_marking_a_label_sensitive_is_shown_audited_and_skips_its_next_call(admin, api, db):
    api.post_call(call_id="lp1", call_type="LOST PROPERTY")

    response = decide(admin, row_id(db, "LOST PROPERTY"), "sensitive")

    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "LOST PROPERTY: sensitive. No check-ins were waiting for it." in page
    row = row_of(page, "LOST PROPERTY")
    assert "sensitive it-lee" in row and "never texted: marked sensitive" in row
    with db.Session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "call_type_decided"))
        decider = session.get(User, event.user_id)
    assert decider.username == "it-lee"
    assert event.detail["decision"] == "sensitive" and event.detail["before"] == "unreviewed"
    later = api.post_call(call_id="lp2", call_type="Lost Property", caller_phone="202-555-0133")
    assert later.json["followup"]["status"] == "skipped"
    assert later.json["followup"]["reason"] == "marked_sensitive"


def test_the_hold_option_holds_unreviewed_labels_and_a_decision_releases_them(
    admin, api, db, clock
):
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Holding is off" in page
    response = admin.post(f"{PAGE}/hold", data={"csrf_token": token(page), "hold": "on"})
    assert response.status_code == 303

    held = api.post_call(call_id="h1", call_type="BURGLARY")
    assert (held.json["followup"]["status"], held.json["followup"]["reason"]) == (
        "held",
        "unreviewed_call_type",
    )
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Holding is on" in page and "1 check-in held" in page
    assert "(1 held)" in row_of(page, "BURGLARY")
    assert "held until reviewed" in row_of(page, "BURGLARY")

    released = decide(admin, row_id(db, "BURGLARY"), "confirm")
    page = admin.get(released.headers["Location"]).get_data(as_text=True)
    assert "BURGLARY: confirmed. 1 held check-in decided again: 1 scheduled." in page
    assert followup_for(db, "h1").status == "scheduled"
    with db.Session() as session:
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "rules_changed"))
    assert audit.detail == {"fields": "hold_unreviewed_call_types"}  # the option, audited


@pytest.mark.parametrize(
    "decision", ["maybe", "", "SENSITIVE; DROP TABLE", "x" * 10_000, "unreviewed"]
)
def test_a_bad_decision_is_refused_with_a_clear_error_and_changes_nothing(admin, api, db, decision):
    api.post_call(call_id="b1", call_type="NOISE")

    response = decide(admin, row_id(db, "NOISE"), decision)

    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing changed: choose confirm, sensitive or ordinary." in page
    with db.Session() as session:
        assert session.scalar(select(CallType)).decision == "unreviewed"
        assert (
            session.scalar(select(AuditEvent).where(AuditEvent.action == "call_type_decided"))
            is None
        )


def test_a_bad_hold_value_is_refused_and_changes_nothing(admin, db):
    page = admin.get(PAGE).get_data(as_text=True)

    response = admin.post(f"{PAGE}/hold", data={"csrf_token": token(page), "hold": "perhaps"})

    assert response.status_code == 303
    assert "Nothing changed" in admin.get(PAGE).get_data(as_text=True)
    with db.Session() as session:
        assert session.scalar(select(Agency)).hold_unreviewed_call_types is False


def test_an_unknown_label_is_404_and_odd_filters_still_show_the_page(admin, api):
    api.post_call(call_id="o1", call_type="NOISE")
    page = admin.get(PAGE).get_data(as_text=True)

    assert (
        admin.post(
            f"{PAGE}/999999/decide", data={"csrf_token": token(page), "decision": "sensitive"}
        ).status_code
        == 404
    )
    for query in ("page=abc", "page=-3", "page=99999999999999999999", "unreviewed=yes", "page="):
        assert admin.get(f"{PAGE}?{query}").status_code == 200, query
    assert admin.get(f"{PAGE}?unreviewed=%00").status_code == 400  # as on every page


def test_the_unreviewed_filter_shows_only_what_is_left_to_review(admin, api, db):
    api.post_call(call_id="f1", call_type="NOISE")
    api.post_call(call_id="f2", call_type="PARKING", caller_phone="202-555-0134")
    decide(admin, row_id(db, "NOISE"), "ordinary", unreviewed=1)

    html = admin.get(f"{PAGE}?unreviewed=1").get_data(as_text=True)

    assert "PARKING" in html and ">NOISE<" not in html


def test_commanders_and_viewers_are_refused_and_change_nothing(client, api, db, clock):
    api.post_call(call_id="r1", call_type="NOISE")
    label_id = row_id(db, "NOISE")
    for username, role in (("cmd", "commander"), ("vw", "viewer")):
        make_user(db, clock, username, role)
        sign_in(client, username)
        page = client.get("/callbacks").get_data(as_text=True)
        assert client.get(PAGE).status_code == 403
        form = {"csrf_token": token(page), "decision": "sensitive"}
        assert client.post(f"{PAGE}/{label_id}/decide", data=form).status_code == 403
        hold = {"csrf_token": token(page), "hold": "on"}
        assert client.post(f"{PAGE}/hold", data=hold).status_code == 403
        assert "/admin/rules/call-types" not in page
        client.post("/logout", data={"csrf_token": token(page)})

    with db.Session() as session:
        assert session.scalar(select(CallType)).decision == "unreviewed"
        assert session.scalar(select(Agency)).hold_unreviewed_call_types is False


def test_a_form_without_its_token_is_refused_and_changes_nothing(admin, api, db):
    api.post_call(call_id="c1", call_type="NOISE")

    refused = admin.post(f"{PAGE}/{row_id(db, 'NOISE')}/decide", data={"decision": "sensitive"})
    refused_hold = admin.post(f"{PAGE}/hold", data={"hold": "on"})

    assert (refused.status_code, refused_hold.status_code) == (400, 400)
    with db.Session() as session:
        assert session.scalar(select(CallType)).decision == "unreviewed"
        assert session.scalar(select(Agency)).hold_unreviewed_call_types is False
