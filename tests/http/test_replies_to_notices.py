"""A reply to any text of a call (the confirmation, the delay text, a case update, the check-in)
belongs to that call: it is triaged and may raise a callback, which the commander sees with
the call. Driven through the intake API, the sender and Twilio's signed webhook."""

from __future__ import annotations

from sqlalchemy import select

from followup.models import Alert, Callback, Message, RosterMember
from tests.support.factories import call_event
from tests.support.twilio_requests import TwilioWebhooks, twiml_reply
from tests.support.web import make_user, sign_in

CALLER = "+12025550123"  # the number call_event gives
COMMANDER = "+12025550198"
RECEIVED = "2026-11-23T09:58:00-05:00"  # two minutes before the test clock's now


def received(call_id: str) -> dict:
    return call_event(call_id=call_id, status="received", received_at=RECEIVED, closed_at=...)


def confirmation_sent(api, sender, call_id: str) -> None:
    api.post_call(received(call_id))
    sender.sweep()


def the_callback(db) -> Callback:
    with db.Session() as session:
        return session.scalars(select(Callback)).one()


def the_callback_page(client, db, clock, callback_id: int) -> str:
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    response = client.get(f"/callbacks/{callback_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_danger_in_reply_to_the_confirmation_raises_an_urgent_callback_on_that_call(
    api, client, services, db, sender, clock
):
    with db.begin() as session:
        session.add(RosterMember(agency_id=1, name="Lt. Diaz", phone=COMMANDER, on_duty=True,
                                 created_at=clock.now()))
    confirmation_sent(api, sender, "26-118842")
    hooks = TwilioWebhooks.for_services(client, services)

    answer = hooks.text(CALLER, "he's back and kicking the door")

    assert "call 911" in twiml_reply(answer)
    callback = the_callback(db)
    assert (callback.priority, callback.category, callback.status) == ("urgent", "crisis", "open")
    page = the_callback_page(client, db, clock, callback.id)
    assert "<dt>Incident</dt><dd>26-118842</dd>" in page
    assert "he&#39;s back and kicking the door" in page or "he's back and kicking the door" in page
    with db.Session() as session:
        assert [a.channel for a in session.scalars(select(Alert))] == ["sms"]


def test_a_thank_you_to_the_confirmation_gets_no_check_in_question(api, client, services, db,
                                                                  sender):
    confirmation_sent(api, sender, "26-2")
    hooks = TwilioWebhooks.for_services(client, services)

    answer = hooks.text(CALLER, "ok thank you")

    assert twiml_reply(answer) is None  # no "anything else?": the call is not even closed
    with db.Session() as session:
        reply = session.scalar(select(Message).where(Message.direction == "inbound"))
    assert reply.category is not None and reply.conversation_id is not None


def test_details_added_in_reply_to_the_delay_text_reach_a_commander_with_the_call(
    api, client, services, db, sender, clock
):
    api.post_call(received("26-3"))
    sender.sweep()
    clock.advance(minutes=31)
    sender.sweep()  # the delay text: no unit dispatched yet
    hooks = TwilioWebhooks.for_services(client, services)

    hooks.text(CALLER, "nobody has come and I still need help with the report")

    callback = the_callback(db)
    assert callback.status == "open"
    assert "<dt>Incident</dt><dd>26-3</dd>" in the_callback_page(client, db, clock, callback.id)


def test_once_the_check_in_is_sent_a_reply_answers_the_check_in(api, client, services, db,
                                                                sender, clock):
    confirmation_sent(api, sender, "26-4")
    hooks = TwilioWebhooks.for_services(client, services)
    hooks.text(CALLER, "thanks")
    response = api.post_call(call_event(call_id="26-4"))
    clock.advance(hours=3)
    sender.sweep()  # the check-in: "How did we do, 1-5?"

    answer = hooks.text(CALLER, "5")

    assert response.json["followup"]["status"] == "scheduled"
    assert "add a comment" in twiml_reply(answer)  # the check-in's conversation goes on
