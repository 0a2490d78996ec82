"""The two hot paths (a reply, a closed call) cost one log line each: the access line says what
the request did, and no session is opened for what other systems call."""

from __future__ import annotations

import contextvars
import json
import logging

from followup.core import logs
from tests.support.twilio_requests import TwilioWebhooks

CALLER = "+12025550142"


def test_a_reply_is_one_access_line_that_says_what_was_stored_and_names_no_number(
    client, services, json_lines
):
    hooks = TwilioWebhooks.for_services(client, services)

    response = hooks.text(CALLER, "5 thank you")

    assert response.status_code == 200
    lines = json_lines()
    assert [line["logger"] for line in lines] == ["followup.access"]
    access = lines[0]
    assert access["message"].startswith("POST /webhooks/twilio/sms 200; inbound text: agency=")
    assert "category=" in access["message"] and access["status"] == 200
    assert access["request_id"] == response.headers["X-Request-Id"]
    assert "5550142" not in json.dumps(lines) and "thank you" not in json.dumps(lines)


def test_a_closed_call_is_one_access_line_that_says_what_was_recorded(api, json_lines):
    response = api.post_call(caller_phone="202-555-0142")

    assert response.status_code == 202
    lines = json_lines()
    assert [line["logger"] for line in lines] == ["followup.access"]
    message = lines[0]["message"]
    assert message.startswith("POST /api/v1/calls 202; call event recorded: agency=")
    assert f"followup={response.json['followup']['id']}" in message
    assert "5550142" not in json.dumps(lines)


def test_outside_a_request_a_note_is_its_own_log_line(caplog):
    logger = logging.getLogger("followup.tests")
    # Outside any request: a fresh context (an earlier test's streamed response, left open by
    # the test client, may still hold its request's context in this thread).
    outside = contextvars.Context()
    with caplog.at_level(logging.INFO, logger="followup.tests"):
        outside.run(logs.note, logger, "inbound text: agency=%s message=%s", "westlake", 7)

    assert [r.getMessage() for r in caplog.records] == ["inbound text: agency=westlake message=7"]


def test_the_machine_surfaces_neither_read_nor_set_a_session_cookie(client, services, api):
    hooks = TwilioWebhooks.for_services(client, services)
    client.set_cookie("session", "not-a-signed-session")

    for response in (hooks.text(CALLER, "5"), api.post_call()):
        assert response.status_code in (200, 202)
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
    assert client.get("/login").status_code == 200  # pages still open theirs
