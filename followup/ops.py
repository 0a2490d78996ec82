"""Operations endpoints: liveness, readiness, and a request id on every request and log line.

``GET /healthz`` says the process answers (no database). ``GET /readyz`` says the service can do
its work: the database answers, its schema is at the newest migration, and the sender keeps up.
Neither needs a sign-in or shows personal data.

How the sender reports that it is alive, without a schema change: it does not report at all.
What matters is that due check-ins go out, so readiness reads the *sender lag*, the age of the
oldest follow-up that is due and still waiting (``status = scheduled`` and ``send_at <= now``;
the sweep's index makes this one cheap lookup). A sender that is down or far behind shows up as
lag within one sweep of a check-in falling due; an idle sender with nothing due is fine, and a
heartbeat would add a write per sweep and say less (a sender can beat while failing every send).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import datetime, timedelta
from functools import cache

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, Flask, current_app, g, request
from sqlalchemy import func, select, text

from followup import migrate
from followup.models import FollowUp, FollowUpStatus

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("followup.access")

# A caller's X-Request-Id is kept when it is a plain token (a UUID, a proxy's hex id); anything
# else, too long or with characters that could forge a log line, is replaced by a new one.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
REQUEST_ID_HEADER = "X-Request-Id"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_request)
    app.after_request(_finish_request)


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint not in ("ops.healthz", "ops.readyz", "static"):
        # The path only: query strings are not logged (and the redaction filter would catch a
        # number in one anyway).
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers requests. It reads no database, so a database outage does
    not get every web process restarted."""
    return {"status": "ok", "gateway": current_app.extensions["followup"].gateway.name}


@bp.get("/readyz")
def readyz():
    """Readiness: each check named, 200 when all pass, 503 when any fails."""
    services = current_app.extensions["followup"]
    checks = readiness(
        services.db,
        now=services.clock.now(),
        max_lag=services.settings.sender_max_lag,
    )
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return body, 200 if ready else 503


def readiness(db, *, now: datetime, max_lag: timedelta) -> dict[str, dict]:
    """Return the checks: database, migrations, sender; each with ``ok`` and what it saw."""
    head = head_revision()
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
            lag = sender_lag(connection, now) if current == head else None
    except Exception as exc:  # any driver's error means the same thing here
        # The class name only: a driver's message can carry the host, user or database name.
        logging.getLogger(__name__).warning(
            "readiness: database check failed: %s", type(exc).__name__
        )
        unreachable = {"ok": False, "detail": "database unreachable"}
        return {
            "database": {"ok": False, "error": type(exc).__name__},
            "migrations": unreachable,
            "sender": unreachable,
        }
    checks: dict[str, dict] = {
        "database": {"ok": True},
        "migrations": {"ok": current == head, "current": current, "head": head},
    }
    if lag is None:
        checks["sender"] = {"ok": False, "detail": "schema not current: run followup db upgrade"}
    else:
        checks["sender"] = {
            "ok": lag <= max_lag.total_seconds(),
            "lag_seconds": round(lag, 1),
            "max_lag_seconds": max_lag.total_seconds(),
        }
    return checks


def sender_lag(connection_or_session, now: datetime) -> float:
    """Seconds the oldest due, unsent check-in has waited (0 when none is due)."""
    oldest = connection_or_session.scalar(
        select(func.min(FollowUp.send_at)).where(
            FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.send_at <= now
        )
    )
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):  # SQLite hands an aggregate back as text, bypassing the type
        oldest = datetime.fromisoformat(oldest)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - oldest).total_seconds())


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this code (read once: the files do not change)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
