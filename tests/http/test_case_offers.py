"""Consent to case updates by answering YES to an offer text, through the intake API, the sender
and Twilio's inbound webhook: one offer per call, never for a sensitive call or an opted-out
number, quiet hours kept, and YES after STOP only re-subscribes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from followup.eligibility import call_type_register
from followup.eligibility.call_types import label_key
from followup.models import Agency, AuditEvent, Call, CallType, FollowUp
from tests.http.test_case_updates import CALLER, post_update, shown, update, update_texts
from tests.support.factories import call_event, messages
from tests.support.twilio_requests import TwilioWebhooks, twiml_reply

OFFER = (
    "Westlake Police can text you when case {case} changes (detective assigned, arrest, report "
    "ready). Reply YES for updates. Reply STOP to opt out."
)
CONSENTED = (
    "Thank you. Westlake Police will text you when case {case} changes. For emergencies call "
    "911. Reply STOP to opt out."
)


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


@pytest.fixture
def offers_on(db, agency):
    with db.begin() as session:
        row = session.get(Agency, agency.id)
        row.case_update_texts = row.case_update_offers = True


def offers(db) -> list[tuple[str, str]]:
    return [
        (m.phone, m.body)
        for m in messages(db)
        if m.direction == "outbound" and m.purpose == "offer_updates"
    ]


def offer_followup(db, call_id: str) -> FollowUp | None:
    with db.Session() as session:
        return session.scalar(
            select(FollowUp)
            .join(Call)
            .where(Call.external_id == call_id, FollowUp.purpose == "offer_updates")
        )


def test_yes_to_the_offer_sends_the_waiting_update_and_the_next_ones(
    api, db, sender, hooks, offers_on
):
    api.post_call(call_event(call_id="26-300"))
    post_update(api, "26-300", update("U-1", "detective_assigned"))
    post_update(api, "26-300", update("U-2", "arrest_made"))
    sender.drain()
    assert offers(db) == [(CALLER, OFFER.format(case="26-300"))]  # one offer for two updates
    assert update_texts(db) == []

    reply = twiml_reply(hooks.text(CALLER, "Yes please"))
    sender.drain()

    assert reply == CONSENTED.format(case="26-300")
    assert [p for p, phone, _ in update_texts(db) if phone == CALLER] == [
        "update_detective_assigned", "update_arrest_made",
    ]
    post_update(api, "26-300", update("U-3", "case_closed"))
    sender.drain()
    assert [p for p, _, _ in update_texts(db)][-1] == "update_case_closed"
    assert [u["texted"] for u in shown(api, "26-300")] == [True, True, True]
    described = api.get_call("26-300").json
    assert described["updates_consented_at"] == "2026-11-23T15:00:00Z"
    assert [t["purpose"] for t in described["texts"]].count("offer_updates") == 1
    with db.Session() as session:
        [audit] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "updates_consented")
        )
        call = session.scalar(select(Call).where(Call.external_id == "26-300"))
        assert (audit.username, audit.object_id) == ("caller", call.id)
        assert CALLER not in str(audit.detail)
        assert call.updates_phone == CALLER and call.updates_consented_at is not None
    assert len(offers(db)) == 1


def test_yes_again_changes_nothing_and_gets_no_second_answer(api, db, sender, hooks, offers_on):
    api.post_call(call_event(call_id="26-301"))
    post_update(api, "26-301", update("U-1", "arrest_made"))
    sender.drain()
    first = twiml_reply(hooks.text(CALLER, "YES"))
    again = twiml_reply(hooks.text(CALLER, "yes"))  # before the update went: still the offer's
    sender.drain()

    assert (first is not None, again) == (True, None)
    assert [p for p, _, _ in update_texts(db)] == ["update_arrest_made"]


def test_the_offer_and_its_answer_are_in_spanish_for_a_spanish_caller(
    api, db, sender, hooks, offers_on
):
    api.post_call(call_event(call_id="26-302", language="es"))
    post_update(api, "26-302", update("U-1", "arrest_made"))
    sender.drain()
    [(_, offer)] = offers(db)
    reply = twiml_reply(hooks.text(CALLER, "Sí"))
    sender.drain()

    assert "Responda SI para recibirlas" in offer
    assert reply.startswith("Gracias. Westlake Police le avisará")
    assert update_texts(db)[0][2].startswith("Westlake Police, caso 26-302: se realizó un arresto")


@pytest.mark.parametrize(("answer", "consents"), [("Y", True), ("yeah", True), ("ok", False)])
def test_a_short_yes_consents_and_an_ok_does_not(
    api, db, sender, hooks, offers_on, answer, consents
):
    """People answer "Y"; an "ok" may acknowledge anything, and consent must be asked for."""
    api.post_call(call_event(call_id="26-309"))
    post_update(api, "26-309", update("U-1", "arrest_made"))
    sender.drain()
    hooks.text(CALLER, answer)
    sender.drain()

    assert (update_texts(db) != []) is consents
    assert (shown(api, "26-309")[0]["reason"] == "no_consent") is not consents


def test_another_reply_to_the_offer_consents_to_nothing_and_asks_nothing(
    api, db, sender, hooks, offers_on
):
    api.post_call(call_event(call_id="26-303"))
    post_update(api, "26-303", update("U-1", "arrest_made"))
    sender.drain()
    reply = twiml_reply(hooks.text(CALLER, "No thanks"))
    sender.drain()

    assert reply is None  # not the check-in's "what could we have done better?"
    assert update_texts(db) == []
    assert shown(api, "26-303")[0]["reason"] == "no_consent"


def test_yes_from_another_number_consents_to_nothing(api, db, sender, hooks, offers_on):
    api.post_call(call_event(call_id="26-304"))
    post_update(api, "26-304", update("U-1", "arrest_made"))
    sender.drain()
    hooks.text("+12025550177", "YES")
    sender.drain()

    assert update_texts(db) == []


def test_offers_are_off_unless_the_agency_turns_them_on(api, db, sender, agency):
    with db.begin() as session:
        session.get(Agency, agency.id).case_update_texts = True
    api.post_call(call_event(call_id="26-305"))
    post_update(api, "26-305", update("U-1", "arrest_made"))
    sender.drain()

    assert offers(db) == []
    assert offer_followup(db, "26-305") is None


def test_a_sensitive_call_never_gets_an_offer(api, db, sender, hooks, offers_on):
    api.post_call(call_event(call_id="26-306", call_type="STALKING"))
    post_update(api, "26-306", update("U-1", "arrest_made"))
    sender.drain()
    hooks.text(CALLER, "YES")
    sender.drain()

    assert offers(db) == []
    skipped = offer_followup(db, "26-306")
    assert (skipped.status, skipped.reason) == ("skipped", "sensitive_call_type")
    assert update_texts(db) == []


def test_a_call_type_it_marked_sensitive_gets_no_offer(api, db, sender, clock, offers_on, agency):
    api.post_call(call_event(call_id="26-307", call_type="NOISE COMPLAINT"))
    with db.begin() as session:
        row = session.scalar(
            select(CallType).where(
                CallType.agency_id == agency.id, CallType.key == label_key("NOISE COMPLAINT")
            )
        )
        call_type_register.decide(
            session, session.get(Agency, agency.id), row, "sensitive", actor="cli",
            now=clock.now(),
        )
    post_update(api, "26-307", update("U-1", "arrest_made"))
    sender.drain()

    assert offers(db) == []
    assert offer_followup(db, "26-307").reason == "marked_sensitive"


def test_a_number_that_sent_stop_gets_no_offer(api, db, sender, hooks, offers_on):
    api.post_call(call_event(call_id="26-308"))
    hooks.text(CALLER, "STOP")
    post_update(api, "26-308", update("U-1", "arrest_made"))
    sender.drain()

    assert offers(db) == []
    assert offer_followup(db, "26-308") is None  # the update itself was skipped as opted out
    assert shown(api, "26-308")[0]["reason"] == "opted_out"


def test_yes_after_stop_resubscribes_and_only_a_second_yes_consents(
    api, db, sender, hooks, offers_on
):
    api.post_call(call_event(call_id="26-309"))
    post_update(api, "26-309", update("U-1", "arrest_made"))
    sender.drain()
    hooks.text(CALLER, "STOP")
    resubscribed = twiml_reply(hooks.text(CALLER, "YES"))
    sender.drain()
    assert resubscribed == "You will get texts from Westlake Police again. Reply STOP to opt out."
    assert update_texts(db) == []

    consented = twiml_reply(hooks.text(CALLER, "YES"))
    sender.drain()
    assert consented == CONSENTED.format(case="26-309")
    assert [p for p, _, _ in update_texts(db)] == ["update_arrest_made"]


def test_the_offer_waits_for_the_end_of_quiet_hours(api, db, sender, clock, offers_on):
    api.post_call(call_event(call_id="26-310"))
    clock.advance(hours=13)  # 23:00 in New York
    post_update(api, "26-310", update("U-1", "arrest_made"))
    sender.drain()
    assert offers(db) == []

    clock.advance(hours=11)  # 10:00 the next morning
    sender.drain()
    assert len(offers(db)) == 1


def test_consent_by_yes_lets_a_later_update_of_the_call_go_to_that_number(
    api, db, sender, hooks, offers_on
):
    api.post_call(call_event(call_id="26-311"))
    post_update(api, "26-311", update("U-1", "report_available",
                                      detail={"report_number": "R26-4410"}))
    sender.drain()
    hooks.text(CALLER, "yes")
    sender.drain()
    api.post_call(call_event(call_id="26-311", caller_phone="(202) 555-0166"))
    post_update(api, "26-311", update("U-2", "case_closed"))
    sender.drain()

    assert [(p, phone) for p, phone, _ in update_texts(db)] == [
        ("update_report_available", CALLER), ("update_case_closed", CALLER),
    ]
