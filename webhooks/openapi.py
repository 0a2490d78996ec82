"""The intake API's OpenAPI document, generated from the same pydantic models that validate it."""

from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from followup.intake.schema import CallEvent, CallOut, CaseUpdateEvent, Problem
from webhooks.openapi_examples import CALL_EXAMPLES, UPDATE_EXAMPLES

_REF = "#/components/schemas/{model}"


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}},
    }


# Long because it is the API's document: one literal, generated parts slotted in.
@cache
def openapi_document() -> dict:
    _, definitions = models_json_schema(
        [
            (CallEvent, "validation"),
            (CaseUpdateEvent, "validation"),
            (CallOut, "serialization"),
            (Problem, "serialization"),
        ],
        ref_template=_REF,
    )
    call_id = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}
    call_out = {"content": {"application/json": {"schema": {"$ref": _REF.format(model="CallOut")}}}}
    # Either a bearer token, or a signing key id with a signature of the request (followup.tokens).
    security = [{"bearer": []}, {"signingKey": [], "signature": []}]
    unauthorized = _problem(
        "No token, or an unknown or revoked one; or a signed request whose signature is "
        "missing, malformed, more than 5 minutes from the server's clock, or wrong."
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Follow-up intake API",
            "version": "1",
            "description": (
                "Dispatch (CAD) and records (RMS) systems report calls for service as they "
                "move (received, dispatched, arrived, closed) and case events after them; the "
                "service decides which texts the caller gets and when."
            ),
        },
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "signingKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Followup-Key",
                    "description": "A signing key id (fus_...), with X-Followup-Signature.",
                },
                "signature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Followup-Signature",
                    "description": (
                        "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' with the key's "
                        "signing secret>; within 5 minutes of the server's clock."
                    ),
                },
            },
        },
        "paths": {
            "/api/v1/calls": {
                "post": {
                    "summary": "Report a call's stage (received, dispatched, arrived, closed...)",
                    "description": (
                        "Stages may come in any order and more than once: the call keeps its "
                        "furthest stage, and an earlier one reported after a later one only "
                        "records its own time. Each status needs its own time (received_at, "
                        "dispatched_at, arrived_at, closed_at; reopened none)."
                    ),
                    "security": security,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": _REF.format(model="CallEvent")},
                                "examples": CALL_EXAMPLES,
                            }
                        },
                    },
                    "responses": {
                        "202": {"description": "Recorded; its texts were decided.", **call_out},
                        "200": {
                            "description": "The same event again: nothing changed.",
                            **call_out,
                        },
                        "400": _problem("Malformed JSON or invalid fields (each one named)."),
                        "401": unauthorized,
                        "413": _problem("Body over 64 KiB."),
                        "415": _problem("Content-Type is not application/json."),
                    },
                }
            },
            "/api/v1/calls/{call_id}/updates": {
                "post": {
                    "summary": "Report a case event (detective assigned, arrest made...)",
                    "description": (
                        "Texted only when the agency has case updates on and the victim asked "
                        "(victim_notify on this or an earlier update of the call); for a "
                        "sensitive call only with that consent; never to a number that opted "
                        "out. The call's updates show whether each was texted and why not."
                    ),
                    "security": security,
                    "parameters": [call_id],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": _REF.format(model="CaseUpdateEvent")},
                                "examples": UPDATE_EXAMPLES,
                            }
                        },
                    },
                    "responses": {
                        "202": {"description": "Recorded; its text was decided.", **call_out},
                        "200": {
                            "description": "The same update again: nothing changed.",
                            **call_out,
                        },
                        "400": _problem(
                            "Malformed JSON or invalid fields, or a detail field the event "
                            "does not carry (each one named)."
                        ),
                        "401": unauthorized,
                        "404": _problem("No call with this call_id for the token's agency."),
                        "409": _problem("This update_id was recorded with a different body."),
                        "413": _problem("Body over 64 KiB."),
                        "415": _problem("Content-Type is not application/json."),
                    },
                }
            },
            "/api/v1/calls/{call_id}": {
                "get": {
                    "summary": "A call, every text about it and its case updates, as they stand",
                    "security": security,
                    "parameters": [call_id],
                    "responses": {
                        "200": {"description": "The call, its texts and updates.", **call_out},
                        "401": unauthorized,
                        "404": _problem("No call with this call_id for the token's agency."),
                    },
                }
            },
        },
    }
