"""The whole outbound path through real parts: intake API, sender, Twilio SDK, a Twilio fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from followup import create_app
from followup.core.db import Database
from followup.services import Services
from followup.setup import prepare_database
from followup.testing.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.factories import ApiClient, followup_for, messages

MESSAGING_SERVICE = "MG" + "1" * 32


@pytest.fixture
def twilio():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def twilio_services(settings, clock, twilio):
    """Services configured the way production is, with the SDK's requests sent to the fake."""
    configured = replace(
        settings,
        public_url="https://followup.example.org",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid=MESSAGING_SERVICE,
        twilio_api_url=twilio.url,
    )
    db = Database(configured.database_url)
    services = Services.build(configured, clock=clock, db=db)
    prepare_database(services)
    yield services
    db.dispose()


def test_a_closed_call_becomes_a_text_that_twilio_receives_once(twilio_services, twilio, clock):
    api = ApiClient(create_app({"SERVICES": twilio_services}).test_client(), "test-intake-token")
    assert twilio_services.gateway.name == "twilio"

    posted = api.post_call(call_id="E2E-1", caller_phone="202-555-0150", caller_name="Sam Lee")
    clock.set(datetime.fromisoformat(posted.json["followup"]["send_at"]))
    report = twilio_services.sender().sweep()

    assert report.sent == 1
    [request] = twilio.create_requests
    assert request.auth_user == ACCOUNT_SID
    assert request.form["To"] == "+12025550150"
    assert request.form["MessagingServiceSid"] == MESSAGING_SERVICE
    assert "From" not in request.form
    assert request.form["Body"].startswith("This is Westlake Police following up on your call")
    [message] = messages(twilio_services.db)
    assert request.form["StatusCallback"] == (
        f"https://followup.example.org/webhooks/twilio/status?m={message.id}"
    )
    assert message.sid in twilio.messages
    assert message.gateway == "twilio"
    assert followup_for(twilio_services.db, "E2E-1").status == "sent"
    assert api.get_call("E2E-1").json["followup"]["status"] == "sent"


def test_twilio_refusing_an_unsubscribed_number_opts_it_out_for_good(
    twilio_services, twilio, clock
):
    api = ApiClient(create_app({"SERVICES": twilio_services}).test_client(), "test-intake-token")
    posted = api.post_call(call_id="E2E-2", caller_phone="202-555-0151")
    clock.set(datetime.fromisoformat(posted.json["followup"]["send_at"]))
    twilio.fail_next(status=400, code=21610, message="Attempt to send to unsubscribed recipient")

    twilio_services.sender().sweep()
    later = api.post_call(call_id="E2E-3", caller_phone="202-555-0151")

    followup = followup_for(twilio_services.db, "E2E-2")
    assert (followup.status, followup.error_code) == ("failed", 21610)
    assert later.json["followup"]["reason"] == "opted_out"
    assert len(twilio.create_requests) == 1
