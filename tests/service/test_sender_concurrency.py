"""Several texts in flight at once within one sender, under a rate limit that always holds.

Time is injected: the pacer gets a fake monotonic clock and a fake sleep, and the
threads meet at barriers (with timeouts), never by sleeping. All numbers are fictional.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select

from followup import create_app
from followup.core.config import ConfigError, Settings
from followup.core.db import Database
from followup.models import Agency, FollowUp, Message
from followup.sending.gateways.base import SendResult
from followup.sending.rate_limit import Pacer
from followup.services import Services
from followup.setup import prepare_database
from followup.testing.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.factories import ApiClient


class FakeTime:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def due_checkins(api, clock, count: int) -> None:
    last = None
    for n in range(count):
        response = api.post_call(call_id=f"C-{n}", caller_phone=f"+1202555{100 + n:04d}")
        assert response.json["followup"]["status"] == "scheduled", response.json
        last = datetime.fromisoformat(response.json["followup"]["send_at"])
    clock.set(last)


# --- the pacer ----------------------------------------------------------------------------------


class LateTime(FakeTime):
    """A clock whose sleeps overrun, as on a busy machine: each wakes up to ``late`` late."""

    def __init__(self, late: float, seed: int = 23):
        super().__init__()
        self.late = late
        self._random = random.Random(seed)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds + self._random.uniform(0, self.late))


def busiest(moments: list[float], window: float) -> int:
    """The most of ``moments`` (sorted) in any half-open window of ``window`` seconds."""
    return max(bisect.bisect_left(moments, t + window) - i for i, t in enumerate(moments))


def steps(moments: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(moments)]


def let_go(pacer: Pacer, time: FakeTime, count: int) -> list[float]:
    granted = []
    for _ in range(count):
        pacer.acquire()
        granted.append(time.now)
    return granted


def test_the_pacer_spaces_sends_evenly_at_its_limit_less_the_headroom():
    time = FakeTime()
    pacer = Pacer(10, monotonic=time.monotonic, sleep=time.sleep)
    granted = let_go(pacer, time, 50)

    # 50 sends at 10 a second less 4%: 0.104 s apart, never 11 in any second.
    assert steps(granted) == pytest.approx([0.104] * 49)
    assert busiest(granted, 1.0) == 10


@pytest.mark.parametrize("late", [0.0, 0.002, 0.010, 0.030, 0.050])
def test_sends_reaching_the_gateway_up_to_40_ms_apart_never_exceed_the_limit_in_a_second(late):
    """Sleeps that overrun (a busy machine) and requests that take a varying time to arrive:
    the arrivals never hold more than the limit in any second, and while the sleeps overrun
    by no more than a step (10 ms), the rate stays at 95% of the limit or more."""
    time = LateTime(late)
    pacer = Pacer(100, monotonic=time.monotonic, sleep=time.sleep)
    granted = let_go(pacer, time, 3000)
    travel = random.Random(8)
    arrivals = sorted(t + travel.uniform(0, 0.039) for t in granted)

    assert busiest(arrivals, 1.0) <= 100
    assert busiest(granted, pacer.window) <= 100
    if late <= pacer.step:
        assert (len(granted) - 1) / (granted[-1] - granted[0]) >= 95


def test_a_pause_banks_nothing():
    time = FakeTime()
    pacer = Pacer(5, monotonic=time.monotonic, sleep=time.sleep)
    time.now += 3600  # an hour with nothing to send
    waits = [pacer.acquire() for _ in range(4)]
    assert waits == [0.0, pytest.approx(0.208), pytest.approx(0.208), pytest.approx(0.208)]


def test_a_limit_under_one_a_second_sends_one_in_as_many_seconds():
    time = FakeTime()
    pacer = Pacer(0.5, monotonic=time.monotonic, sleep=time.sleep)
    granted = let_go(pacer, time, 3)
    assert steps(granted) == pytest.approx([2.08, 2.08])


def test_threads_asking_at_once_are_let_go_in_turn_at_the_pace():
    """16 threads ask at once: each is let go at its own moment, one step apart."""
    time = FakeTime()
    pacer = Pacer(100, monotonic=time.monotonic, sleep=time.sleep)
    start = threading.Barrier(16, timeout=10)
    granted: list[float] = []
    lock = threading.Lock()

    def ask():
        start.wait()
        pacer.acquire()
        with lock:
            granted.append(time.monotonic())

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    # The first goes at once; the other 15 at 10.4 ms, 20.8 ms, ... none together.
    assert sorted(granted) == pytest.approx([1000 + k * 0.0104 for k in range(16)])


@pytest.mark.parametrize("limit, headroom", [(0, 0.04), (-1, 0.04), (float("inf"), 0.04),
                                             (float("nan"), 0.04), (5, -0.1), (5, 1.0)])
def test_a_pacer_that_could_never_send_is_refused(limit, headroom):
    with pytest.raises(ValueError):
        Pacer(limit, headroom=headroom)


# --- settings -----------------------------------------------------------------------------------


def test_send_rate_and_concurrency_come_from_the_environment():
    settings = Settings.from_env(
        {"FOLLOWUP_SEND_RATE": "12.5", "FOLLOWUP_SEND_CONCURRENCY": "16"}, secret_key="k"
    )
    assert (settings.send_rate, settings.send_concurrency) == (12.5, 16)
    default = Settings.from_env({}, secret_key="k")
    assert (default.send_rate, default.send_concurrency) == (None, 4)
    assert Settings.from_env({"FOLLOWUP_SEND_RATE": "off"}, secret_key="k").send_rate is None


@pytest.mark.parametrize(
    "variable, value",
    [
        ("FOLLOWUP_SEND_RATE", "fast"),
        ("FOLLOWUP_SEND_RATE", "-3"),
        ("FOLLOWUP_SEND_RATE", "nan"),
        ("FOLLOWUP_SEND_RATE", "inf"),
        ("FOLLOWUP_SEND_CONCURRENCY", "0"),
        ("FOLLOWUP_SEND_CONCURRENCY", "65"),
        ("FOLLOWUP_SEND_CONCURRENCY", "four"),
    ],
)
def test_a_bad_send_setting_names_its_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value}, secret_key="k")


# --- the sender ---------------------------------------------------------------------------------


class MeetingGateway:
    """Each send waits until ``width`` sends are in flight together: proof of concurrency."""

    name = "fake"

    def __init__(self, width: int):
        self._meeting = threading.Barrier(width, timeout=10)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.sent: list[str] = []

    def send(self, to, body, *, status_callback=None):
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self._meeting.wait()
        finally:
            with self._lock:
                self.in_flight -= 1
        with self._lock:
            self.sent.append(to)
            return SendResult(sid=f"SMfeed{len(self.sent):028x}", status="queued")


def test_a_sender_keeps_several_texts_in_flight_and_sends_each_once(services, api, clock, db):
    gateway = MeetingGateway(width=4)
    sender = Services.build(services.settings, clock=clock, gateway=gateway, db=db).sender(
        concurrency=4, batch_size=100
    )
    due_checkins(api, clock, 12)
    try:
        report = sender.sweep()
    finally:
        sender.close()

    # With one send at a time the barrier would break and every outcome would be unknown.
    assert (report.claimed, report.sent, report.unknown) == (12, 12, 0)
    assert gateway.most_in_flight == 4
    assert sorted(gateway.sent) == sorted(f"+1202555{100 + n:04d}" for n in range(12))
    with db.Session() as session:
        assert set(session.scalars(select(FollowUp.status))) == {"sent"}
        assert session.scalar(select(func.count()).select_from(Message)) == 12


class HeldGateway:
    """Answers no send until ``release`` is set (or 10 s pass); records whether it was."""

    name = "fake"

    def __init__(self):
        self.release = threading.Event()
        self.released: list[bool] = []
        self._lock = threading.Lock()

    def send(self, to, body, *, status_callback=None):
        released = self.release.wait(timeout=10)
        with self._lock:
            self.released.append(released)
            return SendResult(sid=f"SMfeed{len(self.released):028x}", status="queued")


def test_the_next_batch_is_claimed_while_the_last_is_still_being_sent(services, api, clock, db):
    """So the gateway is not left idle between batches: the first batch's sends are held until
    the second batch has been claimed; a sender that waited for them first would hold for 10 s
    and see no release."""
    gateway = HeldGateway()
    sender = Services.build(services.settings, clock=clock, gateway=gateway, db=db).sender(
        concurrency=3, batch_size=3
    )
    claim_due, claims = sender.claim_due, []

    def counting_claims():
        claims.append(claim_due())
        if len(claims) == 2:
            gateway.release.set()
        return claims[-1]

    sender.claim_due = counting_claims
    due_checkins(api, clock, 7)
    try:
        report = sender.drain()
    finally:
        sender.close()

    assert [len(batch) for batch in claims] == [3, 3, 1]
    assert (report.claimed, report.sent) == (7, 7)
    assert gateway.released == [True] * 7
    with db.Session() as session:
        assert set(session.scalars(select(FollowUp.status))) == {"sent"}


def test_every_send_takes_a_token_and_a_skipped_one_does_not(services, api, clock, db):
    time = FakeTime()
    pacer = Pacer(2, monotonic=time.monotonic, sleep=time.sleep)
    gateway = MeetingGateway(width=1)
    sender = Services.build(services.settings, clock=clock, gateway=gateway, db=db).sender(
        rate_limit=pacer, concurrency=1
    )
    due_checkins(api, clock, 4)
    api.post_call(call_id="C-sensitive", caller_phone="+12025550190", call_type="CODE 10-16")
    with db.begin() as session:  # a pattern added after scheduling: skipped at send time
        session.scalar(select(Agency)).sensitive_patterns = ["10-16"]
    report = sender.sweep()

    assert (report.sent, report.skipped) == (4, 1)
    assert time.slept == pytest.approx([0.52] * 3)  # 4 sends at 2 a second less 4%, no more


@pytest.fixture
def twilio():
    with FakeTwilio() as server:
        yield server


def test_concurrent_sends_through_the_sdk_reach_twilio_once_each(settings, clock, twilio):
    configured = replace(
        settings,
        public_url="https://followup.example.org",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid="MG" + "1" * 32,
        twilio_api_url=twilio.url,
        send_concurrency=8,
    )
    db = Database(configured.database_url)
    services = Services.build(configured, clock=clock, db=db)
    prepare_database(services)
    api = ApiClient(create_app({"SERVICES": services}).test_client(), "test-intake-token")
    due_checkins(api, clock, 40)
    sender = services.sender()
    try:
        report = sender.drain()
    finally:
        sender.close()
        db.dispose()

    assert (report.claimed, report.sent) == (40, 40)
    creates = twilio.create_requests
    assert len(creates) == 40
    callbacks = [r.form["StatusCallback"] for r in creates]
    assert len(set(callbacks)) == 40  # one request per message, none repeated
    assert sorted(r.form["To"] for r in creates) == sorted(
        f"+1202555{100 + n:04d}" for n in range(40)
    )


def test_a_sender_never_sends_a_row_another_sender_claimed(services, api, clock, db, gateway):
    """The row lock decides who claims; the claim's owner is checked again before sending."""
    due_checkins(api, clock, 1)
    one = services.sender(worker_id="one")
    two = services.sender(worker_id="two")
    [claimed] = one.claim_due()

    assert two.send_one(claimed) == "skipped"
    assert gateway.sent == []
    with db.Session() as session:
        row = session.get(FollowUp, claimed)
        assert (row.status, row.claimed_by, row.attempts) == ("sending", "one", 0)
    assert one.send_one(claimed) == "sent"
    assert len(gateway.sent) == 1
