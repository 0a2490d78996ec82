"""Several sender processes against one PostgreSQL database: every check-in goes out once.

Four `followup send-due` processes (each sweeps until nothing is due) share 20,000 due
follow-ups and send them through the real twilio SDK to a local Twilio fake that records
every create request. Each request carries its message id in the status callback URL
(`...?m=<id>`), which ties it to one Message row and so to one follow-up. Then again with one
sender killed (SIGKILL) mid-sweep: what it was holding stays `sending`, is never resent by
the others, and a later sweep past the sending timeout marks it `unknown` for staff to see.

The processes are driven only through the command line and the environment, as an operator
runs them. PostgreSQL only: SQLite has one writer and no row locks to race on.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from followup import create_app
from followup.agencies.registry import ensure_default_agency
from followup.core.config import Settings
from followup.core.db import Database
from followup.models import FollowUp, Message, MessageDirection
from followup.services import Services
from followup.testing.load_seed import seed_due_followups
from followup.testing.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytestmark = [
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
    pytest.mark.postgres_only,
]

FOLLOWUP = Path(sys.executable).with_name("followup")  # the console script beside the venv's python
# 20,000 as issue 8 asks. Each follow-up costs about 20 ms of CPU in all (sender, PostgreSQL,
# the fake), so on 2 cores a run takes minutes; FOLLOWUP_TEST_SENDER_LOAD sets another count.
FOLLOWUPS = int(os.environ.get("FOLLOWUP_TEST_SENDER_LOAD", "20000"))
SENDERS = 4
# Small batches, so claims are frequent and overlap: where a missing row lock would show. (With
# 100 a sender holds each batch for a second or more, and claims seldom race.)
BATCH = 20
# For all the senders of one test to finish: generous (a loaded machine sends 40 a second),
# but finite, so that a hang fails the test instead of blocking CI.
DEADLINE_SECONDS = 120 + FOLLOWUPS * 0.05
POLL_SECONDS = 0.05
PUBLIC_URL = "https://followup.example.org"
MESSAGING_SERVICE = "MG" + "2" * 32
INTAKE_TOKEN = "sender-processes-token"


@pytest.fixture
def twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def seeded(database_url, db, tmp_path) -> dict[int, str]:
    """The default agency (quiet hours off) and FOLLOWUPS due follow-ups: {id: phone}."""
    settings = Settings.from_env(
        {"FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"), "FOLLOWUP_SECRET_KEY": "test"},
        database_url=database_url,
        agency_name="Westlake Police",
        quiet_hours=None,
    )
    now = datetime.now(UTC)  # the senders run on the real clock
    with db.begin() as session:
        agency_id = ensure_default_agency(session, settings, now=now).id
    return seed_due_followups(db, agency_id, FOLLOWUPS, now=now)


@pytest.fixture
def sender_env(database_url, twilio, tmp_path) -> dict[str, str]:
    """What an operator sets for a sender on PostgreSQL with Twilio (here: the fake)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLLOWUP_", "TWILIO_"))
    }
    return inherited | {
        "FOLLOWUP_DATABASE_URL": database_url,
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FOLLOWUP_SECRET_KEY": "test-secret",
        "FOLLOWUP_PUBLIC_URL": PUBLIC_URL,
        "FOLLOWUP_SEND_BATCH": str(BATCH),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE,
        "FOLLOWUP_TWILIO_API_URL": twilio.url,
    }


@dataclass
class SenderProcess:
    """One `followup send-due` process; its output goes to files (a pipe could fill and stall)."""

    process: subprocess.Popen
    stdout: Path
    stderr: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()


@pytest.fixture
def start_sender(sender_env, tmp_path):
    started: list[SenderProcess] = []

    def start(name: str, **env: str) -> SenderProcess:
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                [str(FOLLOWUP), "send-due"],
                env=sender_env | env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        sender = SenderProcess(process, out, err)
        started.append(sender)
        return sender

    yield start
    for sender in started:  # a failed test leaves nothing running
        if sender.process.poll() is None:
            sender.process.kill()
            sender.process.wait(timeout=30)


def finish(sender: SenderProcess, deadline: float) -> str:
    """Wait for a sender to exit (by the deadline) and return its stdout; it must succeed."""
    try:
        code = sender.process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        sender.process.kill()
        sender.process.wait(timeout=30)
        pytest.fail(
            f"sender {sender.pid} still running after {DEADLINE_SECONDS:.0f}s; its output:\n"
            + sender.output()[-4000:]
        )
    assert code == 0, f"sender {sender.pid} exited {code}:\n" + sender.output()[-4000:]
    return sender.stdout.read_text()


def create_count(twilio: FakeTwilio) -> int:
    """How many create requests the fake received (a number, so a failing assert shows no
    request: their forms hold phone numbers and bodies)."""
    return len(twilio.create_requests)


def message_id_of(request) -> int:
    """The Message row a create request was for, from its status callback URL."""
    callback = urlsplit(request.form["StatusCallback"])
    assert callback.path == "/webhooks/twilio/status"
    [value] = parse_qs(callback.query)["m"]
    return int(value)


@dataclass(frozen=True)
class Outcome:
    """The database and the fake after a run, joined up by message id."""

    status: dict[int, str]  # follow-up id -> status
    claimed_by: dict[int, str | None]  # follow-up id -> worker that claimed it
    messages_of: Counter  # follow-up id -> outbound messages stored
    requests_of: Counter  # follow-up id -> create requests Twilio received
    wrong_number: int  # create requests whose To is not the follow-up's number (not printed)
    stray_requests: int  # create requests for no stored outbound message
    sid_not_created: int  # messages marked with a sid the fake never handed out


def outcome(db: Database, twilio: FakeTwilio, phone_of: dict[int, str]) -> Outcome:
    with db.Session() as session:
        rows = session.execute(select(FollowUp.id, FollowUp.status, FollowUp.claimed_by)).all()
        messages = session.execute(
            select(Message.id, Message.followup_id, Message.sid).where(
                Message.direction == MessageDirection.OUTBOUND
            )
        ).all()
    followup_of = {message_id: followup_id for message_id, followup_id, _ in messages}
    created = twilio.messages
    requests_of: Counter = Counter()
    wrong_number = stray = 0
    for request in twilio.create_requests:
        followup_id = followup_of.get(message_id_of(request))
        if followup_id is None:
            stray += 1
            continue
        requests_of[followup_id] += 1
        wrong_number += request.form["To"] != phone_of[followup_id]
    return Outcome(
        status={id_: status for id_, status, _ in rows},
        claimed_by={id_: worker for id_, _, worker in rows},
        messages_of=Counter(followup_id for _, followup_id, _ in messages),
        requests_of=requests_of,
        wrong_number=wrong_number,
        stray_requests=stray,
        sid_not_created=sum(1 for *_, sid in messages if sid is not None and sid not in created),
    )


def owner(worker: str | None, senders: list[SenderProcess]) -> int | None:
    """The pid of the sender whose worker id (host:pid:random) is ``worker``."""
    if worker is None:
        return None
    owners = [s.pid for s in senders if f":{s.pid}:" in worker]
    assert len(owners) == 1, f"worker id {worker!r} does not name exactly one of the senders"
    return owners[0]


def test_four_sender_processes_send_every_due_checkin_exactly_once(
    seeded, db, twilio, start_sender
):
    phone_of = seeded
    deadline = time.monotonic() + DEADLINE_SECONDS

    senders = [start_sender(f"sender-{n}") for n in range(SENDERS)]
    reports = [finish(sender, deadline) for sender in senders]

    result = outcome(db, twilio, phone_of)
    assert create_count(twilio) == FOLLOWUPS
    assert result.stray_requests == 0
    assert result.wrong_number == 0
    assert Counter(result.status.values()) == {"sent": FOLLOWUPS}
    assert result.status.keys() == phone_of.keys()  # none lost, none added
    assert set(result.requests_of.values()) == {1}  # each follow-up reached Twilio once...
    assert result.requests_of.keys() == phone_of.keys()  # ...every one of them
    assert set(result.messages_of.values()) == {1}  # and one Message row each
    assert result.sid_not_created == 0
    # The work was shared: each process claimed some of the rows, and nothing else did.
    per_sender = Counter(owner(worker, senders) for worker in result.claimed_by.values())
    assert set(per_sender) == {s.pid for s in senders}, per_sender
    assert sum(per_sender.values()) == FOLLOWUPS
    sent_reported = sum(int(re.search(r"\bsent=(\d+)", r).group(1)) for r in reports)
    assert sent_reported == FOLLOWUPS, reports


def test_a_sender_killed_mid_sweep_has_its_rows_looked_up_and_nothing_is_sent_twice(
    seeded, db, twilio, start_sender, database_url, tmp_path
):
    phone_of = seeded
    deadline = time.monotonic() + DEADLINE_SECONDS
    senders = [start_sender(f"sender-{n}") for n in range(SENDERS)]
    victim, survivors = senders[0], senders[1:]

    # Kill once the run is well under way and the victim holds a claimed batch it has not
    # finished: half a batch or more still `sending`, so it stays mid-batch for that many more
    # sends, far longer than the step from this query to the signal.
    held = 0
    while True:
        try:
            code = victim.process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        else:
            pytest.fail(
                f"the victim exited ({code}) before it could be killed:\n" + victim.output()[-4000:]
            )
        assert time.monotonic() < deadline, "the senders made no progress"
        with db.Session() as session:
            sent = session.scalar(select(func.count()).where(FollowUp.status == "sent"))
            held = session.scalar(
                select(func.count()).where(
                    FollowUp.status == "sending",
                    FollowUp.claimed_by.like(f"%:{victim.pid}:%"),
                )
            )
        if sent >= FOLLOWUPS // 5 and held >= BATCH // 2:
            victim.process.send_signal(signal.SIGKILL)
            break
    assert victim.process.wait(timeout=30) == -signal.SIGKILL
    for sender in survivors:
        finish(sender, deadline)

    # The survivors drained everything else and left the victim's rows alone.
    result = outcome(db, twilio, phone_of)
    interrupted = {id_ for id_, status in result.status.items() if status == "sending"}
    assert interrupted, "the kill did not land mid-sweep"
    assert all(owner(result.claimed_by[id_], senders) == victim.pid for id_ in interrupted)
    assert set(result.status.values()) == {"sent", "sending"}
    requests_before = create_count(twilio)

    # A sweep soon after (within the sending timeout) neither resends nor gives up on them.
    prompt = start_sender("prompt-sweep")
    report = finish(prompt, deadline)
    assert re.search(r"\bclaimed=0\b.*\bstale=0\b", report), report
    assert create_count(twilio) == requests_before

    # A sweep past the sending timeout (0 here, instead of waiting 10 minutes) settles them and
    # says how many in its report: a row whose attempt stored no text never reached Twilio and
    # is sent now, once; one that stored its text waits to be looked up at Twilio (unknown).
    late = start_sender("late-sweep", FOLLOWUP_SENDING_TIMEOUT="0")
    report = finish(late, deadline)
    assert re.search(rf"\bstale={len(interrupted)}\b", report), report

    result = outcome(db, twilio, phone_of)
    assert result.status.keys() == phone_of.keys()  # none lost
    unknown = {id_ for id_, status in result.status.items() if status == "unknown"}
    # (Claims older than the lookup delay are looked up in the same sweep: then none is left
    # unknown, each found at Twilio and recorded sent, or not found and sent once now.)
    assert unknown <= interrupted
    assert all(result.status[id_] == "sent" for id_ in interrupted - unknown)
    assert Counter(result.status.values()) == +Counter(
        {"sent": FOLLOWUPS - len(unknown), "unknown": len(unknown)}
    )
    with db.Session() as session:
        reasons = set(
            session.scalars(select(FollowUp.reason).where(FollowUp.id.in_(sorted(unknown))))
        )
    assert reasons <= {"lookup_pending"}  # to be asked of Twilio, never resent blindly
    assert result.stray_requests == 0
    assert result.wrong_number == 0
    assert result.sid_not_created == 0
    # Nothing went to Twilio twice; every sent one went exactly once; an unknown one went at
    # most once (a request in flight when the process died may have reached Twilio).
    assert set(result.requests_of.values()) == {1}
    assert set(result.messages_of.values()) <= {1}
    sent = {id_ for id_, status in result.status.items() if status == "sent"}
    assert all(result.requests_of[id_] == 1 for id_ in sent)
    assert create_count(twilio) == len(sent) + sum(result.requests_of[i] for i in unknown)
    # Every sender that ran claimed some, and nothing else did; the late sweep claims again (and
    # sends once) the victim's rows whose attempt had stored no text, so it may own some too.
    per_sender = Counter(owner(worker, senders + [late]) for worker in result.claimed_by.values())
    assert {s.pid for s in senders} <= set(per_sender) <= {s.pid for s in senders + [late]}

    # Visible: the dispatch system reading the call back sees `unknown`, not `sent` or pending.
    settings = Settings.from_env(
        {"FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"), "FOLLOWUP_SECRET_KEY": "test"},
        database_url=database_url,
        intake_token=INTAKE_TOKEN,
    )
    services = Services.build(settings, db=db)
    client = create_app({"SERVICES": services, "TESTING": True}).test_client()
    with db.Session() as session:
        some = session.scalars(select(FollowUp).where(FollowUp.id.in_(sorted(unknown)[:3]))).all()
        call_ids = [followup.call.external_id for followup in some]
    for call_id in call_ids:
        shown = client.get(
            f"/api/v1/calls/{call_id}", headers={"Authorization": f"Bearer {INTAKE_TOKEN}"}
        )
        assert shown.status_code == 200
        assert shown.json["followup"]["status"] == "unknown"
