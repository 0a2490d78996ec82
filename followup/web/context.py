"""Request plumbing every blueprint shares: the services, the per-request session, request ids.

Every request gets an id (a caller's sane ``X-Request-Id``, or a new one): it is returned in that
header and put on every log line made while the request runs (``followup.core.logs``). The access
log records each request's method, path, status and duration, never its query string, and what
a hot path said it did (``logs.note``: a stored reply, a recorded call), so such a request costs
one log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, current_app, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest

from followup.core import logs
from followup.services import Services

access_log = logging.getLogger("followup.access")

# A caller's X-Request-Id is kept when it is a plain token (a UUID, a proxy's hex id); anything
# else, too long or with characters that could forge a log line, is replaced by a new one.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
REQUEST_ID_HEADER = "X-Request-Id"
# Asked for every few seconds by load balancers: not worth a log line each.
_NOT_LOGGED = frozenset({"ops.healthz", "ops.readyz", "static"})
MACHINE_PATHS = ("/api/", "/webhooks/")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, not opened for what other systems call (the intake API,
    Twilio's webhooks): nobody signs in there, and opening one costs every request a signing
    key's derivation. Those requests get Flask's null session, which cannot be written."""

    def open_session(self, app, request):
        if request.path.startswith(MACHINE_PATHS):
            return None
        return super().open_session(app, request)


def services() -> Services:
    return current_app.extensions["followup"]


def db_session() -> Session:
    """Return this request's session; the app closes it in teardown."""
    if "db_session" not in g:
        g.db_session = services().db.Session()
    return g.db_session


def init_app(app: Flask) -> None:
    """Give every request an id and an access log line (first, so other hooks can log), and
    refuse NUL characters in what people and systems send."""
    app.session_interface = SessionInterface()
    app.before_request(_start_request)
    app.before_request(_refuse_nul)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)


# Twilio's webhooks are never refused for a NUL: a caller's text must not be lost, so those
# blueprints replace the character instead (followup.replies.inbound, sending.delivery).
_NUL_REPLACED = frozenset({"twilio_hooks"})


def _refuse_nul():
    """A NUL character in a path, a query or a form is a 400 that changes nothing (PostgreSQL
    cannot store one, and no person or dispatch system means one)."""
    if request.blueprint in _NUL_REPLACED:
        return None
    values = [
        *(str(v) for v in (request.view_args or {}).values()),
        *request.args.keys(),
        *request.args.values(),
    ]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if not any("\x00" in value for value in values):
        return None
    detail = "A NUL character is not allowed in a request."
    if request.path.startswith("/api/"):
        raise BadRequest(detail)  # the API answers it as problem JSON
    return render_template("pages/error.html", title="Bad request", message=detail), 400


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_id_token = logs.request_id.set(g.request_id)
    g.request_notes_token = logs.request_notes.set([])
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint not in _NOT_LOGGED:
        # The path only: query strings are not logged (and the redaction filter would catch a
        # number in one anyway).
        # A case page's path is its private token: the log names the route instead.
        path = request.url_rule.rule if request.blueprint == "case_page" else request.path
        notes = logs.request_notes.get() or []
        access_log.info(
            "%s %s %s%s",
            request.method,
            path,
            response.status_code,
            "".join(f"; {text}" for text in notes),
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        notes.clear()
    return response


def _end_request(_exc) -> None:
    notes_token = g.pop("request_notes_token", None)
    if notes_token is not None:
        for text in logs.request_notes.get() or []:  # no access line took them (an error)
            access_log.info("%s", text)
        logs.request_notes.reset(notes_token)
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.request_id.reset(token)
