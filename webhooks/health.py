"""Liveness and readiness for load balancers and deploy gates: ``/healthz`` and ``/readyz``.

``GET /healthz`` says the process answers (no database). ``GET /readyz`` says the service can do
its work (``followup.ops.health.readiness``). Neither needs a sign-in or shows personal data.
"""

from __future__ import annotations

from flask import Blueprint

from followup.ops.health import readiness
from followup.web.context import services

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers requests. It reads no database, so a database outage does
    not get every web process restarted."""
    return {"status": "ok", "gateway": services().gateway.name}


@bp.get("/readyz")
def readyz():
    """Readiness: each check named, 200 when all pass, 503 when any fails."""
    svc = services()
    checks = readiness(svc.db, now=svc.clock.now(), max_lag=svc.settings.sender_max_lag)
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return body, 200 if ready else 503
