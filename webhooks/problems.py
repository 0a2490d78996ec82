"""RFC 9457 problem documents: how every API error is reported."""

from __future__ import annotations

from flask import Response, json
from werkzeug.http import HTTP_STATUS_CODES

from followup.intake.schema import FieldError, Problem

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = Problem(
        title=HTTP_STATUS_CODES.get(status, "Error"), status=status, detail=detail, errors=errors
    ).model_dump(exclude_none=True)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_errors(exc) -> list[FieldError]:
    """Turn a pydantic ValidationError into one FieldError per bad field."""
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"]) or "(body)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "is not a field of this API (check the spelling)"
        elif error["type"] == "missing":
            message = "is required"
        errors.append(FieldError(field=location, message=message))
    return errors
