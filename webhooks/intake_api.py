"""The intake API that dispatch and records systems call: POST /api/v1/calls and friends."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from followup.intake import new_calls, tokens, updates
from followup.intake.calls import EventRejected, describe, find_call, record_call_event
from followup.intake.schema import CallEvent, CaseUpdateEvent
from followup.models import Agency
from followup.web.context import db_session, services
from webhooks.openapi import openapi_document
from webhooks.problems import problem, validation_errors

logger = logging.getLogger(__name__)

bp = Blueprint("intake_api", __name__, url_prefix="/api/v1")


def _authenticate() -> Agency | Response:
    if tokens.KEY_HEADER in request.headers or tokens.SIGNATURE_HEADER in request.headers:
        return _authenticate_signed()
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    agency = None
    if scheme.lower() == "bearer" and presented.strip():
        svc = services()
        agency = tokens.authenticate(
            db_session(),
            presented.strip(),
            now=svc.clock.now(),
            env_token=svc.settings.intake_token,
            default_agency_slug=svc.settings.agency_slug,
        )
    if agency is None:
        return problem(
            401,
            "Send 'Authorization: Bearer <token>' with a valid intake token for your agency.",
            headers={"WWW-Authenticate": 'Bearer realm="followup"'},
        )
    return agency


def _authenticate_signed() -> Agency | Response:
    """A CAD system that signs its requests (see followup.tokens); refused before any write."""
    svc = services()
    try:
        return tokens.authenticate_signed(
            db_session(),
            request.headers.get(tokens.KEY_HEADER, "").strip(),
            request.headers.get(tokens.SIGNATURE_HEADER, ""),
            request.get_data(),  # the raw bytes, as signed; kept for the handler
            now=svc.clock.now(),
            server_secret=svc.settings.secret_key,
        )
    except tokens.SignatureRejected as exc:
        logger.warning("rejected a signed intake request: %s", exc)
        return problem(401, f"Signed request refused: {exc}.")


class DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are all different: with a repeated field, which value the
    dispatch system meant is unknown, so neither is taken."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _json_object() -> dict | Response:
    """The request's JSON object, or the problem that says why it is not one."""
    if request.mimetype != "application/json":
        return problem(415, "Send the event as JSON with 'Content-Type: application/json'.")
    try:
        payload = json.loads(request.get_data(cache=False), object_pairs_hook=_no_duplicates)
    except DuplicateKey as exc:
        return problem(400, f"The field {exc.key!r} appears twice; send each field once.")
    except (ValueError, RecursionError) as exc:
        return problem(400, f"The body is not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return problem(400, "The body must be a JSON object with the event's fields.")
    return payload


@bp.post("/calls")
def post_call():
    agency = _authenticate()
    if isinstance(agency, Response):
        return agency
    payload = _json_object()
    if isinstance(payload, Response):
        return payload
    try:
        event = CallEvent.model_validate(payload)
    except ValidationError as exc:
        return problem(400, "Some fields are missing or invalid.", errors=validation_errors(exc))
    session = db_session()
    now = services().clock.now()
    try:
        # A new closed call (most events) in a few statements; any other on the ORM path.
        answer = new_calls.record_new_call(session, agency, event, now=now)
        if answer is None:
            result = record_call_event(session, agency, event, now=now)
            answer = describe(session, result.call)
            changed = result.changed
        else:
            changed = True
    except EventRejected as exc:
        session.rollback()
        return problem(400, "Some fields are invalid.", errors=exc.errors)
    body = answer.model_dump(mode="json")
    session.commit()
    return body, (202 if changed else 200)


@bp.post("/calls/<path:call_id>/updates")
def post_update(call_id: str):
    agency = _authenticate()
    if isinstance(agency, Response):
        return agency
    payload = _json_object()
    if isinstance(payload, Response):
        return payload
    session = db_session()
    call = find_call(session, agency, call_id)
    if call is None:
        return problem(404, f"No call {call_id!r} has been reported for this agency.")
    try:
        event = CaseUpdateEvent.model_validate(payload)
    except ValidationError as exc:
        return problem(400, "Some fields are missing or invalid.", errors=validation_errors(exc))
    try:
        result = updates.record_update(session, agency, call, event, now=services().clock.now())
    except updates.UpdateRejected as exc:
        session.rollback()
        return problem(400, "Some fields are invalid.", errors=exc.errors)
    except updates.UpdateConflict:
        session.rollback()
        return problem(
            409,
            f"The update {event.update_id!r} was recorded with a different body; an update "
            "cannot be changed. Send a new update_id for a new event.",
        )
    body = describe(session, call).model_dump(mode="json")
    session.commit()
    return body, (202 if result.changed else 200)


@bp.get("/calls/<path:call_id>")
def get_call(call_id: str):
    agency = _authenticate()
    if isinstance(agency, Response):
        return agency
    call = find_call(db_session(), agency, call_id)
    if call is None:
        return problem(404, f"No call {call_id!r} has been reported for this agency.")
    body = describe(db_session(), call).model_dump(mode="json")
    db_session().commit()  # keeps the token's last-used time
    return body


@bp.get("/openapi.json")
def openapi():
    return openapi_document()


def http_error(exc: HTTPException):
    """Answer an API error (413, 404, 405...) as problem JSON (create_app sends /api/ here)."""
    if exc.code == 413:
        return problem(413, "The body is larger than 64 KiB; one event is a few hundred bytes.")
    return problem(exc.code or 500, exc.description)


def unexpected():
    """Answer an unhandled error on the API as problem JSON (create_app sends /api/ here)."""
    return problem(500, "Something went wrong on our side; nothing was recorded.")
