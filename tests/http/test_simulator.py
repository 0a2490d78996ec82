"""The phone simulator: reply as a caller in the browser, through the real signed webhook."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from sqlalchemy import select

from followup import create_app
from followup.models import Callback, Message
from followup.services import Services
from tests.support.factories import FakeGateway

PHONE = "+12025550161"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def checked_in(api, sender, clock):
    response = api.post_call(call_id="SIM-1", caller_phone=PHONE)
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()


def reply(client, body: str, phone: str = PHONE):
    token = csrf(client.get("/simulator").get_data(as_text=True))
    return client.post("/simulator/send", data={"csrf_token": token, "phone": phone, "body": body})


def test_a_reply_typed_in_the_simulator_runs_the_whole_loop(client, api, sender, clock, db):
    checked_in(api, sender, clock)

    sent = reply(client, "2. nobody ever called me back")
    page = client.get("/simulator", query_string={"phone": PHONE}).get_data(as_text=True)

    assert sent.status_code == 302
    with db.Session() as session:
        inbound = session.scalar(select(Message).where(Message.direction == "inbound"))
        callback = session.scalar(select(Callback))
    assert inbound.sid.startswith("SM") and inbound.category == "unresolved"
    assert callback.priority == "normal"
    assert "What could we have done better?" in page
    assert page.index("This is Westlake Police") < page.index("nobody ever called me back")


def test_the_simulator_needs_its_form_token(client):
    response = client.post("/simulator/send", data={"phone": PHONE, "body": "hello"})

    assert response.status_code == 400


def test_a_number_that_cannot_text_is_refused_with_a_message(client, db):
    response = reply(client, "hello", phone="555-1234")

    assert "Enter+a+mobile+number" in response.headers["Location"]
    with db.Session() as session:
        assert session.scalar(select(Message)) is None


def test_an_unsolicited_text_from_a_new_number_is_kept(client, db):
    reply(client, "is this the police? my bike was stolen", phone="+12025550162")

    with db.Session() as session:
        message = session.scalar(select(Message))
    assert message.phone == "+12025550162" and message.direction == "inbound"


def test_the_simulator_is_off_when_twilio_is_configured(settings, clock):
    twilio = dataclasses.replace(
        settings, twilio_account_sid="AC1", twilio_auth_token="t", twilio_from_number="+12025550100"
    )
    app = create_app({"SERVICES": Services.build(twilio, clock=clock, gateway=FakeGateway())})

    assert app.test_client().get("/simulator").status_code == 404
