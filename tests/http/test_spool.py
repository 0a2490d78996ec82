"""The database goes down while replies arrive: nothing lost, nothing twice.

Twilio does not retry a webhook answered with a 5xx, so while the database is unreachable the
webhooks keep each signed request in a local spool and answer 200 (empty TwiML). The outage is
real: the session factory is pointed at a database that cannot be reached (a SQLite file in a
folder that does not exist; a PostgreSQL port nothing listens on), then restored. Replay runs
through the same service calls as the webhook, once per request, whatever crashes in between.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from followup.cli import main
from followup.models import Alert, Callback, Message, WebhookReceipt
from followup.replies import spool as spool_module
from followup.replies.spool import Spool, replay_for
from followup.sending.scheduler import build_scheduler
from tests.http.test_inbound_sms import add_commander
from tests.http.test_webhook_security import checkin_sent, deliver
from tests.support.twilio_requests import STATUS_PATH, inbound_form, status_form, twiml_reply

CALLERS = [f"+120255501{n}" for n in range(40, 46)]
CRISIS = "he's back outside my house right now"
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def database_down(db, tmp_path):
    """Take the database away while the app runs.

    PostgreSQL: the server itself stops serving this database: it refuses new connections and
    ends every open one, mid-transaction if need be (ALLOW_CONNECTIONS false, then
    pg_terminate_backend), as a stopped or failed-over server would. SQLite has no server to
    stop: new sessions are pointed at a file that cannot be opened."""
    if db.dialect == "sqlite":
        dead = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}")
        db.engine.dispose()
        db.Session.configure(bind=dead)
        try:
            yield
        finally:
            db.Session.configure(bind=db.engine)
            dead.dispose()
        return
    url = db.engine.url
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
        db.engine.dispose()  # the connections the server ended


def spool_of(services) -> Spool:
    return Spool(services.settings.spool_path)


def stored(db) -> dict[str, int]:
    """How many times each inbound MessageSid is stored."""
    with db.Session() as session:
        rows = session.execute(
            select(Message.sid, func.count(Message.id))
            .where(Message.direction == "inbound")
            .group_by(Message.sid)
        ).all()
    return dict(rows)


def untriaged(db) -> int:
    with db.Session() as session:
        return session.scalar(
            select(func.count(Message.id)).where(
                Message.direction == "inbound", Message.category.is_(None)
            )
        )


def test_replies_during_an_outage_are_spooled_then_stored_once_and_triaged(
    api, services, client, sender, clock, db, tmp_path
):
    checkin = checkin_sent(api, clock, sender, CALLERS[0])
    forms = [inbound_form(CALLERS[n], body) for n, body in enumerate(
        ["5 thank you", CRISIS, "nobody ever came", "1 terrible", "ok"]
    )]
    before = deliver(services, client, forms[0], "token-0")
    outage_started = clock.advance(minutes=1)

    with database_down(db, tmp_path):
        during = [deliver(services, client, forms[n], f"token-{n}") for n in (1, 2, 3)]
        # The same reply delivered twice during the outage (a retry): spooled twice.
        during.append(deliver(services, client, forms[2], "token-2"))
        status = deliver(services, client, status_form(checkin.sid, "delivered", to=CALLERS[0]),
                         "status-token", path=STATUS_PATH, query=f"m={checkin.id}")
    clock.advance(minutes=30)
    after = deliver(services, client, forms[4], "token-4")

    assert twiml_reply(before) is not None
    # 200; the person in danger gets the safety text at once, the others empty TwiML.
    safety = twiml_reply(during[0])
    assert safety is not None and "911" in safety and "988" in safety
    assert [twiml_reply(r) for r in during[1:]] == [None] * 3
    assert status.status_code == 204
    assert twiml_reply(after) is None
    assert spool_of(services).waiting() == 5
    assert set(stored(db)) == {forms[0]["MessageSid"], forms[4]["MessageSid"]}

    report = replay_for(services)

    assert (report.replayed, report.rejected, report.remaining) == (5, 0, 0)
    assert stored(db) == {form["MessageSid"]: 1 for form in forms}
    assert untriaged(db) == 0
    with db.Session() as session:
        assert session.get(Message, checkin.id).status == "delivered"
        crisis = session.scalar(select(Message).where(Message.sid == forms[1]["MessageSid"]))
        # Kept with the time it arrived, not the time it was replayed.
        assert crisis.created_at == outage_started
        flagged = session.scalars(select(Callback.message_id)).all()
        receipts = session.scalar(select(func.count(WebhookReceipt.id)))
    assert crisis.id in flagged
    assert len(flagged) == 3  # the crisis, "nobody ever came", "1 terrible"
    assert receipts == 6  # five texts and one status, each once

    again = replay_for(services)
    assert (again.replayed, again.remaining) == (0, 0)
    assert stored(db) == {form["MessageSid"]: 1 for form in forms}


def test_danger_during_an_outage_is_answered_in_the_callers_language_and_alerted_once_on_replay(
    api, services, client, sender, clock, db, tmp_path, agency
):
    checkin_sent(api, clock, sender, CALLERS[0])
    add_commander(db, agency, "+12025550190", now=clock.now())
    crisis = inbound_form(CALLERS[0], "Помогите, он снова ломится в мою дверь")  # help, he is
    # breaking down my door again (Russian)
    with database_down(db, tmp_path):
        first = deliver(services, client, crisis, "token-ru")
        retry = deliver(services, client, crisis, "token-ru")

    answer = twiml_reply(first)
    assert answer is not None and "911" in answer and "988" in answer
    assert "Если вы в опасности" in answer  # Russian, whatever the agency writes in
    assert twiml_reply(retry) == answer

    report = replay_for(services)

    assert report.remaining == 0
    with db.Session() as session:
        [message] = session.scalars(select(Message).where(Message.sid == crisis["MessageSid"]))
        [callback] = session.scalars(select(Callback))
        alerted = session.scalars(select(Alert).where(Alert.callback_id == callback.id)).all()
    assert message.triage["urgent"] and callback.priority == "urgent"
    assert alerted, "the on-duty commander is alerted on replay"
    assert replay_for(services).replayed == 0
    with db.Session() as session:
        assert len(session.scalars(select(Alert)).all()) == len(alerted)  # once, not per replay


def test_a_replay_while_the_database_is_still_down_keeps_everything_for_the_next(
    services, client, db, tmp_path
):
    forms = [inbound_form(CALLERS[n], "nobody came") for n in range(3)]
    with database_down(db, tmp_path):
        for form in forms:
            deliver(services, client, form, None)
        report = replay_for(services)

    assert report.database_error is not None
    assert (report.replayed, report.remaining) == (0, 3)
    assert stored(db) == {}

    assert replay_for(services).replayed == 3
    assert stored(db) == {form["MessageSid"]: 1 for form in forms}


def test_a_crash_between_a_replayed_commit_and_its_offset_does_not_process_it_twice(
    services, client, db, tmp_path, monkeypatch
):
    forms = [inbound_form(CALLERS[n], "1, nobody came") for n in range(3)]
    with database_down(db, tmp_path):
        for n, form in enumerate(forms):
            deliver(services, client, form, f"crash-token-{n}")
    write_offset = spool_module._write_offset
    calls = []

    def crash_on_second(batch, offset):
        calls.append(offset)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies after the second reply's commit
        write_offset(batch, offset)

    monkeypatch.setattr(spool_module, "_write_offset", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        replay_for(services)
    monkeypatch.setattr(spool_module, "_write_offset", write_offset)

    assert stored(db) == {forms[0]["MessageSid"]: 1, forms[1]["MessageSid"]: 1}
    report = replay_for(services)

    assert (report.replayed, report.remaining) == (2, 0)  # the second again (a no-op), the third
    assert stored(db) == {form["MessageSid"]: 1 for form in forms}
    with db.Session() as session:
        assert session.scalar(select(func.count(Callback.id))) == 3


def test_webhooks_that_arrive_during_a_replay_wait_for_the_next_one(
    services, client, db, tmp_path, monkeypatch
):
    first, late = inbound_form(CALLERS[0], "nobody came"), inbound_form(CALLERS[1], "1")
    with database_down(db, tmp_path):
        deliver(services, client, first, None)
    write_offset = spool_module._write_offset

    def outage_again_mid_replay(batch, offset):
        write_offset(batch, offset)
        with database_down(db, tmp_path):
            deliver(services, client, late, None)

    monkeypatch.setattr(spool_module, "_write_offset", outage_again_mid_replay)
    assert replay_for(services).remaining == 1
    monkeypatch.setattr(spool_module, "_write_offset", write_offset)
    assert replay_for(services).replayed == 1
    assert stored(db) == {first["MessageSid"]: 1, late["MessageSid"]: 1}


def test_a_tampered_or_torn_spool_line_is_set_aside_not_stored(services, client, db, tmp_path):
    genuine, other = inbound_form(CALLERS[0], "nobody came"), inbound_form(CALLERS[1], "ok")
    with database_down(db, tmp_path):
        deliver(services, client, genuine, None)
        deliver(services, client, other, None)
    live = spool_of(services).live
    lines = live.read_text().splitlines()
    lines[1] = lines[1].replace('"ok"', '"STOP"')  # someone with disk access edits a reply
    live.write_text("\n".join(lines) + "\n" + '{"kind":"sms","url":"http')  # and a torn write

    report = replay_for(services)

    assert (report.replayed, report.rejected, report.remaining) == (1, 2, 0)
    assert stored(db) == {genuine["MessageSid"]: 1}
    assert spool_of(services).rejected_count() == 2


def test_the_spool_is_private_synced_and_never_logged(
    services, client, db, tmp_path, caplog, monkeypatch
):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    caplog.set_level(logging.DEBUG)
    form = inbound_form(CALLERS[0], CRISIS)

    with database_down(db, tmp_path):
        deliver(services, client, form, None)
    assert synced, "the spooled reply was not fsync'd before the answer"
    live = spool_of(services).live
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    replay_for(services)

    assert stored(db) == {form["MessageSid"]: 1}
    for secret in (CALLERS[0], CALLERS[0][2:], CRISIS):
        assert secret not in caplog.text


def test_the_spool_folder_is_configurable(tmp_path):
    from followup.core.config import Settings

    settings = Settings.from_env({"FOLLOWUP_SPOOL_DIR": str(tmp_path / "elsewhere"),
                                  "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "i")}, secret_key="k")
    assert settings.spool_path == tmp_path / "elsewhere"
    assert Settings.from_env({"FOLLOWUP_INSTANCE_PATH": str(tmp_path / "i")},
                             secret_key="k").spool_path == tmp_path / "i" / "spool"


def test_the_senders_sweep_replays_the_spool_first(services, client, db, tmp_path, sender):
    form = inbound_form(CALLERS[0], "nobody ever came")
    with database_down(db, tmp_path):
        deliver(services, client, form, None)
    scheduler = build_scheduler(sender, 60, blocking=False,
                                replay_spool=lambda: replay_for(services))

    scheduler.get_job("send-due").func()

    assert stored(db) == {form["MessageSid"]: 1}
    assert spool_of(services).waiting() == 0


def test_followup_spool_replay_and_status_commands(services, client, db, tmp_path, settings):
    form = inbound_form(CALLERS[0], "nobody ever came")
    with database_down(db, tmp_path):
        deliver(services, client, form, None)
    env = {key: "" for key in os.environ if key.startswith(("FOLLOWUP_", "TWILIO_"))} | {
        "FOLLOWUP_DATABASE_URL": settings.database_url,
        "FOLLOWUP_INSTANCE_PATH": str(settings.instance_path),
        "FOLLOWUP_SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()

    waiting = runner.invoke(main, ["spool", "status"], env=env)
    replayed = runner.invoke(main, ["spool", "replay"], env=env)
    after = runner.invoke(main, ["spool", "status"], env=env)

    assert waiting.exit_code == 0 and "waiting=1 rejected=0" in waiting.output
    assert replayed.exit_code == 0, replayed.output
    assert "replayed=1 rejected=0 remaining=0" in replayed.output
    assert "waiting=0" in after.output
    assert stored(db) == {form["MessageSid"]: 1}
    assert CALLERS[0][2:] not in waiting.output + replayed.output


def test_the_same_spool_replayed_by_two_processes_at_once_is_processed_once(
    services, client, db, tmp_path
):
    form = inbound_form(CALLERS[0], "nobody ever came")
    with database_down(db, tmp_path):
        deliver(services, client, form, None)
    folder = spool_of(services)
    inner = []
    other_process = (
        "import sys\n"
        "from followup.replies.spool import Spool\n"
        "report = Spool(sys.argv[1]).replay(lambda webhook: 'stored')\n"
        "print(report.busy, report.replayed)\n"
    )

    def replay_meanwhile(webhook):
        # Another process's sweep, while this one holds the spool: a real second process.
        done = subprocess.run(
            [sys.executable, "-c", other_process, str(folder.directory)],
            capture_output=True, text=True, timeout=60, check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        inner.append(done.stdout.split())
        return "stored"

    outer = folder.replay(replay_meanwhile)

    assert outer.replayed == 1
    assert inner == [["True", "0"]]  # busy: it replayed nothing


def test_replayed_status_callbacks_follow_the_same_rules(
    api, services, client, sender, clock, db, tmp_path
):
    checkin = checkin_sent(api, clock, sender, CALLERS[0])
    with database_down(db, tmp_path):
        for status, code in (("delivered", None), ("read", None), ("sent", 30006)):
            deliver(services, client, status_form(checkin.sid, status, to=CALLERS[0],
                                                  error_code=code),
                    f"s-{status}", path=STATUS_PATH, query=f"m={checkin.id}")

    assert replay_for(services).replayed == 3
    with db.Session() as session:
        text = session.get(Message, checkin.id)
    assert (text.status, text.error_code) == ("delivered", None)


def test_spool_lines_keep_every_field_and_blank_values(services, client, db, tmp_path):
    form = inbound_form(CALLERS[0], "") | {"SomethingNew": ""}
    with database_down(db, tmp_path):
        response = deliver(services, client, form, None)
    assert response.status_code == 200

    assert replay_for(services).replayed == 1  # the signature still checks out on replay
    with db.Session() as session:
        text = session.scalar(select(Message).where(Message.sid == form["MessageSid"]))
    assert text.body == ""


def test_a_spooled_webhook_that_fails_for_another_reason_is_set_aside_and_the_rest_go_on(
    services, client, db, tmp_path, monkeypatch
):
    forms = [inbound_form(CALLERS[n], "nobody ever came") for n in range(2)]
    with database_down(db, tmp_path):
        for form in forms:
            deliver(services, client, form, None)
    from followup.replies import inbound

    receive = inbound.receive_once

    def broken_for_the_first(session, sms, **kwargs):
        if sms.sid == forms[0]["MessageSid"]:
            raise ValueError("a bug met this one reply")
        return receive(session, sms, **kwargs)

    monkeypatch.setattr(inbound, "receive_once", broken_for_the_first)
    report = replay_for(services)

    assert (report.replayed, report.rejected, report.remaining) == (1, 1, 0)
    assert stored(db) == {forms[1]["MessageSid"]: 1}
    assert spool_of(services).rejected_count() == 1


def test_idempotency_tokens_are_forgotten_after_a_week(services, client, db, clock):
    deliver(services, client, inbound_form(CALLERS[0], "ok"), "old-token")
    clock.advance(days=6)
    deliver(services, client, inbound_form(CALLERS[1], "ok"), "newer-token")
    clock.advance(days=1, seconds=1)

    replay_for(services)

    with db.Session() as session:
        assert session.scalars(select(WebhookReceipt.token)).all() == ["newer-token"]
