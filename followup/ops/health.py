"""Whether the service can do its work: the database answers, its schema is the newest, the
sender keeps up. (``webhooks.health`` serves these at ``/healthz`` and ``/readyz``.)

How the sender reports that it is alive, without a schema change: it does not report at all.
What matters is that due check-ins go out, so readiness reads the *sender lag*, the age of the
oldest follow-up that is due and still waiting (``status = scheduled`` and ``send_at <= now``;
the sweep's index makes this one cheap lookup). A sender that is down or far behind shows up as
lag within one sweep of a check-in falling due; an idle sender with nothing due is fine, and a
heartbeat would add a write per sweep and say less (a sender can beat while failing every send).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from followup.core import migrate
from followup.models import FollowUp, FollowUpStatus


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
