"""Properties that must hold for every input, checked with Hypothesis (bounded, derandomized).

- Phone numbers: anything textable becomes E.164, and normalising again changes nothing;
  garbage gives None (the documented "cannot be texted"), never an exception.
- Quiet hours: the next allowed moment and a check-in's send time are never inside quiet hours
  and never earlier than asked, in every time zone an agency can pick (any IANA zone), across
  DST changes.
- Opt-out: for any interleaving of calls, STOP and START replies, sender sweeps and time
  passing, no text ever goes to a number while it is opted out (real services, fake gateway,
  a fresh database per example, SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
import shutil
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from followup import create_app
from followup.agencies.registry import ensure_default_agency
from followup.core.clock import FrozenClock
from followup.core.config import Settings
from followup.core.db import Base, Database
from followup.core.phones import to_e164
from followup.core.quiet_hours import QuietHours, next_allowed
from followup.eligibility.timing import send_time
from followup.services import Services
from tests.conftest import NOW, TEST_TOKEN
from tests.support.factories import ApiClient, FakeGateway, call_event
from tests.support.twilio_requests import TwilioWebhooks

BOUNDED = settings(max_examples=300, derandomize=True, deadline=None, database=None)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")

# --- phone numbers --------------------------------------------------------------------------

LINE = st.integers(min_value=0, max_value=99).map(lambda n: f"01{n:02d}")  # 202-555-01xx
FORMATS = [
    "(202) 555-{line}",
    "202-555-{line}",
    "202.555.{line}",
    "2025550{tail}",
    "+1 202 555 {line}",
    "1-202-555-{line}",
    "+12025550{tail}",
    " (202)555-{line} ",
    "tel:+1-202-555-{line}",
]


@BOUNDED
@given(line=LINE, layout=st.sampled_from(FORMATS))
def test_every_common_way_of_writing_a_textable_number_gives_the_same_e164(line, layout):
    raw = layout.format(line=line, tail=line[1:])

    normalised = to_e164(raw, "US")

    assert normalised == f"+1202555{line}"
    assert to_e164(normalised, "US") == normalised
    assert to_e164(normalised, "GB") == normalised  # E.164 needs no region


@BOUNDED
@given(raw=st.text(max_size=40), region=st.sampled_from(["US", "CA", "GB", "MX", "ZZ"]))
@example(raw="+", region="US")
@example(raw="\x00" * 40, region="US")
@example(raw="+1 999 999 9999", region="US")
def test_any_text_normalises_to_e164_or_none_and_never_raises(raw, region):
    normalised = to_e164(raw, region)

    assert normalised is None or E164.fullmatch(normalised)
    if normalised is not None:
        assert to_e164(normalised, region) == normalised


# --- quiet hours ----------------------------------------------------------------------------

ZONES = sorted(available_timezones())  # an agency may pick any zone ZoneInfo can load
MINUTES = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
QUIET = st.tuples(MINUTES, MINUTES).filter(lambda t: t[0] != t[1]).map(lambda t: QuietHours(*t))
MOMENTS = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2045, 1, 1), timezones=st.just(UTC)
)


@BOUNDED
@given(at=MOMENTS, zone=st.sampled_from(ZONES), quiet=QUIET)
# Autumn in New York: 01:15 happens twice; the second one (EST) is inside 22:00-01:30.
@example(
    at=datetime(2026, 11, 1, 6, 15, tzinfo=UTC),
    zone="America/New_York",
    quiet=QuietHours(time(22, 0), time(1, 30)),
)
# Spring in New York: 02:30 does not exist.
@example(
    at=datetime(2026, 3, 8, 6, 0, tzinfo=UTC),
    zone="America/New_York",
    quiet=QuietHours(time(21, 0), time(2, 30)),
)
# Lord Howe Island moves its clocks by 30 minutes.
@example(
    at=datetime(2026, 4, 4, 14, 40, tzinfo=UTC),
    zone="Australia/Lord_Howe",
    quiet=QuietHours(time(21, 0), time(1, 45)),
)
def test_the_next_allowed_moment_is_never_quiet_and_never_earlier(at, zone, quiet):
    allowed = next_allowed(at, ZoneInfo(zone), quiet)

    assert allowed >= at
    assert not quiet.contains(allowed.astimezone(ZoneInfo(zone)).time())
    assert allowed - at <= timedelta(days=2)


@BOUNDED
@given(
    closed_at=MOMENTS,
    wait=st.integers(min_value=0, max_value=3 * 24 * 60),
    delay=st.integers(min_value=0, max_value=48 * 60),
    zone=st.sampled_from(ZONES),
    quiet=st.none() | QUIET,
)
def test_a_checkin_send_time_is_never_quiet_and_never_before_the_delay(
    closed_at, wait, delay, zone, quiet
):
    agency = SimpleNamespace(
        zone=ZoneInfo(zone),
        quiet=quiet,
        send_delay=timedelta(minutes=delay),
        call_type_delays=[],
    )
    now = closed_at + timedelta(minutes=wait)

    at = send_time(agency, closed_at, now=now, call_type="THEFT")

    assert at >= now
    assert at >= closed_at + timedelta(minutes=delay)
    if quiet is not None:
        assert not quiet.contains(at.astimezone(ZoneInfo(zone)).time())


# --- the opt-out invariant ------------------------------------------------------------------

PHONES = ["+12025550161", "+12025550162", "+12025550163"]
_ARGS = {
    "call": st.sampled_from(PHONES),
    "stop": st.sampled_from(PHONES),
    "start": st.sampled_from(PHONES),
    "sweep": st.sampled_from([0, 1, 3, 12]),  # time passes (hours), then the sender sweeps
    "advance": st.sampled_from([1, 3, 12]),  # time passes, no sweep
}
# Calls and sweeps are drawn more often than replies, so that texts fall due and go out (the
# frequency cap allows one text per number per example).
KINDS = ["call", "sweep", "call", "sweep", "advance", "stop", "start"]
STEP = st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(st.just(kind), _ARGS[kind]))


@contextmanager
def fresh_world(request, kind: str, tmp_path):
    """Services, app and fake gateway on an empty migrated database, for one example."""
    if kind == "sqlite":
        path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    config = Settings.from_env(
        {},
        database_url=url,
        instance_path=tmp_path / "instance",
        secret_key="test-secret",
        intake_token=TEST_TOKEN,
        agency_name="Westlake Police",
        timezone="America/New_York",
    )
    clock, gateway = FrozenClock(NOW), FakeGateway()
    db = Database(url)
    services = Services.build(config, clock=clock, gateway=gateway, db=db)
    with db.begin() as session:
        ensure_default_agency(session, config, now=clock.now())
    client = create_app({"SERVICES": services, "TESTING": True}).test_client()
    sender = services.sender(worker_id="property-sender")
    try:
        yield SimpleNamespace(
            clock=clock,
            gateway=gateway,
            sender=sender,
            api=ApiClient(client, TEST_TOKEN),
            hooks=TwilioWebhooks.for_services(client, services),
        )
    finally:
        sender.close()
        db.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_no_text_ever_reaches_a_number_while_it_is_opted_out(request, kind, tmp_path):
    calls = iter(range(1, 10**6))
    texts_sent = []  # across examples: the property is not vacuous

    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(steps=st.lists(STEP, min_size=4, max_size=20))
    def run(steps):
        opted_out: set[str] = set()
        with fresh_world(request, kind, tmp_path) as world:
            for action, arg in steps:
                already = len(world.gateway.sent)
                if action == "call":
                    closed = world.clock.now() - timedelta(minutes=30)
                    response = world.api.post_call(
                        call_event(
                            call_id=f"P-{next(calls)}",
                            caller_phone=arg,
                            closed_at=closed.isoformat(),
                        )
                    )
                    assert response.status_code == 202
                elif action in ("stop", "start"):
                    reply = world.hooks.text(arg, action.upper())
                    assert reply.status_code == 200
                    (opted_out.add if action == "stop" else opted_out.discard)(arg)
                elif action == "sweep":
                    world.clock.advance(hours=arg)
                    world.sender.sweep()
                else:
                    world.clock.advance(hours=arg)
                # Compare numbers only; never print a body.
                texted = [sent["to"] for sent in world.gateway.sent[already:]]
                assert not opted_out.intersection(texted), f"texted while opted out: {action}"
                texts_sent.extend(texted)

    run()
    assert len(texts_sent) >= 10
