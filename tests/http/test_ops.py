"""Operations: liveness, readiness, metrics, and structured logs without phone numbers."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from followup import create_app
from followup.core import logs, migrate, phones
from followup.core.db import Database
from followup.models import (
    Agency,
    CallbackPriority,
    CallbackStatus,
    FollowUpStatus,
    MessageStatus,
)
from followup.ops import health
from followup.ops.metrics import Metrics
from followup.reports import facts
from followup.services import Services
from tests.conftest import NOW
from tests.support.retention_seed import checkin

CALLER = "+12025550142"


def agency_id(db) -> int:
    with db.Session() as session:
        return session.scalar(select(Agency.id))


def app_with(services, **changes):
    """The app with some settings changed (Settings is frozen)."""
    settings = dataclasses.replace(services.settings, **changes)
    changed = Services(settings, services.db, services.clock, services.gateway)
    return create_app({"SERVICES": changed, "TESTING": True})


def metric_values(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} from the exposition format."""
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


# --- liveness and readiness -----------------------------------------------------------------


def test_healthz_and_readyz_answer_200_naming_each_check_when_all_is_well(client):
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json["checks"]
    assert set(checks) == {"database", "migrations", "sender"}
    assert all(check["ok"] for check in checks.values())
    assert checks["migrations"]["current"] == checks["migrations"]["head"] == newest_shipped()
    assert checks["sender"]["lag_seconds"] == 0


@pytest.mark.parametrize(
    "down_url",
    [
        "sqlite:///{tmp}",  # a folder, not a database file: every connection fails
        "postgresql+psycopg://postgres@127.0.0.1:1/followup?connect_timeout=2",  # nothing listens
    ],
    ids=["sqlite", "postgresql"],
)
def test_readyz_is_503_when_the_database_is_down_and_healthz_still_200(
    down_url, tmp_path, settings, clock, gateway
):
    url = down_url.format(tmp=tmp_path)
    db = Database(url)
    services = Services.build(
        dataclasses.replace(settings, database_url=url), clock=clock, gateway=gateway, db=db
    )
    client = create_app({"SERVICES": services, "TESTING": True}).test_client()
    try:
        assert client.get("/healthz").status_code == 200  # liveness reads no database
        response = client.get("/readyz")
        assert response.status_code == 503
        checks = response.json["checks"]
        assert checks["database"]["ok"] is False
        assert checks["migrations"]["ok"] is False and checks["sender"]["ok"] is False
        # Nothing about where the database is: no host, port or path.
        assert "127.0.0.1" not in response.get_data(as_text=True)
        assert str(tmp_path) not in response.get_data(as_text=True)
        metrics = metric_values(client.get("/metrics").get_data(as_text=True))
        assert metrics[("followup_database_up", ())] == 0
    finally:
        db.dispose()


def test_readyz_is_503_when_the_schema_is_behind_the_code(client, db):
    config = migrate.alembic_config(db.url)
    head = newest_shipped()
    # The revision before head, as the migrations chain them (numbers may skip on a branch).
    behind = ScriptDirectory.from_config(config).get_revision(head).down_revision
    command.stamp(config, behind)
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        migrations = response.json["checks"]["migrations"]
        assert migrations == {"ok": False, "current": behind, "head": head}
        assert response.json["checks"]["database"]["ok"] is True
    finally:
        command.stamp(config, "head")
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_once_a_due_checkin_has_waited_longer_than_the_sender_max_lag(
    services, db, clock
):
    client = app_with(services, sender_max_lag=timedelta(minutes=10)).test_client()
    with db.begin() as session:
        agency = agency_id(db)
        # Due in an hour: not lag. Due four minutes ago: the sender has a sweep or two to go.
        checkin(
            session,
            agency,
            NOW + timedelta(hours=1),
            "+12025550101",
            followup_status=FollowUpStatus.SCHEDULED,
        )
        checkin(
            session,
            agency,
            NOW - timedelta(minutes=4),
            "+12025550102",
            followup_status=FollowUpStatus.SCHEDULED,
        )
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["sender"]["lag_seconds"] == 240

    clock.advance(minutes=7)  # nobody sent it: 11 minutes late
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["sender"] == {
        "ok": False,
        "lag_seconds": 660.0,
        "max_lag_seconds": 600.0,
    }


# --- metrics --------------------------------------------------------------------------------


def test_metrics_match_the_seeded_data(client, db):
    with db.begin() as session:
        agency = agency_id(db)
        day = timedelta(days=1)
        checkin(session, agency, NOW - 3 * day, "+12025550101")  # delivered, thanked
        checkin(
            session,
            agency,
            NOW - 3 * day,
            "+12025550102",
            category="unresolved",
            callback=CallbackStatus.OPEN,
            due_by=NOW - day,
        )  # overdue
        checkin(
            session,
            agency,
            NOW - 3 * day,
            "+12025550103",
            category="conduct",
            callback=CallbackStatus.CLAIMED,
            priority=CallbackPriority.HIGH,
            due_by=NOW + day,
        )  # open, not yet overdue
        checkin(
            session,
            agency,
            NOW - 3 * day,
            "+12025550104",
            category="unresolved",
            callback=CallbackStatus.RESOLVED,
            due_by=NOW - 2 * day,
        )  # closed: not counted
        checkin(
            session,
            agency,
            NOW - day,
            "+12025550105",
            reply=None,
            followup_status=FollowUpStatus.FAILED,
            message_status=MessageStatus.FAILED,
            error_code=30007,
        )
        checkin(session, agency, NOW - day, "+12025550106", followup_status=FollowUpStatus.SKIPPED)
        checkin(
            session,
            agency,
            NOW - timedelta(seconds=90),
            "+12025550107",
            followup_status=FollowUpStatus.SCHEDULED,
        )

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    values = metric_values(response.get_data(as_text=True))

    def value(name, **labels):
        return values.get((name, tuple(sorted(labels.items()))), 0)

    a = {"agency": "default"}
    assert value("followup_database_up") == 1
    assert value("followup_followups", **a, status="sent", reason="") == 4
    assert value("followup_followups", **a, status="failed", reason="") == 1
    assert value("followup_followups", **a, status="skipped", reason="") == 1
    assert value("followup_followups", **a, status="scheduled", reason="") == 1
    assert value("followup_outbound_messages", **a, status="delivered", error_code="") == 4
    assert value("followup_outbound_messages", **a, status="failed", error_code="30007") == 1
    assert value("followup_replies", **a, category="positive") == 1
    assert value("followup_replies", **a, category="unresolved") == 2
    assert value("followup_replies", **a, category="conduct") == 1
    assert value("followup_callbacks_open", **a, priority="normal") == 1
    assert value("followup_callbacks_open", **a, priority="high") == 1
    assert value("followup_callbacks_overdue", **a, priority="normal") == 1
    assert value("followup_callbacks_overdue", **a, priority="high") == 0
    assert value("followup_sender_lag_seconds") == 90
    # The seven calls were logged for the reports; once counted, nothing waits.
    assert value("followup_report_changes_waiting") > 0
    facts.refresh_all(db)
    values = metric_values(client.get("/metrics").get_data(as_text=True))
    assert value("followup_report_changes_waiting") == 0
    # Counts only: no number from the seeded rows appears anywhere.
    assert "555" not in response.get_data(as_text=True)


def test_intake_events_and_webhook_latency_are_counted_by_outcome(client, api):
    assert api.post_call().status_code == 202
    assert api.post_call(token="not-the-token").status_code == 401
    assert api.post_call({"call_id": "X"}).status_code == 400
    values = metric_values(client.get("/metrics").get_data(as_text=True))
    for outcome in ("accepted", "unauthorized", "invalid"):
        assert values[("followup_intake_events_total", (("outcome", outcome),))] == 1
    count = ("followup_webhook_duration_seconds_count", (("endpoint", "intake_api.post_call"),))
    assert values[count] == 3


def test_metrics_want_the_bearer_token_when_one_is_set(services):
    client = app_with(services, metrics_token="scrape-secret-1").test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-2"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
    assert right.status_code == 200
    assert "followup_database_up 1.0" in right.get_data(as_text=True)


def test_metrics_are_open_when_no_token_is_set(client):
    assert client.get("/metrics").status_code == 200


# --- logs -----------------------------------------------------------------------------------


def test_a_log_line_is_one_json_object_with_the_request_id_and_no_phone_number(app, json_lines):
    logger = logging.getLogger("tests.ops")

    @app.get("/log-something")
    def log_something():
        logger.info("looked up %s for call %s", CALLER, "2026-000123")
        try:
            raise ValueError("bad number (202) 555-0143")
        except ValueError:
            logger.exception("lookup failed")
        return "ok"

    response = app.test_client().get("/log-something", headers={"X-Request-Id": "req-4f2a"})
    assert response.headers["X-Request-Id"] == "req-4f2a"

    lines = json_lines()
    info = next(line for line in lines if line["logger"] == "tests.ops" and line["level"] == "INFO")
    assert info["message"] == "looked up [phone] for call 2026-000123"
    assert info["request_id"] == "req-4f2a"
    assert {"time", "level", "logger", "message"} <= set(info)
    error = next(line for line in lines if line["level"] == "ERROR")
    assert "ValueError" in error["exc_info"] and "[phone]" in error["exc_info"]
    access = next(line for line in lines if line["logger"] == "followup.access")
    assert access["request_id"] == "req-4f2a" and access["status"] == 200
    text = "\n".join(json.dumps(line) for line in lines)
    assert "555-0143" not in text and "5550142" not in text


def test_an_unsafe_request_id_is_replaced_by_a_generated_one(client):
    given = client.get("/healthz", headers={"X-Request-Id": "a" * 200}).headers["X-Request-Id"]
    assert len(given) == 32 and given != "a" * 200
    spoof = client.get("/healthz", headers={"X-Request-Id": '"} {"level": "ERROR'})
    assert spoof.headers["X-Request-Id"].isalnum()
    assert client.get("/healthz").headers["X-Request-Id"]  # always one


@pytest.mark.parametrize(
    "text",
    [
        "+12025550142",
        "(202) 555-0142",
        "202-555-0142",
        "202.555.0142",
        "1 202 555 0142",
        "+44 20 7946 0958",
        "To=%2B12025550142&Body=x",
        "whatsapp:+12025550142",
    ],
)
def test_anything_that_looks_like_a_phone_number_is_redacted(text):
    assert not any(ch.isdigit() for ch in phones.redact(text).replace("2B", ""))


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T15:00:00+00:00",
        "127.0.0.1:5000",
        "SM00000000000000000000000000000042",
        "claimed=100 sent=98",
        "took 1234.5ms",
        "followup 12345",
    ],
)
def test_dates_ids_and_counts_are_not_mistaken_for_numbers(text):
    assert phones.redact(text) == text


def test_text_format_on_a_terminal_and_json_elsewhere_unless_asked():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert logs.choose_format(None, Terminal()) == "text"
    assert logs.choose_format(None, io.StringIO()) == "json"
    assert logs.choose_format("text", io.StringIO()) == "text"
    assert logs.choose_format("JSON", Terminal()) == "json"


def newest_shipped() -> str:
    """The highest-numbered migration file in the package (revisions are numbered 0001, ...)."""
    versions = Path(migrate.__file__).parents[1] / "migrations" / "versions"
    return max(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_the_migration_head_matches_the_files_shipped():
    assert health.head_revision() == newest_shipped() == "0021"


WORKER = """
from followup import create_app
client = create_app().test_client()
status = client.post("/api/v1/calls", json={}, headers={"Authorization": "Bearer nope"})
assert status.status_code == 401, status.status_code
"""


def test_with_a_multiprocess_folder_any_worker_reports_every_workers_counts(services, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLLOWUP_", "TWILIO_", "PROMETHEUS_"))
    }
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        FOLLOWUP_DATABASE_URL=services.settings.database_url,
        FOLLOWUP_INSTANCE_PATH=str(tmp_path / "instance"),
        FOLLOWUP_SECRET_KEY="test-secret",
    )
    for _ in range(2):  # two gunicorn workers, each answering one request
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=60)
    reader = Metrics(services.db, services.clock, multiprocess_dir=str(folder))
    values = metric_values(reader.exposition().decode())
    assert values[("followup_intake_events_total", (("outcome", "unauthorized"),))] == 2
    count = ("followup_webhook_duration_seconds_count", (("endpoint", "intake_api.post_call"),))
    assert values[count] == 2
