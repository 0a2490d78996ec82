"""The sender: what is due goes once, what is not stays, failures retry or stop for good."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from followup.core.db import Database
from followup.eligibility import contacts
from followup.models import Agency, FollowUp, Message, MessageTemplate
from followup.sending.gateways.base import (
    PermanentGatewayError,
    SendResult,
    TransientGatewayError,
    UnknownOutcomeError,
)
from followup.sending.gateways.guard import OptOutGuard
from followup.sending.sender import RetryPolicy, Sender
from followup.services import Services
from tests.support.factories import FakeGateway, call_event, followup_for, messages

STEADY = RetryPolicy(jitter=lambda: 1.0)  # no randomness: delays of exactly 1, 2, 4... minutes


def due(api, clock, **overrides):
    """Post a call and move the clock to when its check-in is due; return the call id."""
    event = call_event(**overrides)
    response = api.post_call(event)
    assert response.json["followup"]["status"] == "scheduled", response.json
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    return event["call_id"]


def test_a_due_checkin_is_sent_once_with_the_agency_name_and_date(api, sender, gateway, clock, db):
    call_id = due(api, clock, caller_phone="202-555-0142")

    report = sender.sweep()
    again = sender.sweep()

    assert (report.claimed, report.sent) == (1, 1)
    assert again.claimed == 0
    assert len(gateway.sent) == 1
    text = gateway.sent[0]
    assert text["to"] == "+12025550142"
    assert "Westlake Police" in text["body"]
    assert "Nov 23" in text["body"]
    assert "Reply STOP to opt out" in text["body"]
    followup = followup_for(db, call_id)
    assert followup.status == "sent"
    assert followup.sent_at == clock.now()
    [message] = messages(db)
    assert message.sid == "SM" + "0" * 31 + "1"
    assert (message.status, message.followup_id) == ("queued", followup.id)


def test_a_checkin_not_yet_due_stays_scheduled(api, sender, gateway, clock, db):
    response = api.post_call(call_id="later")
    send_at = datetime.fromisoformat(response.json["followup"]["send_at"])
    clock.set(send_at - timedelta(seconds=1))

    assert sender.sweep().claimed == 0
    assert gateway.sent == []
    assert followup_for(db, "later").status == "scheduled"


def test_the_spanish_text_goes_to_a_spanish_speaker(api, sender, gateway, clock):
    due(api, clock, language="es")

    sender.sweep()

    assert gateway.sent[0]["body"].startswith("Le escribe Westlake Police")
    assert "23 nov" in gateway.sent[0]["body"]


def test_the_status_callback_names_the_message(api, services, gateway, clock, db):
    sender = services.sender(public_url="https://followup.example.org")
    due(api, clock)

    sender.sweep()

    [message] = messages(db)
    assert gateway.sent[0]["status_callback"] == (
        f"https://followup.example.org/webhooks/twilio/status?m={message.id}"
    )


def test_the_followup_is_committed_as_sending_before_the_gateway_is_called(api, services, clock):
    seen = {}

    class Inspecting(FakeGateway):
        def send(self, to, body, *, status_callback=None):
            # What another process would see if this one died right now.
            with services.db.Session() as session:
                seen["followup"] = session.scalar(select(FollowUp.status))
                seen["message"] = session.scalar(select(Message.status))
            return super().send(to, body, status_callback=status_callback)

    sender = Sender(services.db, OptOutGuard(Inspecting(), services.db), services.clock)
    due(api, clock)

    sender.sweep()

    assert seen == {"followup": "sending", "message": "pending"}


# --- the rules again at send time --------------------------------------------------------


def test_an_opt_out_after_scheduling_stops_the_text(api, sender, gateway, clock, db, agency):
    call_id = due(api, clock, caller_phone="202-555-0143")
    with db.begin() as session:
        contacts.opt_out(session, agency.id, "+12025550143", source="reply", now=clock.now())

    sender.sweep()

    assert gateway.sent == []
    followup = followup_for(db, call_id)
    assert (followup.status, followup.reason) == ("cancelled", "opted_out")


def test_the_gateway_guard_refuses_an_opted_out_number_whoever_calls_it(services, clock, agency):
    with services.db.begin() as session:
        contacts.opt_out(session, agency.id, "+12025550144", source="reply", now=clock.now())

    try:
        services.gateway.send(agency.id, "+12025550144", "hello")
    except PermanentGatewayError as exc:
        assert exc.code == 21610
    else:
        raise AssertionError("the guard let a text through to an opted-out number")
    assert services.gateway.inner.sent == []


def test_a_sensitive_pattern_added_after_scheduling_stops_the_text(api, sender, gateway, clock, db):
    call_id = due(api, clock, call_type="CODE 10-16")
    with db.begin() as session:
        session.scalar(select(Agency)).sensitive_patterns = ["10-16"]

    sender.sweep()

    assert gateway.sent == []
    followup = followup_for(db, call_id)
    assert (followup.status, followup.reason) == ("skipped", "sensitive_call_type")


def test_two_due_checkins_to_one_number_in_one_batch_send_one_text(api, sender, gateway, clock, db):
    first = due(api, clock, call_id="first", caller_phone="202-555-0145")
    api.post_call(call_event(call_id="second", caller_phone="202-555-0145"))
    with db.begin() as session:  # both due at once (as after a retry meets a new call)
        second = session.scalar(select(FollowUp).where(FollowUp.call.has(external_id="second")))
        second.status, second.reason, second.send_at = "scheduled", None, clock.now()

    report = sender.sweep()

    assert (report.claimed, report.sent, report.skipped) == (2, 1, 1)
    assert len(gateway.sent) == 1
    outcomes = {(followup_for(db, c).status, followup_for(db, c).reason) for c in (first, "second")}
    assert outcomes == {("sent", None), ("skipped", "recently_contacted")}


def test_a_checkin_claimed_during_quiet_hours_waits_for_morning(api, sender, gateway, clock, db):
    call_id = due(api, clock)
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 22:00 in New York

    report = sender.sweep()

    assert report.rescheduled == 1
    assert gateway.sent == []
    followup = followup_for(db, call_id)
    assert followup.status == "scheduled"
    assert followup.send_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_a_broken_template_never_reaches_a_caller(api, sender, gateway, clock, db):
    with db.begin() as session:
        for template in session.scalars(select(MessageTemplate)):
            template.body = "Hello {{ caller_shoe_size }}"
    call_id = due(api, clock)

    sender.sweep()

    assert gateway.sent == []
    followup = followup_for(db, call_id)
    assert (followup.status, followup.reason) == ("failed", "template_error")


# --- failures ----------------------------------------------------------------------------


def test_a_rate_limit_retries_with_growing_waits_then_sends(api, services, gateway, clock, db):
    sender = services.sender(retry=STEADY)
    call_id = due(api, clock)
    gateway.fail_next(
        TransientGatewayError("429", code=20429, status=429),
        TransientGatewayError("503", status=503),
    )
    start = clock.now()

    first = sender.sweep()
    after_first = followup_for(db, call_id).send_at
    clock.set(after_first)
    sender.sweep()
    after_second = followup_for(db, call_id).send_at
    clock.set(after_second)
    sender.sweep()

    assert first.retrying == 1
    assert after_first - start == timedelta(minutes=1)
    assert after_second - after_first == timedelta(minutes=2)
    followup = followup_for(db, call_id)
    assert (followup.status, followup.attempts) == ("sent", 3)
    assert len(gateway.sent) == 1


def test_backoff_has_jitter_and_a_cap():
    low = RetryPolicy(jitter=lambda: 0.0)
    high = RetryPolicy(jitter=lambda: 1.0)

    assert low.delay(1) == timedelta(seconds=30)
    assert high.delay(1) == timedelta(minutes=1)
    assert high.delay(3) == timedelta(minutes=4)
    assert high.delay(20) == timedelta(hours=1)


def test_retries_stop_once_the_checkin_would_be_too_old(api, services, gateway, clock, db):
    sender = services.sender(retry=STEADY)
    closed = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # 11:00 EST a week before "now"
    response = api.post_call(call_id="old", closed_at=closed.isoformat())
    assert response.json["followup"]["status"] == "scheduled"
    clock.set(closed + timedelta(days=7) - timedelta(seconds=30))
    gateway.fail_next(TransientGatewayError("503", status=503))

    report = sender.sweep()

    assert report.failed == 1
    followup = followup_for(db, "old")
    assert (followup.status, followup.reason) == ("failed", "window_passed")


def test_retries_stop_after_the_attempt_limit(api, services, gateway, clock, db):
    sender = services.sender(retry=RetryPolicy(max_attempts=2, jitter=lambda: 1.0))
    call_id = due(api, clock)
    gateway.fail_next(*[TransientGatewayError("500", status=500) for _ in range(2)])

    sender.sweep()
    clock.set(followup_for(db, call_id).send_at)
    sender.sweep()

    followup = followup_for(db, call_id)
    assert (followup.status, followup.reason, followup.attempts) == (
        "failed",
        "retries_exhausted",
        2,
    )


def test_an_invalid_number_fails_for_good_with_its_code(api, sender, gateway, clock, db):
    call_id = due(api, clock)
    gateway.fail_next(PermanentGatewayError("invalid", code=21211, status=400))

    sender.sweep()
    clock.advance(hours=2)
    sender.sweep()

    followup = followup_for(db, call_id)
    assert (followup.status, followup.reason, followup.error_code) == (
        "failed",
        "gateway_rejected",
        21211,
    )
    assert gateway.sent == []
    [message] = messages(db)
    assert (message.status, message.error_code) == ("failed", 21211)


def test_unsubscribed_21610_fails_the_text_and_opts_the_number_out(
    api, sender, gateway, clock, db, agency
):
    call_id = due(api, clock, caller_phone="202-555-0145")
    gateway.fail_next(PermanentGatewayError("unsubscribed", code=21610, status=400))

    sender.sweep()
    next_call = api.post_call(call_id="next", caller_phone="202-555-0145")

    followup = followup_for(db, call_id)
    assert (followup.status, followup.error_code) == ("failed", 21610)
    assert next_call.json["followup"]["reason"] == "opted_out"
    with db.Session() as session:
        from followup.models import Contact

        contact = session.scalar(select(Contact).where(Contact.phone == "+12025550145"))
    assert contact.opted_out and contact.opt_out_source == "twilio_21610"


def test_an_unknown_outcome_is_surfaced_and_never_resent(api, sender, gateway, clock, db):
    call_id = due(api, clock)
    gateway.fail_next(UnknownOutcomeError("read timeout"))

    report = sender.sweep()
    clock.advance(days=1)
    sender.sweep()

    assert report.unknown == 1
    assert followup_for(db, call_id).status == "unknown"
    assert gateway.sent == []


def test_a_claim_left_by_a_crash_before_its_text_was_stored_is_sent_once_later(
    api, services, clock, db
):
    call_id = due(api, clock)
    crashed = services.sender(worker_id="crashed")
    crashed.claim_due()  # claimed and committed, then the process died before storing its text
    survivor = services.sender(worker_id="survivor")

    clock.advance(minutes=5)
    early = survivor.sweep()
    clock.advance(minutes=6)
    late = survivor.sweep()

    assert (early.stale, early.sent, late.stale, late.sent) == (0, 0, 1, 1)
    assert followup_for(db, call_id).status == "sent"
    assert len(services.gateway.inner.sent) == 1


def test_a_text_stored_by_a_sender_that_then_died_becomes_unknown_not_resent(
    api, services, clock, db
):
    call_id = due(api, clock)
    crashed = services.sender(worker_id="crashed")
    [claimed] = crashed.claim_due()
    crashed._prepare_batch([claimed])  # its text stored as pending; the process died here
    survivor = services.sender(worker_id="survivor")

    clock.advance(minutes=11)
    late = survivor.sweep()

    assert (late.stale, late.sent) == (1, 0)
    assert followup_for(db, call_id).status == "unknown"  # the outbox cannot be asked
    assert services.gateway.inner.sent == []


# --- several senders at once ---------------------------------------------------------------


@dataclass
class MeetingGateway:
    """Records sends; the first send of each sender waits until the other is sending too."""

    meeting: threading.Barrier
    name: str = "fake"
    sent: list[str] = field(default_factory=list)
    _met: bool = False

    def send(self, to, body, *, status_callback=None):
        if not self._met:
            self._met = True
            self.meeting.wait(timeout=30)
        self.sent.append(to)
        return SendResult(sid=f"SM{to[-4:]}{len(self.sent)}{id(self) % 997}", status="queued")


def test_two_senders_at_once_send_every_checkin_exactly_once(api, services, clock, db):
    for n in range(100):
        api.post_call(call_id=f"race-{n}", caller_phone=f"+1202555{100 + n:04d}")
    with db.Session() as session:
        scheduled = session.scalar(select(func.count()).where(FollowUp.status == "scheduled"))
        last_due = session.scalar(select(func.max(FollowUp.send_at)))
    assert scheduled == 100
    clock.set(last_due)

    meeting = threading.Barrier(2)
    gateways, senders = [], []
    for name in ("one", "two"):
        # Each sender gets its own engine, as a separate process would.
        own_db = Database(services.settings.database_url)
        gateway = MeetingGateway(meeting)
        gateways.append(gateway)
        senders.append(
            Services.build(services.settings, clock=clock, gateway=gateway, db=own_db).sender(
                batch_size=7,
                worker_id=name,
                concurrency=1,  # one send at a time: see the gateway
            )
        )
    errors = []

    def work(sender):
        try:
            sender.drain()
        except Exception as exc:  # surfaced below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for sender in senders:
        sender.db.dispose()

    assert errors == []
    sent = gateways[0].sent + gateways[1].sent
    assert len(sent) == 100
    assert len(set(sent)) == 100
    assert gateways[0].sent and gateways[1].sent  # both really worked
    with db.Session() as session:
        statuses = set(session.scalars(select(FollowUp.status)))
        per_followup = session.execute(
            select(Message.followup_id, func.count()).group_by(Message.followup_id)
        ).all()
    assert statuses == {"sent"}
    assert {count for _, count in per_followup} == {1}
