"""The `followup` command as IT staff use it: set up, configure, issue tokens, send, read outbox.

Part A drives the command in-process with click's CliRunner, one fresh SQLite file per test.
Part B is the quickstart end to end: start `followup run`, paste the curl it prints, and see the
check-in text in the outbox once the sender has swept it.
"""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from followup import create_app
from followup.cli import COMMANDS, main
from followup.models import Agency, ApiToken, MessageTemplate
from followup.texts.message_templates import default_bodies
from tests.support.factories import call_event

ROOT = Path(__file__).resolve().parents[2]
FOLLOWUP = ROOT / ".venv" / "bin" / "followup"
INTAKE_TOKEN = "cli-test-intake-token"
CALLER = "+1 202-555-0147"
CALLER_E164 = "+12025550147"


def _clean_environ() -> dict[str, str]:
    """The process environment without anything that would point the service elsewhere."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLLOWUP_", "TWILIO_"))
    }


# --- Part A: in-process --------------------------------------------------------------------


@dataclass
class Cli:
    """Runs `followup ...` in-process against one temporary instance folder and database."""

    env: dict[str, str]
    runner: CliRunner = field(default_factory=CliRunner)

    @property
    def database_url(self) -> str:
        return self.env["FOLLOWUP_DATABASE_URL"]

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(main, list(args), env=self.env)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def query(self, statement) -> list:
        engine = create_engine(self.database_url)
        try:
            with Session(engine) as session:
                return list(session.execute(statement))
        finally:
            engine.dispose()

    def agency(self, slug: str) -> Agency | None:
        rows = self.query(select(Agency).where(Agency.slug == slug))
        return rows[0][0] if rows else None

    def texts_of(self, slug: str) -> set[tuple[str, str]]:
        rows = self.query(
            select(MessageTemplate.purpose, MessageTemplate.language)
            .join(Agency, Agency.id == MessageTemplate.agency_id)
            .where(Agency.slug == slug)
        )
        return {tuple(row) for row in rows}

    def count(self, model) -> int:
        return self.query(select(func.count()).select_from(model))[0][0]


@pytest.fixture
def cli(tmp_path, monkeypatch) -> Cli:
    for key in list(os.environ):
        if key.startswith(("FOLLOWUP_", "TWILIO_")):
            monkeypatch.delenv(key)
    return Cli(
        {
            "FOLLOWUP_INSTANCE_PATH": str(tmp_path),
            "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}",
        }
    )


def failed_cleanly(result: Result) -> bool:
    """True when the command exited 1 through click's error path, not with a traceback."""
    return (
        result.exit_code == 1
        and isinstance(result.exception, SystemExit)
        and "Traceback" not in result.output
        and result.stderr.startswith("Error: ")
    )


@contextmanager
def intake_client(cli: Cli, monkeypatch) -> Iterator:
    """The web app as `followup web` would build it from the same environment."""
    for key, value in cli.env.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True})
    try:
        yield app.test_client()
    finally:
        app.extensions["followup"].db.dispose()


def post_call(client, token: str, **overrides):
    """Post a call closed just now (the factory's fixed date may lie ahead of the real clock)."""
    overrides.setdefault("closed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    return client.post(
        "/api/v1/calls",
        json=call_event(**overrides),
        headers={"Authorization": f"Bearer {token}"},
    )


def test_db_upgrade_creates_the_default_agency_from_the_environment(cli):
    cli.env.update(
        FOLLOWUP_AGENCY_NAME="Westlake Police",
        FOLLOWUP_TIMEZONE="America/Chicago",
        FOLLOWUP_SEND_DELAY="1h30m",
        FOLLOWUP_QUIET_HOURS="22:00-08:00",
    )

    result = cli.ok("db", "upgrade")

    assert "Westlake Police" in result.stdout
    agency = cli.agency("default")
    assert agency.name == "Westlake Police"
    assert agency.timezone == "America/Chicago"
    assert agency.send_delay_seconds == 90 * 60
    assert agency.quiet_hours == "22:00-08:00"
    assert cli.texts_of("default") == set(default_bodies())
    assert {("checkin", "en"), ("checkin", "es")} <= set(default_bodies())


def test_db_upgrade_run_twice_is_harmless(cli):
    cli.env["FOLLOWUP_AGENCY_NAME"] = "Westlake Police"
    cli.ok("db", "upgrade")
    second = cli.ok("db", "upgrade")

    assert "up to date" in second.stdout
    assert cli.count(Agency) == 1
    assert cli.count(MessageTemplate) == len(default_bodies())
    assert cli.agency("default").name == "Westlake Police"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FOLLOWUP_QUIET_HOURS", "25:00-09:00"),
        ("FOLLOWUP_TIMEZONE", "Mars/Base"),
        ("FOLLOWUP_SEND_DELAY", "soon"),
        ("FOLLOWUP_SEND_INTERVAL", "0s"),
    ],
)
def test_a_bad_setting_stops_the_command_with_a_message_naming_the_variable(cli, variable, value):
    cli.env[variable] = value

    result = cli("db", "upgrade")

    assert failed_cleanly(result), (result.output, result.exception)
    assert variable in result.stderr
    assert not Path(cli.database_url.removeprefix("sqlite:///")).exists()


def test_a_database_url_that_is_not_a_url_is_reported_as_a_bad_setting(cli):
    cli.env["FOLLOWUP_DATABASE_URL"] = "not a database url"

    result = cli("db", "upgrade")

    assert failed_cleanly(result), (result.output, result.exception)
    assert "FOLLOWUP_DATABASE_URL" in result.stderr


def test_a_command_before_db_upgrade_says_to_run_db_upgrade_first(cli):
    result = cli("outbox")

    assert failed_cleanly(result), (result.output, result.exception)
    assert "followup db upgrade" in result.stderr


def test_calltypes_check_shows_which_labels_never_get_a_text_and_why(cli, tmp_path):
    labels = tmp_path / "call_types.txt"
    labels.write_text("DV A/B I/P\nTHEFT-CAR PROWL\n\n46 - CIT\n10-16 PHYS\n", encoding="utf-8")

    result = cli.ok("calltypes", "check", str(labels))

    lines = result.stdout.splitlines()
    assert lines[0].startswith("SKIP  domestic") and lines[0].endswith("DV A/B I/P")
    assert lines[1].startswith("text") and lines[1].endswith("THEFT-CAR PROWL")
    assert lines[2].startswith("SKIP  mental_health")
    assert lines[3].startswith("text")  # 10-16 is this agency's own code, added next
    assert "2 of 4 call types would never get a text." in result.stderr


def test_calltypes_check_applies_the_agencys_own_patterns(cli, tmp_path):
    cli.ok("db", "upgrade")
    engine = create_engine(cli.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE agencies SET sensitive_patterns = :p"), {"p": '["10-16"]'})
    engine.dispose()
    labels = tmp_path / "call_types.txt"
    labels.write_text("10-16 PHYS\n", encoding="utf-8")

    result = cli.ok("calltypes", "check", "--agency", "default", "--json", str(labels))

    assert json.loads(result.stdout) == {
        "label": "10-16 PHYS", "sensitive": True, "group": "agency", "matched": "10 16"
    }


def test_calltypes_check_names_the_model_when_it_skips_what_the_list_missed(cli, tmp_path):
    labels = tmp_path / "call_types.txt"
    labels.write_text("WELLNES CHK\n", encoding="utf-8")

    result = cli.ok("calltypes", "check", str(labels))

    assert result.stdout.startswith("SKIP  model")
    assert "1 of 1 call types would never get a text." in result.stderr


def test_calltypes_train_chooses_its_bar_on_held_out_corpora_and_writes_a_model(cli, tmp_path):
    data = tmp_path / "corpora"
    (data / "calltypes").mkdir(parents=True)
    for name in ("build_d.tsv", "heldout_c.tsv"):
        (data / "calltypes" / name).write_bytes((ROOT / "tests/data/calltypes" / name).read_bytes())
    target = tmp_path / "labels.json.gz"

    result = cli.ok("calltypes", "train", "--data", str(data), "--output", str(target))

    assert "calltypes/build_d.tsv: list alone" in result.stdout
    assert "calltypes/heldout_c.tsv: list alone" in result.stdout
    assert f"wrote {target}" in result.stdout
    assert target.stat().st_size > 10_000


def test_agency_create_makes_an_agency_with_the_default_texts(cli):
    cli.ok("db", "upgrade")

    result = cli.ok(
        "agency", "create",
        "--slug", "eastside-pd",
        "--name", "Eastside Police",
        "--timezone", "America/Denver",
        "--send-delay", "45m",
        "--quiet-hours", "22:00-07:00",
        "--phone", "+1 202-555-0100",
    )

    assert result.stdout == "created agency 'eastside-pd' (Eastside Police)\n"
    agency = cli.agency("eastside-pd")
    assert (agency.name, agency.timezone) == ("Eastside Police", "America/Denver")
    assert agency.send_delay_seconds == 45 * 60
    assert agency.quiet_hours == "22:00-07:00"
    assert cli.texts_of("eastside-pd") == set(default_bodies())
    assert "eastside-pd\tEastside Police\tAmerica/Denver" in cli.ok("agency", "list").stdout


def test_agency_create_with_a_slug_already_taken_fails_and_keeps_the_first(cli):
    cli.ok("db", "upgrade")
    cli.ok("agency", "create", "--slug", "eastside-pd", "--name", "Eastside Police")

    result = cli("agency", "create", "--slug", "eastside-pd", "--name", "Someone Else")

    assert failed_cleanly(result), (result.output, result.exception)
    assert "'eastside-pd'" in result.stderr and "already exists" in result.stderr
    assert cli.agency("eastside-pd").name == "Eastside Police"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--slug", "Eastside PD", "slug 'Eastside PD': use lower-case letters"),
        ("--timezone", "Mars/Base", "timezone: 'Mars/Base' is not an IANA time zone"),
        ("--send-delay", "soon", "'soon' is not a duration"),
        ("--quiet-hours", "25:00-09:00", "'25:00' is not a time of day"),
        ("--language", "fr", "default language: 'fr' has no check-in text"),
    ],
)
def test_agency_create_with_a_bad_option_fails_with_a_clear_message_and_creates_nothing(
    cli, option, value, message
):
    cli.ok("db", "upgrade")
    options = {"--slug": "eastside-pd", "--name": "Eastside Police", option: value}

    result = cli("agency", "create", *[part for pair in options.items() for part in pair])

    assert failed_cleanly(result), (result.output, result.exception)
    assert message in result.stderr
    assert cli.count(Agency) == 1  # the default agency only
    assert cli.count(MessageTemplate) == len(default_bodies())


def test_token_create_prints_only_the_token_and_it_works_until_revoked(cli, monkeypatch):
    cli.ok("db", "upgrade")

    created = cli.ok("token", "create", "--name", "cad")

    token = created.stdout.strip()
    assert created.stdout == f"{token}\n"
    assert re.fullmatch(r"fu_[A-Za-z0-9_-]{40,}", token)
    notice = re.fullmatch(
        r"token (\d+) for 'default': store it now, it cannot be shown again\n", created.stderr
    )
    assert notice, created.stderr
    token_id = notice.group(1)

    with intake_client(cli, monkeypatch) as client:
        assert post_call(client, token, call_id="CLI-1").status_code == 202

        revoked = cli.ok("token", "revoke", token_id)
        assert revoked.stdout == f"token {token_id} revoked\n"

        refused = post_call(client, token, call_id="CLI-2")
        assert refused.status_code == 401
        assert refused.mimetype == "application/problem+json"
    assert "\trevoked " in cli.ok("token", "list").stdout


def test_token_revoke_of_an_unknown_id_fails_with_a_clear_message(cli):
    cli.ok("db", "upgrade")

    result = cli("token", "revoke", "99")

    assert failed_cleanly(result), (result.output, result.exception)
    assert result.stderr == "Error: no token 99\n"
    assert cli.count(ApiToken) == 0


def test_send_due_sends_a_due_checkin_that_the_outbox_shows_with_the_number_masked(
    cli, monkeypatch
):
    cli.env.update(
        FOLLOWUP_AGENCY_NAME="Westlake Police",
        FOLLOWUP_SEND_DELAY="0",
        FOLLOWUP_QUIET_HOURS="off",
        FOLLOWUP_INTAKE_TOKEN=INTAKE_TOKEN,
    )
    cli.ok("db", "upgrade")
    with intake_client(cli, monkeypatch) as client:
        posted = post_call(client, INTAKE_TOKEN, caller_phone=CALLER)
    assert posted.json["followup"]["status"] == "scheduled", posted.json

    report = cli.ok("send-due", "--once").stdout
    counts = dict(pair.split("=") for pair in report.split())
    assert (counts["claimed"], counts["sent"], counts["failed"]) == ("1", "1", "0")

    lines = cli.ok("outbox", "--json").stdout.splitlines()
    assert len(lines) == 1
    text = json.loads(lines[0])
    assert "Westlake Police" in text["body"]
    assert "Reply STOP to opt out" in text["body"]
    assert text["to"][-2:] == CALLER_E164[-2:]
    assert not any(char.isdigit() for char in text["to"][:-2])

    shown = cli.ok("outbox", "--json", "--show-numbers").stdout.splitlines()
    assert [json.loads(line)["to"] for line in shown] == [CALLER_E164]

    readable = cli.ok("outbox").stdout
    assert "Westlake Police" in readable
    assert "0147" not in readable


def test_outbox_on_an_empty_outbox_says_it_is_empty(cli):
    cli.ok("db", "upgrade")

    assert "The outbox is empty" in cli.ok("outbox").stdout
    assert cli.ok("outbox", "--json").stdout == ""  # nothing for a script to parse


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


@pytest.mark.parametrize("path", _command_paths(main), ids=lambda p: " ".join(p) or "followup")
def test_help_works_for_every_command_without_any_followup_settings(path, monkeypatch):
    for key in list(os.environ):
        if key.startswith(("FOLLOWUP_", "TWILIO_")):
            monkeypatch.delenv(key)

    result = CliRunner().invoke(main, [*path, "--help"])

    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stdout.startswith(f"Usage: main {' '.join(path)}".rstrip())


def test_the_help_lists_each_command_with_the_first_line_of_its_own_help():
    context = click.Context(main)

    for name, (_, _, line) in COMMANDS.items():
        command = main.get_command(context, name)
        assert command.get_short_help_str(limit=1000) == line, name


def test_help_and_a_quick_command_start_without_the_web_app_or_the_sender():
    """A command's module is imported when it runs: --help and `agency list` load no Flask,
    no APScheduler, no Alembic and no triage (measured: under 0.2 s and 0.7 s)."""
    code = (
        "import sys; from followup.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "heavy = {'flask', 'apscheduler', 'alembic', 'lingua', 'followup.replies.triage'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    for args in (["--help"], ["agency", "list"]):
        shown = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
        ).stdout.splitlines()
        assert shown[-1] == "[]", (args, shown[-1])


# --- Part B: the quickstart, end to end ----------------------------------------------------

DEADLINE_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningService:
    """`followup run` in a subprocess, its stdout and stderr read line by line by two threads."""

    process: subprocess.Popen
    env: dict[str, str]
    deadline: float
    lines: dict[str, queue.Queue] = field(default_factory=dict)
    transcript: list[str] = field(default_factory=list)

    def next_line(self, stream: str, waiting_for: str) -> str:
        remaining = self.deadline - time.monotonic()
        try:
            line = self.lines[stream].get(timeout=max(remaining, 0))
        except queue.Empty:
            pytest.fail(
                f"no {waiting_for} within {DEADLINE_SECONDS}s; output so far:\n"
                + "".join(self.transcript)
            )
        if line is None:
            pytest.fail(
                f"`followup run` ended (exit {self.process.wait()}) before {waiting_for}; "
                "output:\n" + "".join(self.transcript)
            )
        self.transcript.append(f"[{stream}] {line}")
        return line

    def wait_for(self, stream: str, waiting_for: str, matches: Callable[[str], bool]) -> str:
        while not matches(line := self.next_line(stream, waiting_for)):
            pass
        return line


@pytest.fixture
def running_service(tmp_path) -> Iterator[RunningService]:
    env = _clean_environ() | {
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path),
        "FOLLOWUP_INTAKE_TOKEN": "demo-intake-token",
        "FOLLOWUP_SEND_DELAY": "0",
        "FOLLOWUP_QUIET_HOURS": "off",
        "FOLLOWUP_SEND_INTERVAL": "1s",
        "FOLLOWUP_AGENCY_NAME": "Westlake Police",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [str(FOLLOWUP), "run", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    service = RunningService(process, env, time.monotonic() + DEADLINE_SECONDS)
    readers = []
    for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr)):
        service.lines[name] = queue.Queue()
        reader = threading.Thread(
            target=_pump, args=(pipe, service.lines[name]), name=f"followup-run-{name}"
        )
        reader.start()
        readers.append(reader)
    try:
        yield service
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for reader in readers:
            reader.join(timeout=10)
        process.stdout.close()
        process.stderr.close()


def _pump(pipe, lines: queue.Queue) -> None:
    for line in pipe:
        lines.put(line)
    lines.put(None)  # end of stream


def test_a_new_user_pastes_the_printed_curl_and_sees_the_checkin_in_the_outbox(running_service):
    service = running_service

    curl = [service.wait_for("stdout", "printed curl", lambda line: line.startswith("  curl"))]
    while curl[-1].rstrip("\n").endswith("\\"):
        curl.append(service.next_line("stdout", "rest of the curl command"))
    # The banner is printed once the server listens, so the curl is pasted at once.

    posted = subprocess.run(
        ["bash", "-c", "".join(curl)], capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(posted.stdout)["followup"]["status"] == "scheduled", posted.stdout

    service.wait_for(
        "stderr",
        "'sweep: ... sent=1' in the log",
        lambda line: "sweep:" in line and re.search(r"\bsent=1\b", line) is not None,
    )
    outbox = subprocess.run(
        [str(FOLLOWUP), "outbox", "--json"],
        env=service.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    texts = [json.loads(line) for line in outbox.stdout.splitlines()]
    assert len(texts) == 1, outbox.stdout
    assert "Westlake Police" in texts[0]["body"]
    assert "Reply STOP to opt out" in texts[0]["body"]


def test_the_database_and_instance_folder_are_private_to_the_services_user(tmp_path):
    """The probe found the SQLite file 0644 in a 0755 instance folder: any local user could
    read callers' numbers, replies, password hashes and TOTP secrets."""
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)  # as an older release left it
    env = {
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{instance / 'followup.sqlite3'}",
        "FOLLOWUP_INSTANCE_PATH": str(instance),
    }

    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)

    assert result.exit_code == 0, result.output
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in [instance, *instance.iterdir()]
    }
    assert modes.pop("instance") == 0o700
    assert modes and all(mode == 0o600 for mode in modes.values()), modes
