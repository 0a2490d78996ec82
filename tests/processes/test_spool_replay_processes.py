"""The spool is replayed by the commands that run in production: `followup sender` (every sweep)
and `followup run`, as real processes, not by calling the replay function in the test.

A reply that arrived while the database was down waits in the spool (signed as Twilio signed
it); a sender process started afterwards stores, triages and flags it exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from followup.models import Callback, Message
from followup.replies.spool import Spool, SpooledWebhook
from tests.support.twilio_requests import SMS_PATH, inbound_form

FOLLOWUP = Path(sys.executable).with_name("followup")
ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://followup.example.org"
WAIT_SECONDS = 60


@pytest.fixture
def env(settings, tmp_path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "FOLLOWUP_DATABASE_URL": settings.database_url,
        "FOLLOWUP_INSTANCE_PATH": str(settings.instance_path),
        "FOLLOWUP_SECRET_KEY": settings.secret_key,
        "FOLLOWUP_PUBLIC_URL": PUBLIC_URL,
        "FOLLOWUP_AGENCY_NAME": settings.agency_name,
        "FOLLOWUP_SPOOL_DIR": str(tmp_path / "spool"),
        "FOLLOWUP_SEND_INTERVAL": "1s",
        "FOLLOWUP_LOG_FORMAT": "text",
    }


def spool_a_reply(env: dict[str, str], settings, body: str) -> str:
    """Put a reply in the spool as the webhook does when the database is down; its sid."""
    form = inbound_form("+12025550177", body)
    url = PUBLIC_URL + SMS_PATH
    signature = RequestValidator(settings.webhook_auth_token).compute_signature(url, form)
    Spool(Path(env["FOLLOWUP_SPOOL_DIR"])).append(
        SpooledWebhook(
            kind="sms", url=url, form=list(form.items()), signature=signature, token="spooled-1",
            received_at=settings_now(),
        )
    )
    return form["MessageSid"]


def settings_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def stored(db, sid: str) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).where(Message.sid == sid))


def wait_for(predicate, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if process.poll() is not None:
            pytest.fail(f"the process exited {process.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing replayed in {WAIT_SECONDS}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)  # a real process, polled: the only way to see it work


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "command",
    [["sender"], ["run", "--host", "127.0.0.1", "--port", "{port}"]],
    ids=["followup sender", "followup run"],
)
def test_the_running_command_replays_a_spooled_crisis_reply_once(
    services, settings, env, db, tmp_path, command
):
    if shutil.which(str(FOLLOWUP)) is None:
        pytest.fail(f"the followup command is not installed beside {sys.executable}")
    sid = spool_a_reply(env, settings, "he is back outside my door right now")
    log = tmp_path / "process.log"
    argv = [str(FOLLOWUP), *(part.format(port=free_port()) for part in command)]
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        wait_for(lambda: stored(db, sid) == 1, process, log)
        wait_for(lambda: Spool(Path(env["FOLLOWUP_SPOOL_DIR"])).waiting() == 0, process, log)
    finally:
        stop(process)

    assert stored(db, sid) == 1
    with db.Session() as session:
        [callback] = session.scalars(select(Callback)).all()
    assert (callback.priority, callback.category) == ("urgent", "crisis")
