"""``GET /metrics`` for Prometheus, and the timing of what other systems call (Twilio, the CAD).

The figures themselves are ``followup.ops.metrics``. When FOLLOWUP_METRICS_TOKEN is set,
/metrics wants ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST

from followup.ops.metrics import Metrics, intake_outcome

bp = Blueprint("metrics", __name__)

# The requests whose latency is measured: what other systems call (Twilio, the CAD).
TIMED_BLUEPRINTS = frozenset({"twilio_hooks", "intake_api"})
INTAKE_ENDPOINT = "intake_api.post_call"


def init_app(app: Flask) -> None:
    services = app.extensions["followup"]
    app.extensions["followup_metrics"] = Metrics(
        services.db, services.clock, multiprocess_dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    )
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    if request.blueprint not in TIMED_BLUEPRINTS or request.endpoint is None:
        return response
    metrics: Metrics = current_app.extensions["followup_metrics"]
    started = g.get("metrics_started")
    if started is not None:
        metrics.request_seconds.labels(request.endpoint).observe(time.perf_counter() - started)
    if request.endpoint == INTAKE_ENDPOINT:
        metrics.intake_events.labels(intake_outcome(response.status_code)).inc()
    return response


@bp.get("/metrics")
def metrics_page():
    expected = current_app.extensions["followup"].settings.metrics_token
    if expected:
        given = request.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), expected.encode()
        ):
            return Response(
                "A bearer token is required (FOLLOWUP_METRICS_TOKEN).\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    metrics: Metrics = current_app.extensions["followup_metrics"]
    return Response(metrics.exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST)
