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
from tests.support.web import make_user, sign_in, simulate_reply, simulator_client

PHONE = "+12025550161"


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def checked_in(api, sender, clock):
    response = api.post_call(call_id="SIM-1", caller_phone=PHONE)
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()


def reply(client, body: str, phone: str = PHONE):
    return simulate_reply(client.application, phone, body)


def test_a_reply_typed_in_the_simulator_runs_the_whole_loop(client, api, sender, clock, db):
    checked_in(api, sender, clock)

    sent = reply(client, "2. nobody ever called me back")
    page = (
        simulator_client(client.application)
        .get("/simulator", query_string={"phone": PHONE})
        .get_data(as_text=True)
    )

    assert sent.status_code == 302
    with db.Session() as session:
        inbound = session.scalar(select(Message).where(Message.direction == "inbound"))
        callback = session.scalar(select(Callback))
    assert inbound.sid.startswith("SM") and inbound.category == "unresolved"
    assert callback.priority == "normal"
    assert "What could we have done better?" in page
    assert page.index("This is Westlake Police") < page.index("nobody ever called me back")


def test_the_simulator_needs_its_form_token(client):
    response = simulator_client(client.application).post(
        "/simulator/send", data={"phone": PHONE, "body": "hello"}
    )

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


def test_the_simulator_is_off_unless_it_was_turned_on(settings, clock):
    plain = dataclasses.replace(settings, simulator=False)
    app = create_app({"SERVICES": Services.build(plain, clock=clock, gateway=FakeGateway())})

    assert app.test_client().get("/simulator").status_code == 404
    assert app.test_client().post("/simulator/send").status_code in (400, 404)  # CSRF first


def test_anonymous_visitors_are_sent_to_sign_in_and_see_no_caller(client, api, sender, clock):
    checked_in(api, sender, clock)

    page = client.get("/simulator")
    sent = client.post("/simulator/send", data={"phone": PHONE, "body": "STOP"})

    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert PHONE[-4:] not in page.get_data(as_text=True)
    assert sent.status_code in (302, 400)
    with client.application.extensions["followup"].db.Session() as session:
        assert session.scalar(select(Message).where(Message.direction == "inbound")) is None


def test_a_viewer_may_not_play_a_caller(client, db, clock):
    make_user(db, clock, "vw", "viewer")
    sign_in(client, "vw")

    assert client.get("/simulator").status_code == 403


def test_a_commander_sees_only_the_callers_of_their_own_agency(client, api, sender, clock, db):
    from followup.agencies.registry import AgencySettings, create_agency
    from followup.staff import users
    from tests.support.web import PASSWORD

    checked_in(api, sender, clock)  # a check-in of the default agency to PHONE
    with db.begin() as session:
        other = create_agency(
            session, "eastside", AgencySettings(name="Eastside PD"), now=clock.now()
        )
        users.create_user(session, other, "east", "commander", PASSWORD, now=clock.now())
    sign_in(client, "east")

    page = client.get("/simulator").get_data(as_text=True)
    thread = client.get("/simulator", query_string={"phone": PHONE}).get_data(as_text=True)

    assert PHONE not in page and "This is Westlake Police" not in thread
