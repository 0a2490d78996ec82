"""`followup doctor`, and the commands that refuse to start on what it finds fatal.

Each test starts from a configuration the doctor passes (Twilio, an https public URL, a secret
key of its own, private files, a migrated database, a commander on duty), breaks one thing,
and reads what the doctor says about it.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from followup import create_app
from followup.cli import main
from followup.core import migrate
from tests.support.factories import call_event

TOKEN = "doctor-test-intake-token"


class Configured:
    """One configuration: its environment, and `followup ...` run in-process with it."""

    def __init__(self, folder: Path):
        self.instance = folder / "instance"
        self.instance.mkdir(mode=0o700)
        self.database = self.instance / "followup.sqlite3"
        self.env = {
            "FOLLOWUP_INSTANCE_PATH": str(self.instance),
            "FOLLOWUP_DATABASE_URL": f"sqlite:///{self.database}",
            "FOLLOWUP_SECRET_KEY": secrets.token_hex(32),
            "FOLLOWUP_PUBLIC_URL": "https://followup.example.org",
            "FOLLOWUP_INTAKE_TOKEN": TOKEN,
            "FOLLOWUP_SEND_DELAY": "0",
            "FOLLOWUP_QUIET_HOURS": "off",
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_AUTH_TOKEN": "doctor-test-auth-token",
            "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32,
        }

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env)

    def doctor(self, *args: str) -> tuple[int, list[dict]]:
        result = self("doctor", "--json", *args)
        return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]

    def sql(self, statement: str, **values) -> None:
        engine = create_engine(self.env["FOLLOWUP_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text(statement), values)
        engine.dispose()


@pytest.fixture
def configured(tmp_path, monkeypatch) -> Configured:
    for key in list(os.environ):
        if key.startswith(("FOLLOWUP_", "TWILIO_")):
            monkeypatch.delenv(key)
    config = Configured(tmp_path)
    assert config("db", "upgrade").exit_code == 0
    added = config("roster", "add", "--name", "Sgt. Lee", "--phone", "+1 202-555-0190")
    assert added.exit_code == 0, added.output
    config.database.chmod(0o600)
    return config


def fatal(findings: list[dict], check: str) -> list[dict]:
    return [f for f in findings if f["check"] == check and f["level"] == "fatal"]


def test_a_configuration_ready_to_go_live_passes_with_every_check_ok(configured):
    result = configured("doctor", "--offline")

    assert result.exit_code == 0, result.output
    assert "nothing stops going live; 0 warnings" in result.stdout
    code, findings = configured.doctor("--offline")
    assert code == 0
    assert {f["check"] for f in findings} >= {
        "twilio", "public_url", "secret_key", "permissions", "database", "migrations",
        "sender", "roster", "texts",
    }
    assert {f["level"] for f in findings} == {"ok"}


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
        ("TWILIO_MESSAGING_SERVICE_SID", "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"),
    ],
)
def test_half_a_twilio_configuration_is_fatal_and_names_what_is_missing(configured, unset, named):
    del configured.env[unset]

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "twilio")
    assert f"{named} is missing" in finding["message"]
    assert "unset every TWILIO_* variable" in finding["message"]


def test_a_sender_number_without_credentials_is_half_a_configuration_too(configured):
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_MESSAGING_SERVICE_SID"):
        del configured.env[key]
    configured.env["TWILIO_FROM_NUMBER"] = "+12025550100"

    code, findings = configured.doctor("--offline")

    [finding] = fatal(findings, "twilio")
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are missing" in finding["message"]


@pytest.mark.parametrize("command", [("web",), ("run",), ("sender",), ("send-due",)])
def test_half_a_twilio_configuration_stops_the_service_naming_what_is_missing(
    configured, command
):
    del configured.env["TWILIO_AUTH_TOKEN"]

    result = configured(*command)

    assert result.exit_code == 1
    assert "TWILIO_AUTH_TOKEN is missing" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["web", "sender"])
def test_with_twilio_a_plain_http_public_url_stops_the_service(configured, command):
    configured.env["FOLLOWUP_PUBLIC_URL"] = "http://followup.example.org"

    result = configured(command)

    assert result.exit_code == 1
    assert f"`followup {command}` will not start" in result.stderr
    assert "FOLLOWUP_PUBLIC_URL is not https" in result.stderr


def test_a_public_url_that_is_not_https_is_fatal(configured):
    configured.env["FOLLOWUP_PUBLIC_URL"] = "http://followup.example.org"

    code, findings = configured.doctor("--offline")

    assert code == 1
    assert "not https" in fatal(findings, "public_url")[0]["message"]


def test_the_development_secret_key_is_fatal_and_stops_a_live_web_app(configured):
    del configured.env["FOLLOWUP_SECRET_KEY"]

    code, findings = configured.doctor("--offline")
    refused = configured("web")

    assert code == 1
    [finding] = fatal(findings, "secret_key")
    assert "development key" in finding["message"] and "token_hex(32)" in finding["fix"]
    assert refused.exit_code == 1 and "FOLLOWUP_SECRET_KEY is not set" in refused.stderr


@pytest.mark.parametrize("key", ["change-me", "x" * 12, "replace-with-64-hex-characters-x" * 2])
def test_a_short_or_placeholder_secret_key_is_fatal(configured, key):
    configured.env["FOLLOWUP_SECRET_KEY"] = key

    code, findings = configured.doctor("--offline")

    assert code == 1
    assert "looks made up by hand" in fatal(findings, "secret_key")[0]["message"]


def test_a_database_file_other_users_can_read_is_fatal_with_the_chmod_that_fixes_it(configured):
    configured.database.chmod(0o644)

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "permissions")
    assert str(configured.database) in finding["message"]
    assert finding["fix"] == f"chmod 600 {configured.database}"


def test_an_instance_folder_other_users_can_read_is_fatal(configured):
    configured.instance.chmod(0o755)

    code, findings = configured.doctor("--offline")

    assert code == 1
    assert f"chmod 700 {configured.instance}" in [f["fix"] for f in fatal(findings, "permissions")]


def test_pending_migrations_are_fatal_and_say_to_run_db_upgrade(configured):
    configured.database.unlink()
    migrate.upgrade(configured.env["FOLLOWUP_DATABASE_URL"], "0009")
    configured.database.chmod(0o600)

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "migrations")
    assert "pending" in finding["message"] and "at 0009" in finding["message"]
    assert "followup db upgrade" in finding["fix"]


def test_a_database_that_is_not_there_is_fatal_and_is_not_created(configured):
    configured.database.unlink()

    code, findings = configured.doctor()

    assert code == 1
    assert "no database file" in fatal(findings, "database")[0]["message"]
    assert not configured.database.exists()


def test_a_sender_that_lags_is_fatal(configured, monkeypatch):
    for key, value in configured.env.items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True})
    closed = datetime.now(UTC).isoformat(timespec="seconds")
    posted = app.test_client().post(
        "/api/v1/calls",
        json=call_event(closed_at=closed),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    app.extensions["followup"].db.dispose()
    assert posted.json["followup"]["status"] == "scheduled", posted.json
    configured.sql("UPDATE followups SET send_at = :at", at=datetime.now(UTC) - timedelta(hours=1))

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "sender")
    assert "lagging" in finding["message"] and "followup sender" in finding["fix"]


def test_an_agency_with_nobody_on_duty_and_no_alert_url_is_fatal(configured):
    assert configured("roster", "duty", "1", "off").exit_code == 0

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "roster")
    assert finding["message"].startswith("default: nobody is on duty and there is no alert URL")
    assert "followup roster add --agency default" in finding["fix"]


def test_an_alert_url_stands_in_for_the_roster(configured):
    assert configured("roster", "duty", "1", "off").exit_code == 0
    configured.sql("UPDATE agencies SET alert_url = 'https://alerts.example.org/hook'")

    code, findings = configured.doctor("--offline")

    assert code == 0, findings
    assert not fatal(findings, "roster")


class AlertEndpoint(BaseHTTPRequestHandler):
    answer = 204
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (the name http.server calls)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"body": json.loads(body), "headers": dict(self.headers)})
        self.send_response(self.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def alert_endpoint():
    AlertEndpoint.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), AlertEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _point_alerts_at(configured, url: str) -> None:
    configured.sql("UPDATE agencies SET alert_url = :url, alert_secret = 's3'", url=url)


def test_an_alert_url_that_answers_gets_a_signed_ping_and_passes(configured, alert_endpoint):
    _point_alerts_at(configured, f"http://127.0.0.1:{alert_endpoint.server_port}/hook")

    code, findings = configured.doctor()

    assert code == 0, findings
    assert [f["level"] for f in findings if f["check"] == "alert_url"] == ["ok"]
    [ping] = AlertEndpoint.received
    assert ping["body"]["event"] == "ping" and ping["body"]["agency"] == "default"
    assert ping["headers"]["X-Followup-Signature"].startswith("sha256=")


def test_an_alert_url_that_fails_is_fatal(configured, alert_endpoint, monkeypatch):
    monkeypatch.setattr(AlertEndpoint, "answer", 503)
    _point_alerts_at(configured, f"http://127.0.0.1:{alert_endpoint.server_port}/hook")

    code, findings = configured.doctor()

    assert code == 1
    assert "answered HTTP 503" in fatal(findings, "alert_url")[0]["message"]


def test_an_alert_url_that_does_not_answer_is_fatal(configured, alert_endpoint):
    port = alert_endpoint.server_port
    alert_endpoint.shutdown()
    alert_endpoint.server_close()  # nothing listens there any more
    _point_alerts_at(configured, f"http://127.0.0.1:{port}/hook")

    code, findings = configured.doctor()

    assert code == 1
    assert "does not answer" in fatal(findings, "alert_url")[0]["message"]
    assert configured.doctor("--offline")[0] == 0  # --offline calls nobody


def test_a_text_that_no_longer_renders_is_fatal_and_named(configured):
    configured.sql(
        "UPDATE message_templates SET body = 'Hi {{ officer_nickname }}' "
        "WHERE purpose = 'thanks' AND language = 'es' AND active"
    )

    code, findings = configured.doctor("--offline")

    assert code == 1
    [finding] = fatal(findings, "texts")
    assert "the thanks (es) text no longer renders" in finding["message"]
    assert "officer_nickname" in finding["message"]


def test_an_agency_without_a_checkin_text_in_its_language_is_fatal(configured):
    configured.sql(
        "UPDATE message_templates SET active = false WHERE purpose = 'checkin' AND language = 'en'"
    )

    code, findings = configured.doctor("--offline")

    assert code == 1
    assert "no check-in text" in fatal(findings, "texts")[0]["message"]


def test_a_bad_setting_is_reported_as_a_finding_not_a_traceback(configured):
    configured.env["FOLLOWUP_SEND_DELAY"] = "soon"

    result = configured("doctor")

    assert result.exit_code == 1
    assert "FATAL  settings     FOLLOWUP_SEND_DELAY" in result.stdout


def test_a_case_page_without_a_public_url_is_a_warning_naming_the_fix(configured):
    configured.sql("UPDATE agencies SET case_page = :on", on=True)
    del configured.env["FOLLOWUP_PUBLIC_URL"]
    configured.env.pop("TWILIO_ACCOUNT_SID"), configured.env.pop("TWILIO_AUTH_TOKEN")
    configured.env.pop("TWILIO_MESSAGING_SERVICE_SID")

    _, findings = configured.doctor("--offline")

    [finding] = [f for f in findings if f["check"] == "case_page"]
    assert finding["level"] == "warning"
    assert "FOLLOWUP_PUBLIC_URL is not set" in finding["message"]
    assert "--no-case-page" in finding["fix"]


def test_a_case_page_with_a_public_url_is_not_reported(configured):
    configured.sql("UPDATE agencies SET case_page = :on", on=True)

    _, findings = configured.doctor("--offline")

    assert [f for f in findings if f["check"] == "case_page"] == []
