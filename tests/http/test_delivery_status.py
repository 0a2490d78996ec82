"""Delivery status callbacks through Twilio's real webhook: forward only, final is final.

The check-in goes out through the sender with the service's public URL, so each text's status
callback URL carries ``?m=<message id>`` exactly as Twilio would call it back; every callback is
signed for that URL with the Twilio SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from followup import create_app
from followup.models import Agency, Contact, Message
from followup.services import Services
from tests.conftest import TEST_TOKEN
from tests.support.factories import ApiClient, FakeGateway, call_event, followup_for
from tests.support.twilio_requests import (
    STATUS_PATH,
    TwilioWebhooks,
    new_sid,
    status_form,
    with_public_url,
)

CALLER = "+12025550121"


@dataclass
class Twilio:
    """The service behind its public URL, and Twilio's side of it."""

    services: Services
    api: ApiClient
    hooks: TwilioWebhooks
    gateway: FakeGateway

    def sender(self):
        return self.services.sender(worker_id="test-sender")


def build(services, gateway: FakeGateway) -> Twilio:
    public = with_public_url(
        Services.build(services.settings, clock=services.clock, gateway=gateway, db=services.db)
    )
    client = create_app({"SERVICES": public, "TESTING": True}).test_client()
    hooks = TwilioWebhooks.for_services(client, public)
    return Twilio(public, ApiClient(client, TEST_TOKEN), hooks, gateway)


@pytest.fixture
def twilio(services, gateway) -> Twilio:
    return build(services, gateway)


@dataclass
class Sent:
    id: int
    sid: str
    callback_url: str


def send_checkin(twilio: Twilio, clock, phone: str = CALLER, **overrides) -> Sent:
    """Post a closed call and send its check-in; return the message and its callback URL."""
    response = twilio.api.post_call(call_event(caller_phone=phone, **overrides))
    assert response.json["followup"]["status"] == "scheduled", response.json
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    assert twilio.sender().sweep().sent == 1
    sent = twilio.gateway.sent[-1]
    assert sent["to"] == phone
    with twilio.services.db.Session() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
    assert message.status == "queued"
    assert sent["status_callback"].endswith(f"{STATUS_PATH}?m={message.id}")
    clock.advance(seconds=5)
    return Sent(message.id, message.sid, sent["status_callback"])


def message(db, message_id: int) -> Message:
    with db.Session() as session:
        return session.get(Message, message_id)


def contact(db, phone: str = CALLER) -> Contact | None:
    with db.Session() as session:
        return session.scalar(select(Contact).where(Contact.phone == phone))


def report(twilio: Twilio, sent: Sent, status: str, error_code: int | None = None):
    """Twilio reports ``status`` for ``sent`` at its callback URL; the service must accept it."""
    response = twilio.hooks.status(sent.callback_url, sent.sid, status, to=CALLER,
                                   error_code=error_code)
    assert 200 <= response.status_code < 300, response.get_data(as_text=True)
    return response


# --- forward only ------------------------------------------------------------------------------


def test_queued_then_sent_then_delivered_moves_the_text_forward(twilio, clock, db):
    sent = send_checkin(twilio, clock)

    report(twilio, sent, "sent")
    assert message(db, sent.id).status == "sent"
    clock.advance(seconds=3)
    report(twilio, sent, "delivered")

    delivered = message(db, sent.id)
    assert (delivered.status, delivered.error_code) == ("delivered", None)
    assert delivered.updated_at == clock.now()


def test_a_late_sent_after_delivered_leaves_it_delivered(twilio, clock, db):
    sent = send_checkin(twilio, clock)

    report(twilio, sent, "delivered")
    report(twilio, sent, "sent")  # callbacks arrive out of order
    report(twilio, sent, "queued")

    assert message(db, sent.id).status == "delivered"


@pytest.mark.parametrize("final", ["failed", "undelivered"])
def test_failed_is_final_and_keeps_the_carrier_error_code(twilio, clock, db, final):
    sent = send_checkin(twilio, clock)

    report(twilio, sent, final, error_code=30008)
    report(twilio, sent, "delivered")
    report(twilio, sent, "sent")
    report(twilio, sent, "undelivered", error_code=30003)

    text = message(db, sent.id)
    assert (text.status, text.error_code) == (final, 30008)


# --- what the carrier's error says about the number -------------------------------------------


def test_undelivered_30006_marks_the_number_unreachable_but_not_opted_out(twilio, clock, db):
    sent = send_checkin(twilio, clock)

    report(twilio, sent, "undelivered", error_code=30006)

    text = message(db, sent.id)
    assert (text.status, text.error_code) == ("undelivered", 30006)
    number = contact(db)
    assert (number.unreachable_code, number.unreachable_at) == (30006, clock.now())
    assert not number.opted_out


def test_failed_21610_opts_the_number_out_and_cancels_what_is_scheduled(
    twilio, clock, db, agency
):
    with db.begin() as session:
        session.get(Agency, agency.id).frequency_cap_days = 0  # a second call may be scheduled
    sent = send_checkin(twilio, clock)
    second = call_event(caller_phone=CALLER, closed_at=clock.now().isoformat())
    assert twilio.api.post_call(second).json["followup"]["status"] == "scheduled"

    report(twilio, sent, "failed", error_code=21610)

    assert message(db, sent.id).error_code == 21610
    number = contact(db)
    assert number.opted_out and number.opt_out_source == "twilio_21610"
    followup = followup_for(db, second["call_id"])
    assert (followup.status, followup.reason) == ("cancelled", "opted_out")
    clock.advance(days=1)
    before = len(twilio.gateway.sent)
    twilio.sender().sweep()
    assert twilio.gateway.sent[before:] == []


# --- what the service does not know --------------------------------------------------------------


@pytest.mark.parametrize("status", ["canceled", "read", "partially_delivered", "scheduled", ""])
def test_a_status_this_service_does_not_track_is_accepted_and_changes_nothing(
    twilio, clock, db, status
):
    sent = send_checkin(twilio, clock)
    report(twilio, sent, "sent")
    before = message(db, sent.id)
    clock.advance(seconds=5)

    report(twilio, sent, status)

    after = message(db, sent.id)
    assert (after.status, after.sid, after.error_code, after.updated_at) == (
        before.status, before.sid, before.error_code, before.updated_at,
    )


@pytest.mark.parametrize("known_sid", [False, True], ids=["unknown sid", "another text's sid"])
def test_a_status_for_a_message_id_this_service_does_not_know_is_accepted(
    twilio, clock, db, known_sid
):
    sent = send_checkin(twilio, clock)
    stranger_url = sent.callback_url.replace(f"?m={sent.id}", f"?m={sent.id + 1000}")
    unknown = Sent(sent.id + 1000, sent.sid if known_sid else new_sid(), stranger_url)

    report(twilio, unknown, "delivered")

    with db.Session() as session:
        assert session.scalars(select(Message.id)).all() == [sent.id]
    # With a sid it knows, the service still finds the text the sid names.
    assert message(db, sent.id).status == ("delivered" if known_sid else "queued")


def test_a_status_with_no_message_id_in_the_url_is_matched_by_its_sid(twilio, clock, db):
    sent = send_checkin(twilio, clock)

    response = twilio.hooks.status(None, sent.sid, "delivered", to=CALLER)

    assert response.status_code == 204
    assert message(db, sent.id).status == "delivered"


# --- signatures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forgery",
    ["no signature", "a wrong signature", "a signature for another message id",
     "a tampered status"],
)
def test_a_badly_signed_status_callback_is_refused_and_changes_nothing(
    twilio, clock, db, forgery
):
    sent = send_checkin(twilio, clock)
    form = status_form(sent.sid, "failed", to=CALLER, error_code=21610)
    query = f"m={sent.id}"
    hooks = twilio.hooks
    forged = {
        "no signature": dict(unsigned=True),
        "a wrong signature": dict(
            signature=hooks.sign(hooks.url(STATUS_PATH, query), form, "not-the-key")
        ),
        "a signature for another message id": dict(
            signed_url=hooks.url(STATUS_PATH, f"m={sent.id + 1}")
        ),
        "a tampered status": dict(signed_form=form | {"MessageStatus": "delivered",
                                                      "SmsStatus": "delivered"}),
    }[forgery]

    response = hooks.post(STATUS_PATH, form, query=query, **forged)

    assert response.status_code == 403
    text = message(db, sent.id)
    assert (text.status, text.error_code) == ("queued", None)
    assert contact(db) is None or not contact(db).opted_out


# --- a callback faster than the sender -----------------------------------------------------------


@dataclass
class RacingGateway(FakeGateway):
    """Twilio's status callback arrives while the API call that sent the text is returning."""

    race: object = None  # called with (status_callback, sid, to) before the send returns

    def send(self, to, body, *, status_callback=None):
        if self.race:
            self.race(status_callback, f"SM{len(self.sent) + 1:032d}", to)
        return super().send(to, body, status_callback=status_callback)


def test_a_status_that_arrives_before_the_sid_is_stored_is_matched_by_the_message_id(
    services, clock, db
):
    seen = {}
    twilio = build(services, RacingGateway())

    def race(callback_url, sid, to):
        message_id = int(callback_url.rsplit("=", 1)[1])
        seen["before"] = (message(db, message_id).sid, message(db, message_id).status)
        response = twilio.hooks.status(callback_url, sid, "sent", to=to)
        seen["response"] = response.status_code
        seen["after"] = (message(db, message_id).sid, message(db, message_id).status)
        seen["sid"] = sid

    twilio.gateway.race = race
    send_checkin_racing(twilio, clock)

    assert seen["before"] == (None, "pending")  # the sender has not stored the sid yet
    assert seen["response"] == 204
    assert seen["after"] == (seen["sid"], "sent")


@pytest.mark.parametrize("early", ["delivered", "failed"])
def test_the_sender_does_not_undo_a_status_that_arrived_before_its_commit(
    services, clock, db, early
):
    twilio = build(services, RacingGateway())
    ids = []

    def race(callback_url, sid, to):
        ids.append(int(callback_url.rsplit("=", 1)[1]))
        code = 30003 if early == "failed" else None
        twilio.hooks.status(callback_url, sid, early, to=to, error_code=code)

    twilio.gateway.race = race
    send_checkin_racing(twilio, clock)

    assert message(db, ids[0]).status == early


def send_checkin_racing(twilio: Twilio, clock) -> None:
    response = twilio.api.post_call(call_event(caller_phone=CALLER))
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    assert twilio.sender().sweep().sent == 1
