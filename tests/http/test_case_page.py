"""The victim's case page: the private link a case update text carries (agency option), the
page it opens (that case's texted updates in the caller's language, nothing more), and the one
404 for every token that does not work."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest
from sqlalchemy import select

from followup.models import Agency, CaseLink, Message
from followup.retention import purge
from tests.http.test_case_updates import CALLER, post_update, update, update_texts
from tests.support.factories import call_event, messages

PUBLIC_URL = "https://followup.example.org"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/c/([A-Za-z0-9_-]{22})")


@pytest.fixture
def settings(settings):
    """The service knows its public address (a link needs one)."""
    return dataclasses.replace(settings, public_url=PUBLIC_URL)


@pytest.fixture
def case_page_on(db, agency):
    with db.begin() as session:
        row = session.get(Agency, agency.id)
        row.case_update_texts = row.case_page = True
        row.phone = "(202) 555-0100"
        row.resources_url = "https://westlake.example.gov/victims"


def texted_token(gateway, index: int = -1) -> str:
    """The token in a text as the caller's phone got it."""
    return LINK.search(gateway.sent[index]["body"]).group(1)


def detective_update(api, call_id: str, update_id: str = "U-1"):
    detail = {"detective_name": "Dana Park", "detective_phone": "(202) 555-0188"}
    return post_update(api, call_id, update(update_id, victim_notify=True, detail=detail))


def test_a_case_update_text_carries_its_own_private_link(api, db, sender, gateway, case_page_on):
    api.post_call(call_event(call_id="26-400"))
    detective_update(api, "26-400")
    sender.drain()

    [(_, _, stored)] = update_texts(db)
    sent = gateway.sent[-1]["body"]
    token = texted_token(gateway)
    assert f"Case page: {PUBLIC_URL}/c/{token} Reply STOP to opt out." in sent
    # Only the hash is kept: the stored copy of the text lost the token once Twilio took it.
    assert token not in stored and f"{PUBLIC_URL}/c/… Reply STOP" in stored
    with db.Session() as session:
        [link] = session.scalars(select(CaseLink))
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert all(token not in m.body for m in session.scalars(select(Message)))


def test_the_case_page_shows_what_the_texts_said_and_nothing_else(
    api, client, db, sender, gateway, case_page_on
):
    api.post_call(call_event(call_id="26-401", caller_name="Alex Rivera"))
    detective_update(api, "26-401")
    post_update(api, "26-401", update("U-2", "court_date", detail={
        "court_date": "March 3, 2027 at 9:00 AM", "court_location": "Courtroom 4B, 100 Main St",
    }))
    post_update(api, "26-401", update("U-3", "custom", detail={
        "text": "Jordan Smith was arrested at 12 Elm Street."}))
    sender.drain()
    response = client.get(f"/c/{texted_token(gateway)}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Case 26-401" in page
    assert "A detective was assigned to your case" in page and "(202) 555-0188" in page
    assert "A court date was set" in page and "March 3, 2027 at 9:00 AM" in page
    assert "An update on your case (see the text)" in page
    assert "Texted Nov 23" in page
    assert 'href="https://westlake.example.gov/victims"' in page
    assert "call (202) 555-0100" in page and "911" in page
    # No names of other people, no addresses, nothing the texts did not say.
    for never in ("Dana Park", "Courtroom 4B", "100 Main St", "Jordan Smith", "Elm Street",
                  "Alex Rivera", "Rivera", CALLER, "555-0123", "THEFT", "2A14", "4471"):
        assert never not in page, never
    assert page.index("An update on your case") < page.index("A detective was assigned")


def test_a_detail_the_text_did_not_say_is_not_on_the_page(
    api, client, db, sender, gateway, case_page_on, agency
):
    with db.begin() as session:
        from followup.models import MessageTemplate

        for template in session.scalars(select(MessageTemplate).where(
            MessageTemplate.purpose == "update_report_available", MessageTemplate.language == "en"
        )):
            template.body = "{{ agency_name }}, case {{ case_number }}: the report is ready."
    api.post_call(call_event(call_id="26-402"))
    post_update(api, "26-402", update("U-1", "report_available", victim_notify=True,
                                      detail={"report_number": "R26-4410"}))
    sender.drain()
    page = client.get(f"/c/{texted_token(gateway)}").get_data(as_text=True)

    assert gateway.sent[-1]["body"].endswith(f"is ready. {PUBLIC_URL}/c/{texted_token(gateway)}")
    assert "The report is available" in page
    assert "R26-4410" not in page


def test_the_page_is_in_the_callers_language(api, client, sender, gateway, case_page_on):
    api.post_call(call_event(call_id="26-403", language="es"))
    detective_update(api, "26-403")
    sender.drain()
    token = texted_token(gateway)
    page = client.get(f"/c/{token}").get_data(as_text=True)

    assert "Su caso: " in gateway.sent[-1]["body"]
    assert '<html lang="es">' in page
    assert "Se asignó un detective a su caso" in page and "Enviado el 23 nov" in page
    english = client.get(f"/c/{token}?lang=en").get_data(as_text=True)
    assert "A detective was assigned to your case" in english


def test_the_page_is_private_no_cookie_no_index_no_referrer(
    api, client, sender, gateway, case_page_on
):
    api.post_call(call_event(call_id="26-404"))
    detective_update(api, "26-404")
    sender.drain()
    response = client.get(f"/c/{texted_token(gateway)}")

    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "<script" not in page and "Sign out" not in page


@pytest.mark.parametrize(
    "token", ["AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "short", "x" * 300, "a.b~c"]
)
def test_an_unknown_token_is_the_same_404(client, case_page_on, token):
    response = client.get(f"/c/{token}")
    page = response.get_data(as_text=True)

    assert response.status_code == 404
    assert "This link does not work" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_is_the_same_404_and_the_purge_deletes_it(
    api, client, db, sender, gateway, clock, case_page_on
):
    api.post_call(call_event(call_id="26-405"))
    detective_update(api, "26-405")
    sender.drain()
    token = texted_token(gateway)
    unknown = client.get("/c/AAAAAAAAAAAAAAAAAAAAAA").get_data(as_text=True)
    clock.advance(days=364)
    assert client.get(f"/c/{token}").status_code == 200

    clock.advance(days=2)  # past the agency's 365 days of retention
    expired = client.get(f"/c/{token}")
    assert expired.status_code == 404
    assert expired.get_data(as_text=True) == unknown
    sender.drain()
    [report] = purge(db, clock)
    assert report.counts["case_links"] == 1
    with db.Session() as session:
        assert session.scalars(select(CaseLink)).all() == []


def test_turning_the_case_page_off_stops_links_and_sends_none(
    api, client, db, sender, gateway, case_page_on, agency
):
    api.post_call(call_event(call_id="26-406"))
    detective_update(api, "26-406")
    sender.drain()
    token = texted_token(gateway)
    with db.begin() as session:
        session.get(Agency, agency.id).case_page = False
    post_update(api, "26-406", update("U-2", "arrest_made"))
    sender.drain()

    assert client.get(f"/c/{token}").status_code == 404
    assert "/c/" not in gateway.sent[-1]["body"]
    assert gateway.sent[-1]["body"].endswith("Reply STOP to opt out.")


def test_with_the_setting_off_no_text_carries_a_link(api, db, sender, gateway, agency):
    with db.begin() as session:
        session.get(Agency, agency.id).case_update_texts = True
    api.post_call(call_event(call_id="26-407"))
    detective_update(api, "26-407")
    sender.drain()

    assert [m.body for m in messages(db) if "/c/" in m.body] == []
    assert all("/c/" not in text["body"] for text in gateway.sent)
    with db.Session() as session:
        assert session.scalars(select(CaseLink)).all() == []


def test_the_request_log_never_names_the_token(api, client, sender, gateway, case_page_on, caplog):
    api.post_call(call_event(call_id="26-408"))
    detective_update(api, "26-408")
    sender.drain()
    token = texted_token(gateway)
    with caplog.at_level("INFO"):
        client.get(f"/c/{token}")

    assert token not in caplog.text
    assert "/c/<token>" in caplog.text
