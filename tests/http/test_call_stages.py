"""The whole call through the intake API and the sender: received, dispatched, arrived, closed
in any order; the confirmation and delay texts; opt-out, sensitive calls and the frequency cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from followup.models import Agency, Call, FollowUp, Message
from tests.support.factories import call_event, messages
from tests.support.twilio_requests import TwilioWebhooks

RECEIVED = "2026-11-23T09:58:00-05:00"  # two minutes before the test clock's now
CALLER = "+12025550123"  # the number call_event gives


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


def received(call_id: str, **overrides) -> dict:
    event = call_event(call_id=call_id, status="received", received_at=RECEIVED, closed_at=...)
    return event | overrides


def texts_of(db, call_id: str) -> dict[str, FollowUp]:
    with db.Session() as session:
        rows = session.scalars(
            select(FollowUp).join(Call, FollowUp.call_id == Call.id).where(
                Call.external_id == call_id
            )
        )
        return {row.purpose: row for row in rows}


def sent_bodies(db) -> list[tuple[str, str]]:
    return [(m.purpose, m.body) for m in messages(db) if m.direction == "outbound"]


def test_a_received_call_is_confirmed_at_once_with_its_case_number(api, db, sender):
    response = api.post_call(received("26-118842"))

    assert response.status_code == 202
    assert response.json["status"] == "received"
    assert response.json["followup"] is None  # no check-in before the call closes
    assert {t["purpose"]: t["status"] for t in response.json["texts"]} == {
        "confirmation": "scheduled",
        "delay": "scheduled",
    }
    sender.sweep()
    assert sent_bodies(db) == [
        (
            "confirmation",
            "Westlake Police received your call, case 26-118842. Reply here to add details. "
            "For emergencies call 911. Reply STOP to opt out.",
        )
    ]


def test_the_confirmation_goes_out_in_quiet_hours(api, db, sender, clock):
    clock.set(clock.now().replace(hour=4))  # 23:00 in New York
    api.post_call(received("26-1", received_at=clock.now().isoformat()))

    sender.sweep()

    assert [purpose for purpose, _ in sent_bodies(db)] == ["confirmation"]


def test_no_unit_within_thirty_minutes_sends_the_delay_text_once(api, db, sender, clock):
    api.post_call(received("26-2"))
    sender.sweep()
    clock.advance(minutes=27)
    sender.sweep()
    assert [p for p, _ in sent_bodies(db)] == ["confirmation"]

    clock.advance(minutes=2)  # 31 minutes after the call was received
    sender.sweep()
    clock.advance(minutes=30)
    sender.sweep()

    delay = [body for purpose, body in sent_bodies(db) if purpose == "delay"]
    assert len(delay) == 1
    assert "not forgotten" in delay[0] and "911" in delay[0] and "26-2" in delay[0]


def test_a_dispatch_in_time_cancels_the_delay_text(api, db, sender, clock):
    api.post_call(received("26-3"))
    sender.sweep()
    clock.advance(minutes=10)
    response = api.post_call(
        call_event(call_id="26-3", status="dispatched", dispatched_at=clock.now().isoformat(),
                   closed_at=...)
    )
    clock.advance(hours=1)
    sender.sweep()

    assert response.status_code == 202
    assert response.json["status"] == "dispatched"
    assert [p for p, _ in sent_bodies(db)] == ["confirmation"]
    delay = texts_of(db, "26-3")["delay"]
    assert (delay.status, delay.reason) == ("cancelled", "call_dispatched")


def test_the_priority_threshold_decides_when_the_delay_text_goes(api, db, sender, clock, agency):
    with db.begin() as session:
        session.get(Agency, agency.id).delay_rules = [{"priority": "1", "minutes": 10}]
    api.post_call(received("26-4", priority="1", received_at=clock.now().isoformat()))
    clock.advance(minutes=9)
    sender.sweep()
    assert "delay" not in [p for p, _ in sent_bodies(db)]
    clock.advance(minutes=2)
    sender.sweep()
    assert [p for p, _ in sent_bodies(db)].count("delay") == 1


def test_an_earlier_stage_after_a_later_one_changes_nothing_else(api, db, sender, clock):
    closed = api.post_call(call_event(call_id="26-5", caller_name="Alex Rivera"))
    late = api.post_call(received("26-5", caller_name="Someone Else", caller_phone=None))
    again = api.post_call(received("26-5", caller_name="Someone Else", caller_phone=None))
    sender.sweep()

    assert late.status_code == 202 and again.status_code == 200
    assert late.json["status"] == "closed"
    assert late.json["followup"] == closed.json["followup"]
    with db.Session() as session:
        call = session.scalar(select(Call).where(Call.external_id == "26-5"))
        assert call.caller_name == "Alex Rivera" and call.caller_phone == "+12025550123"
        assert call.created_at_cad is not None
    assert set(texts_of(db, "26-5")) == {"checkin"}  # no confirmation for a closed call


def test_stages_in_any_order_and_repeated_end_in_one_of_each_text(api, db, sender, clock):
    at = clock.now()
    events = [
        call_event(call_id="26-6", status="arrived", arrived_at=(at).isoformat(), closed_at=...),
        received("26-6"),
        call_event(call_id="26-6", status="dispatched", dispatched_at=at.isoformat(),
                   closed_at=...),
        received("26-6"),
        call_event(call_id="26-6"),
        call_event(call_id="26-6", status="arrived", arrived_at=at.isoformat(), closed_at=...),
    ]
    answers = [api.post_call(event).status_code for event in events]
    clock.advance(hours=3)
    sender.drain()

    assert all(code in (200, 202) for code in answers)
    texts = texts_of(db, "26-6")
    assert texts["checkin"].status == "sent"
    assert texts["delay"].status in ("skipped", "cancelled")
    # The call closed before the sweep: the confirmation is no longer news.
    assert (texts["confirmation"].status, texts["confirmation"].reason) == (
        "skipped", "call_closed"
    )
    assert [p for p, _ in sent_bodies(db)] == ["checkin"]


def test_each_status_needs_its_own_time_and_a_missing_one_changes_nothing(api, db):
    for status, field in (("received", "received_at"), ("dispatched", "dispatched_at"),
                          ("arrived", "arrived_at"), ("closed", "closed_at")):
        response = api.post_call(call_event(call_id=f"26-7{status}", status=status,
                                            closed_at=...))
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json["errors"] == [
            {"field": field, "message": f"is required when status is '{status}'"}
        ]
    with db.Session() as session:
        assert session.scalar(select(Call.id)) is None


def test_an_unknown_status_or_field_is_refused(api):
    assert api.post_call(received("26-8", status="en_route")).status_code == 400
    response = api.post_call(received("26-8", eta="5m"))
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "eta"


def test_a_sensitive_call_gets_no_confirmation_and_no_delay_text(api, db, sender, clock):
    response = api.post_call(received("26-9", call_type="DV A/B I/P"))
    clock.advance(hours=1)
    sender.drain()

    assert {t["purpose"]: t["reason"] for t in response.json["texts"]} == {
        "confirmation": "sensitive_call_type",
        "delay": "sensitive_call_type",
    }
    assert sent_bodies(db) == []


def test_a_number_that_replied_stop_gets_nothing_of_any_purpose(api, db, sender, clock, hooks):
    api.post_call(received("26-10"))
    sender.sweep()
    hooks.text(CALLER, "STOP")
    clock.advance(hours=1)
    sender.drain()
    api.post_call(received("26-11", received_at=clock.now().isoformat()))
    sender.drain()

    assert [p for p, _ in sent_bodies(db)] == ["confirmation", "opt_out_confirm"]
    assert texts_of(db, "26-10")["delay"].status in ("cancelled", "skipped")
    assert texts_of(db, "26-11")["confirmation"].reason == "opted_out"


def test_a_confirmation_does_not_count_against_the_checkin_frequency_cap(api, db, sender, clock):
    api.post_call(received("26-12"))
    sender.sweep()
    response = api.post_call(call_event(call_id="26-12"))

    assert response.json["followup"]["status"] == "scheduled"


def test_an_agency_that_turned_confirmations_off_sends_none(api, db, sender, agency):
    with db.begin() as session:
        session.get(Agency, agency.id).confirmation_texts = False
    response = api.post_call(received("26-13"))
    sender.sweep()

    assert {t["purpose"]: t["reason"] for t in response.json["texts"]}["confirmation"] == (
        "purpose_off"
    )
    assert sent_bodies(db) == []


def test_a_reply_to_a_confirmation_is_kept_and_triaged(api, db, sender, hooks):
    api.post_call(received("26-14"))
    sender.sweep()
    hooks.text(CALLER, "he is back outside with a knife")

    with db.Session() as session:
        reply = session.scalar(select(Message).where(Message.direction == "inbound"))
        assert reply is not None and reply.category == "crisis"


def test_get_shows_every_text_of_the_call(api, sender, clock):
    api.post_call(received("26-15"))
    sender.sweep()
    clock.advance(minutes=31)
    sender.sweep()
    response = api.get_call("26-15")

    assert [(t["purpose"], t["status"]) for t in response.json["texts"]] == [
        ("confirmation", "sent"),
        ("delay", "sent"),
    ]
    assert response.json["updates"] == []


def test_a_received_call_older_than_an_hour_gets_no_confirmation(api, clock):
    old = (clock.now() - timedelta(hours=2)).isoformat()
    response = api.post_call(received("26-16", received_at=old))

    assert {t["purpose"]: t["reason"] for t in response.json["texts"]} == {
        "confirmation": "too_old",
        "delay": "too_old",
    }
