"""Sending when Twilio misbehaves: lost answers are looked up, not resent; refusals retry or stop.

Every test sends through the real ``twilio`` SDK to the local fake of the Messages API (with the
same frozen clock as the service), and delivery statuses come back through the signed webhook.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from followup import create_app
from followup.core.config import ConfigError, Settings
from followup.models import AuditEvent, Contact, Message
from followup.sending.gateways.twilio import TwilioGateway
from followup.sending.rate_limit import Pacer
from followup.sending.retries import RetryPolicy
from followup.services import build_gateway
from followup.testing.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.factories import call_event, followup_for, messages
from tests.support.twilio_requests import TwilioWebhooks, with_public_url

MESSAGING_SERVICE_SID = "MG" + "1" * 32
CALLER = "+12025550131"
STEADY = RetryPolicy(jitter=lambda: 1.0)  # waits of exactly 1, 2, 4... minutes
CARRIER_STEADY = RetryPolicy(base=timedelta(minutes=30), max_attempts=3, jitter=lambda: 1.0)
PERMANENT = [21211, 21610, 21614, 30004, 30005, 30006, 30007, 30008]


@pytest.fixture
def fake(clock):
    with FakeTwilio(clock=clock.now) as server:
        yield server


@pytest.fixture
def gateway(fake) -> TwilioGateway:
    # The service's own read timeout: a slow answer on a loaded machine is still an answer.
    # An answer lost after Twilio took the text is the fake cutting its answer off
    # (cut_off_next): the same unknown outcome as a read timeout, with no waiting. A read
    # timeout itself is tested on the gateway (tests/service/test_twilio_gateway.py).
    return TwilioGateway(
        ACCOUNT_SID,
        AUTH_TOKEN,
        messaging_service_sid=MESSAGING_SERVICE_SID,
        api_url=fake.url,
        timeout=10.0,
    )


@pytest.fixture
def public(services):
    return with_public_url(services)


@pytest.fixture
def sender(public):
    built = public.sender(
        worker_id="test-sender", retry=STEADY, carrier_retry=CARRIER_STEADY, concurrency=1
    )
    yield built
    built.close()


@pytest.fixture
def hooks(public) -> TwilioWebhooks:
    client = create_app({"SERVICES": public, "TESTING": True}).test_client()
    return TwilioWebhooks.for_services(client, public)


def due(api, clock, **overrides) -> str:
    """Post a call and move the clock to when its check-in is due; return the call id."""
    event = call_event(caller_phone=CALLER, **overrides)
    response = api.post_call(event)
    assert response.json["followup"]["status"] == "scheduled", response.json
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    return event["call_id"]


def state(db, call_id):
    followup = followup_for(db, call_id)
    return followup.status, followup.reason, followup.error_code


# --- 1. finite timeouts -------------------------------------------------------------------------


def test_the_twilio_timeouts_are_settings_and_reach_the_sdk_as_connect_and_read(tmp_path):
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
        "FOLLOWUP_TWILIO_TIMEOUT": "7",
        "FOLLOWUP_TWILIO_CONNECT_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(env, instance_path=tmp_path, secret_key="s")

    gateway = build_gateway(settings)

    assert gateway._client.http_client.timeout == (2.5, 7.0)
    default = build_gateway(
        Settings.from_env(
            {**env, "FOLLOWUP_TWILIO_TIMEOUT": ""}, instance_path=tmp_path, secret_key="s"
        )
    )
    assert default._client.http_client.timeout == (2.5, 10.0)


@pytest.mark.parametrize("value", ["0", "-1", "never", "nan", "500"])
def test_a_timeout_that_is_not_a_sane_number_of_seconds_is_refused_by_name(tmp_path, value):
    with pytest.raises(ConfigError, match="FOLLOWUP_TWILIO_TIMEOUT"):
        Settings.from_env(
            {"FOLLOWUP_TWILIO_TIMEOUT": value}, instance_path=tmp_path, secret_key="s"
        )


# --- 2. a lost answer is looked up before anything is resent ------------------------------------


def test_an_answer_lost_after_twilio_took_the_text_is_looked_up_and_recorded_sent_never_resent(
    api, sender, fake, clock, db
):
    call_id = due(api, clock)
    fake.cut_off_next()

    first = sender.sweep()
    clock.advance(minutes=1)
    too_early = sender.sweep()
    clock.advance(minutes=2)
    later = sender.sweep()
    clock.advance(days=1)
    sender.sweep()

    assert first.lookup == 1
    assert too_early.looked_up == 0  # Twilio may still be working on the request
    assert (later.looked_up, later.sent) == (1, 1)
    assert state(db, call_id) == ("sent", None, None)
    assert len(fake.messages) == 1 and len(fake.create_requests) == 1
    [sid] = fake.messages
    [message] = messages(db)
    assert (message.sid, message.status) == (sid, "accepted")


def test_a_lookup_finds_a_text_already_handed_on_by_the_date_sent_filter_alone(
    api, sender, fake, clock, db
):
    call_id = due(api, clock)
    fake.cut_off_next()
    sender.sweep()
    [sid] = fake.messages
    fake.set_status(sid, "sent")
    clock.advance(minutes=3)

    sender.sweep()

    assert followup_for(db, call_id).status == "sent"
    [lookup] = fake.list_requests
    assert lookup.query["To"] == CALLER and "DateSent>" in lookup.query
    assert messages(db)[0].status == "sent"


def test_a_500_before_twilio_stored_the_text_is_looked_up_then_sent_once(
    api, sender, fake, clock, db
):
    call_id = due(api, clock)
    fake.fail_next(status=500, code=20500)

    first = sender.sweep()
    assert followup_for(db, call_id).status == "unknown"
    looked_at = clock.advance(minutes=3)
    lookup = sender.sweep()
    retry_at = followup_for(db, call_id).send_at
    clock.set(retry_at)
    last = sender.sweep()

    assert first.lookup == 1
    assert (lookup.looked_up, lookup.retrying) == (1, 1)
    assert retry_at - looked_at == timedelta(minutes=1)  # STEADY, after the first attempt
    assert last.sent == 1
    assert state(db, call_id) == ("sent", None, None)
    assert len(fake.messages) == 1  # exactly one text in total
    assert len(fake.create_requests) == 2
    lost, sent = messages(db)
    assert (lost.status, lost.error_code, lost.sid) == ("failed", 20500, None)
    assert sent.sid in fake.messages


def test_when_the_lookup_itself_fails_the_checkin_stays_unknown_and_nothing_is_resent(
    api, sender, fake, clock, db
):
    call_id = due(api, clock)
    fake.cut_off_next()
    sender.sweep()
    fake.fail_lists_next(503, times=5)
    clock.advance(minutes=3)

    report = sender.sweep()
    clock.advance(days=1)
    sender.sweep()

    assert (report.looked_up, report.unknown) == (1, 1)
    assert state(db, call_id)[:2] == ("unknown", "lookup_failed")
    assert len(fake.create_requests) == 1


def test_a_status_callback_during_the_wait_settles_it_without_asking_twilio(
    api, sender, fake, hooks, clock, db
):
    call_id = due(api, clock)
    fake.cut_off_next()
    sender.sweep()
    [sid] = fake.messages
    assert hooks.status(fake.status_callback_of(sid), sid, "sent", to=CALLER).status_code == 204
    clock.advance(minutes=3)

    sender.sweep()

    assert followup_for(db, call_id).status == "sent"
    assert fake.list_requests == []
    assert messages(db)[0].sid == sid


# --- 3. rate limits, transient and permanent codes ---------------------------------------------


def test_429_and_20429_retry_with_doubling_waits_then_send_once(api, sender, fake, clock, db):
    call_id = due(api, clock)
    fake.fail_next(status=429, code=20429)
    fake.fail_next(status=429)
    start = clock.now()

    sender.sweep()
    first = followup_for(db, call_id).send_at
    clock.set(first)
    sender.sweep()
    second = followup_for(db, call_id).send_at
    clock.set(second)
    sender.sweep()

    assert (first - start, second - first) == (timedelta(minutes=1), timedelta(minutes=2))
    assert followup_for(db, call_id).status == "sent"
    assert len(fake.messages) == 1 and len(fake.create_requests) == 3


def test_rate_limit_retries_stop_at_the_attempt_limit_with_the_code_kept(
    api, public, fake, clock, db
):
    sender = public.sender(retry=RetryPolicy(max_attempts=3, jitter=lambda: 0.0))
    call_id = due(api, clock)
    fake.fail_next(status=429, code=20429, times=10)

    for _ in range(5):
        sender.sweep()
        if followup_for(db, call_id).status == "scheduled":
            clock.set(followup_for(db, call_id).send_at)

    assert state(db, call_id) == ("failed", "retries_exhausted", 20429)
    assert len(fake.create_requests) == 3 and fake.messages == {}


@pytest.mark.parametrize("code", [30001, 30003, 30500])
def test_a_transient_carrier_code_on_create_is_retried_a_bounded_number_of_times(
    api, sender, fake, clock, db, code
):
    call_id = due(api, clock)
    fake.fail_next(status=400, code=code, times=10)
    start = clock.now()

    sender.sweep()
    waits = [followup_for(db, call_id).send_at - start]
    for _ in range(4):
        if followup_for(db, call_id).status == "scheduled":
            clock.set(followup_for(db, call_id).send_at)
        sender.sweep()

    assert waits == [timedelta(minutes=30)]
    assert state(db, call_id) == ("failed", "retries_exhausted", code)
    assert len(fake.create_requests) == 3  # CARRIER_STEADY: three sends at most


@pytest.mark.parametrize("code", PERMANENT)
def test_a_permanent_code_on_create_is_never_retried_and_is_recorded(
    api, sender, fake, clock, db, code
):
    call_id = due(api, clock)
    fake.fail_next(status=400, code=code)

    report = sender.sweep()
    clock.advance(days=1)
    sender.sweep()

    assert report.failed == 1
    assert state(db, call_id) == ("failed", "gateway_rejected", code)
    [message] = messages(db)
    assert (message.status, message.error_code) == ("failed", code)
    assert len(fake.create_requests) == 1


def carrier_filtered_events(db) -> list[AuditEvent]:
    with db.Session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "carrier_filtered"))
        )


def test_30007_on_create_alerts_the_admins_in_the_audit_trail_and_the_log_without_the_number(
    api, sender, fake, clock, db, agency, caplog
):
    due(api, clock)
    fake.fail_next(status=400, code=30007)

    with caplog.at_level(logging.INFO):
        sender.sweep()

    [event] = carrier_filtered_events(db)
    [message] = messages(db)
    assert (event.agency_id, event.object_type, event.object_id) == (
        agency.id,
        "message",
        message.id,
    )
    assert event.detail["code"] == 30007 and event.detail["purpose"] == "checkin"
    assert CALLER[2:] not in str(event.detail)
    warnings = [r.getMessage() for r in caplog.records if "30007" in r.getMessage()]
    assert warnings and all(CALLER[2:] not in text for text in warnings)
    assert all(message.body not in r.getMessage() for r in caplog.records)


# --- 3b. carrier codes in status callbacks -----------------------------------------------------


def send_ok(api, sender, fake, clock) -> tuple[str, str]:
    """Send a check-in that Twilio takes; return the call id and Twilio's sid."""
    call_id = due(api, clock)
    assert sender.sweep().sent == 1
    sid = list(fake.messages)[-1]
    clock.advance(minutes=1)
    return call_id, sid


def contact(db) -> Contact | None:
    with db.Session() as session:
        return session.scalar(select(Contact).where(Contact.phone == CALLER))


@pytest.mark.parametrize("code", [30001, 30003, 30500])
def test_an_undelivered_callback_with_a_transient_code_sends_the_checkin_again_later(
    api, sender, fake, hooks, clock, db, code
):
    call_id, sid = send_ok(api, sender, fake, clock)

    hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=code)
    hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=code)
    followup = followup_for(db, call_id)
    assert (followup.status, followup.error_code) == ("scheduled", code)
    # retries.CARRIER_RETRY: half an hour after the first send, less up to half for jitter.
    assert timedelta(minutes=15) <= followup.send_at - clock.now() <= timedelta(minutes=30)
    assert contact(db) is None or contact(db).unreachable_code is None
    clock.set(followup.send_at)
    sender.sweep()

    assert followup_for(db, call_id).status == "sent"
    assert len(fake.messages) == 2  # the repeated callback did not add a third
    first, second = messages(db)
    assert (first.status, first.error_code) == ("undelivered", code)
    assert second.status == "accepted"


def test_carrier_retries_stop_after_the_limit_and_then_mark_the_number_unreachable(
    api, sender, fake, hooks, clock, db
):
    call_id, sid = send_ok(api, sender, fake, clock)

    for _ in range(3):
        hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=30003)
        followup = followup_for(db, call_id)
        if followup.status != "scheduled":
            break
        clock.set(followup.send_at)
        sender.sweep()
        sid = list(fake.messages)[-1]

    assert state(db, call_id) == ("failed", "retries_exhausted", 30003)
    assert len(fake.messages) == 3
    assert contact(db).unreachable_code == 30003


def test_a_late_transient_callback_for_an_older_text_does_not_send_again(
    api, sender, fake, hooks, clock, db
):
    call_id, old_sid = send_ok(api, sender, fake, clock)
    hooks.status(
        fake.status_callback_of(old_sid), old_sid, "undelivered", to=CALLER, error_code=30001
    )
    clock.set(followup_for(db, call_id).send_at)
    sender.sweep()
    new_sid = list(fake.messages)[-1]

    # The second text is delivered; a stray callback for the first changes nothing.
    hooks.status(fake.status_callback_of(new_sid), new_sid, "delivered", to=CALLER)
    with db.begin() as session:
        session.get(Message, messages(db)[0].id).status = "sent"  # as if not yet final
    hooks.status(fake.status_callback_of(old_sid), old_sid, "failed", to=CALLER, error_code=30500)

    assert followup_for(db, call_id).status == "sent"


def test_a_30007_callback_alerts_the_admins_and_is_not_retried(api, sender, fake, hooks, clock, db):
    call_id, sid = send_ok(api, sender, fake, clock)

    hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=30007)
    hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=30007)

    assert followup_for(db, call_id).status == "sent"
    [event] = carrier_filtered_events(db)  # once, though the callback came twice
    assert event.object_id == messages(db)[0].id
    assert messages(db)[0].error_code == 30007


@pytest.mark.parametrize("code", [30004, 30005, 30006, 30008])
def test_a_permanent_code_in_a_callback_is_recorded_and_never_retried(
    api, sender, fake, hooks, clock, db, code
):
    call_id, sid = send_ok(api, sender, fake, clock)

    hooks.status(fake.status_callback_of(sid), sid, "undelivered", to=CALLER, error_code=code)
    clock.advance(days=1)
    sender.sweep()

    assert followup_for(db, call_id).status == "sent"
    assert messages(db)[0].error_code == code
    assert len(fake.create_requests) == 1
    assert carrier_filtered_events(db) == []


# --- 4. validity period before quiet hours -----------------------------------------------------

NY_19_00 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 19:00 in New York, two hours before 21:00


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (NY_19_00, 7200),
        (NY_19_00 + timedelta(hours=1, minutes=59, seconds=59, milliseconds=400), 1),
        (NY_19_00 + timedelta(hours=1, minutes=30, milliseconds=600), 1799),
        (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), None),  # 11:00: ten hours to go
        (datetime(2026, 11, 23, 16, 0, 1, tzinfo=UTC), 35999),
    ],
    ids=["two-hours", "under-a-second", "rounded-down", "ten-hours", "just-under-ten-hours"],
)
def test_a_text_sent_close_to_quiet_hours_expires_before_they_start(
    api, sender, fake, clock, at, expected
):
    due(api, clock, closed_at="2026-11-23T08:00:00-05:00")  # due at 10:00 in New York
    clock.set(at)

    assert sender.sweep().sent == 1

    [sid] = fake.messages
    assert fake.validity_period_of(sid) == expected


def test_a_paced_text_close_to_quiet_hours_leaves_room_for_its_wait(public, fake, api, clock):
    """With a rate limit the text waits at the last moment, after its validity period is set:
    the period is shortened by the longest that wait can be, so the text still cannot outlast
    the start of quiet hours. The wait happened, once, as the request went out."""

    class CountingPacer(Pacer):
        turns = 0

        def acquire(self) -> float:
            self.turns += 1
            return super().acquire()

    pacer = CountingPacer(100)  # one text: its first turn never waits
    sender = public.sender(worker_id="test-sender", concurrency=4, rate_limit=pacer)
    due(api, clock, closed_at="2026-11-23T08:00:00-05:00")
    clock.set(NY_19_00)
    try:
        assert sender.sweep().sent == 1
    finally:
        sender.close()

    [sid] = fake.messages
    held = pacer.longest_wait(4)
    assert 1.0 < held < 3.0  # two windows of 1.04 s with four threads at 100 a second
    assert fake.validity_period_of(sid) == math.floor(7200 - held)
    assert pacer.turns == 1  # one turn taken, for the one request


def test_no_validity_period_when_the_agency_has_no_quiet_hours(
    api, sender, fake, clock, db, agency
):
    with db.begin() as session:
        session.get(type(agency), agency.id).quiet_hours = "off"
    due(api, clock)
    clock.set(NY_19_00 + timedelta(hours=1, minutes=30))

    sender.sweep()

    [sid] = fake.messages
    assert fake.validity_period_of(sid) is None


def test_the_fake_refuses_a_validity_period_outside_twilios_range(fake, gateway):
    for bad in (0, 36001):
        with pytest.raises(ValueError):
            gateway.send(CALLER, "hello", validity_period=bad)
    assert fake.create_requests == []


# --- 5. a sender that died mid-send ------------------------------------------------------------


def test_a_text_a_dead_sender_handed_to_twilio_is_looked_up_and_recorded_sent_never_resent(
    api, public, fake, clock, db
):
    call_id = due(api, clock)
    dead = public.sender(worker_id="dead")
    [claimed] = dead.claim_due()
    [prepared] = dead._prepare_batch([claimed])
    public.gateway.send(prepared.agency_id, prepared.to, prepared.body)  # then it was killed
    survivor = public.sender(worker_id="survivor")

    clock.advance(minutes=11)  # past the sending timeout
    survivor.sweep()
    clock.advance(minutes=3)
    survivor.sweep()

    assert state(db, call_id) == ("sent", None, None)
    assert len(fake.create_requests) == 1  # looked up, not sent again
    assert fake.list_requests


def test_a_text_a_dead_sender_stored_but_never_handed_over_is_sent_once_after_the_lookup(
    api, public, fake, clock, db
):
    call_id = due(api, clock)
    dead = public.sender(worker_id="dead")
    [claimed] = dead.claim_due()
    dead._prepare_batch([claimed])  # stored as pending; killed before calling Twilio
    survivor = public.sender(worker_id="survivor")

    clock.advance(minutes=11)
    survivor.sweep()  # looked up at once (the claim is old): Twilio has no such text
    assert followup_for(db, call_id).status == "scheduled" and fake.list_requests
    assert fake.create_requests == []
    clock.set(followup_for(db, call_id).send_at)
    survivor.sweep()

    assert followup_for(db, call_id).status == "sent"
    assert len(fake.create_requests) == 1
