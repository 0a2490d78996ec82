"""Inbound texts through Twilio's real webhook: stored, triaged, answered once, flagged, alerted.

Every test drives ``POST /webhooks/twilio/sms`` with Twilio's own field set and a signature made
by the Twilio SDK, and reads the answer as TwiML, the way Twilio does.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from followup import create_app
from followup.models import (
    Agency,
    Alert,
    Callback,
    Contact,
    Conversation,
    Message,
    RosterMember,
)
from followup.replies.triage import triage
from followup.sending.gateways.base import PermanentGatewayError
from followup.texts.message_templates import PLACEHOLDERS, default_bodies, render_body
from tests.support import factories
from tests.support.factories import call_event, followup_for
from tests.support.twilio_requests import (
    PUBLIC_URL,
    SMS_PATH,
    TwilioWebhooks,
    inbound_form,
    twiml_messages,
    twiml_reply,
    with_public_url,
)

CALLER = "+12025550101"
ALERT_URL = "https://alerts.example.org/followup"
ALERT_SECRET = "alert-secret-for-tests"
CRISIS = "he's back outside my house right now"


def text(purpose: str, language: str = "en") -> str:
    """Return the agency's default ``purpose`` text as a caller receives it."""
    context = dict.fromkeys(PLACEHOLDERS, "") | {"agency_name": "Westlake Police"}
    return render_body(default_bodies()[(purpose, language)], context)


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


@pytest.fixture
def public_hooks(services) -> TwilioWebhooks:
    """Twilio's webhooks on an app configured with a public URL (behind a TLS proxy)."""
    public = with_public_url(services)
    app = create_app({"SERVICES": public, "TESTING": True})
    return TwilioWebhooks.for_services(app.test_client(), public)


@pytest.fixture
def network(monkeypatch) -> list[tuple[str, str]]:
    """Refuse (and record) every HTTP request made through ``requests``: tests stay offline."""
    attempts = []

    def refuse(self, method, url, *args, **kwargs):
        attempts.append((method, url))
        raise AssertionError(f"unexpected network request: {method} {url}")

    monkeypatch.setattr(requests.sessions.Session, "request", refuse)
    return attempts


@pytest.fixture
def alert_posts(monkeypatch, network) -> list[dict]:
    """Record the alert URL's POSTs instead of making them (and answer 202)."""
    posts = []

    def fake_post(url, *, data, headers, timeout):
        posts.append({"url": url, "data": data, "headers": headers, "timeout": timeout})
        response = requests.Response()
        response.status_code = 202
        return response

    # AlertSender looks webhook_post.post up when it sends, so the network stand-in goes there.
    monkeypatch.setattr("followup.callbacks.webhook_post.post", fake_post)
    return posts


def checkin_sent(api, clock, sender, gateway, phone: str = CALLER, **overrides) -> str:
    """Post a closed call, send its check-in, and let 20 minutes pass; return the call id."""
    return factories.checkin_sent(api, clock, sender, gateway, phone, **overrides)


def update_agency(db, agency, **values) -> None:
    with db.begin() as session:
        row = session.get(Agency, agency.id)
        for name, value in values.items():
            setattr(row, name, value)


def add_commander(db, agency, phone: str, *, on_duty: bool = True, now: datetime) -> None:
    with db.begin() as session:
        session.add(
            RosterMember(agency_id=agency.id, name=f"Lt. {phone[-2:]}", phone=phone,
                         on_duty=on_duty, created_at=now)
        )


def inbound(db, phone: str = CALLER) -> list[Message]:
    with db.Session() as session:
        return list(session.scalars(
            select(Message)
            .where(Message.direction == "inbound", Message.phone == phone)
            .order_by(Message.id)
        ))


def twiml_sent(db, phone: str = CALLER) -> list[str]:
    """The replies recorded as sent to ``phone`` by TwiML."""
    with db.Session() as session:
        return list(session.scalars(
            select(Message.body)
            .where(Message.gateway == "twiml", Message.phone == phone)
            .order_by(Message.id)
        ))


def conversation(db, message: Message) -> Conversation:
    with db.Session() as session:
        return session.get(Conversation, message.conversation_id)


def callbacks(db) -> list[Callback]:
    with db.Session() as session:
        return list(session.scalars(select(Callback).order_by(Callback.id)))


def alerts(db) -> list[Alert]:
    with db.Session() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def contact(db, phone: str = CALLER) -> Contact | None:
    with db.Session() as session:
        return session.scalar(select(Contact).where(Contact.phone == phone))


def opted_out(db, phone: str = CALLER) -> bool:
    found = contact(db, phone)
    return found is not None and found.opted_out


# --- the conversation --------------------------------------------------------------------------


def test_a_positive_reply_is_invited_to_comment_and_the_officer_praised_is_kept(
    api, hooks, sender, gateway, clock, db
):
    call_id = checkin_sent(api, clock, sender, gateway)

    reply = twiml_reply(hooks.text(CALLER, "5, thank you, officer Diaz was great"))

    assert reply == text("ask_comment")
    [message] = inbound(db)
    assert message.body == "5, thank you, officer Diaz was great"
    assert message.category == "positive"
    assert message.triage["category"] == "positive"
    assert message.triage["rating"] == 5
    assert message.triage["callback"] is False
    assert message.commendation in ("Officer Diaz", "officer Diaz")
    thread = conversation(db, message)
    assert thread.followup_id == followup_for(db, call_id).id
    assert (thread.rating, thread.step) == (5, "awaiting_comment")
    assert twiml_sent(db) == [reply]
    assert callbacks(db) == []


def test_a_comment_is_thanked_and_closes_the_conversation_and_later_texts_get_no_reply(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)

    first = twiml_reply(hooks.text(CALLER, "5, thank you, officer Diaz was great"))
    second = twiml_reply(hooks.text(CALLER, "He was very helpful, thanks again"))
    third = hooks.text(CALLER, "ok")

    assert first == text("ask_comment")
    assert second == text("thanks")
    assert second == "Thank you. Your comments have been passed on to Westlake Police."
    assert twiml_messages(third) == []
    stored = inbound(db)
    assert [m.body for m in stored] == [
        "5, thank you, officer Diaz was great", "He was very helpful, thanks again", "ok",
    ]
    assert stored[2].category == "neutral"
    assert stored[2].triage["reasons"] == ["an acknowledgement"]
    assert stored[2].reply_body is None
    thread = conversation(db, stored[2])
    assert (thread.step, thread.rating, thread.auto_texts) == ("closed", 5, 3)
    assert len({m.conversation_id for m in stored}) == 1
    assert twiml_sent(db) == [first, second]
    assert callbacks(db) == []


def test_a_thank_you_that_names_no_officer_keeps_no_commendation(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)

    hooks.text(CALLER, "The officer was very kind, thank you")

    [message] = inbound(db)
    assert message.category == "positive"
    assert message.commendation is None


@pytest.mark.parametrize(
    "body, category",
    [
        ("nobody came, still waiting for someone", "unresolved"),
        ("It was slow, took 3 hours", "negative"),
    ],
    ids=["unresolved", "negative"],
)
def test_an_unhappy_or_unresolved_reply_asks_for_more_and_flags_a_callback_due_in_a_day(
    api, hooks, sender, gateway, clock, db, body, category
):
    checkin_sent(api, clock, sender, gateway)
    replied_at = clock.now()

    reply = twiml_reply(hooks.text(CALLER, body))

    assert reply == text("ask_more")
    [message] = inbound(db)
    assert message.category == category
    assert conversation(db, message).step == "awaiting_comment"
    [callback] = callbacks(db)
    assert (callback.priority, callback.status, callback.category) == ("normal", "open", category)
    assert callback.due_by == replied_at + timedelta(hours=24)
    assert callback.reasons == message.triage["reasons"] and callback.reasons
    assert (callback.message_id, callback.conversation_id) == (message.id, message.conversation_id)


@pytest.mark.parametrize(
    "hours_later, deadline",
    [(22, "the first deadline, which is sooner"), (1, "the high-priority deadline, sooner")],
)
def test_a_later_conduct_reply_raises_the_same_callback_to_high_and_keeps_the_sooner_deadline(
    api, hooks, sender, gateway, clock, db, hours_later, deadline
):
    checkin_sent(api, clock, sender, gateway)
    hooks.text(CALLER, "nobody came, still waiting for someone")
    [first] = callbacks(db)
    clock.advance(hours=hours_later)

    reply = twiml_reply(
        hooks.text(CALLER, "The officer shoved me and threatened to arrest me for nothing")
    )

    assert reply == text("thanks")
    unresolved, conduct = inbound(db)
    assert conduct.category == "conduct"
    [callback] = callbacks(db)
    assert callback.id == first.id
    assert (callback.priority, callback.category, callback.message_id) == (
        "high", "conduct", conduct.id,
    )
    high_due = clock.now() + timedelta(hours=4)
    expected = first.due_by if deadline.startswith("the first") else high_due
    assert callback.due_by == min(first.due_by, high_due) == expected
    assert set(unresolved.triage["reasons"]) | set(conduct.triage["reasons"]) == set(
        callback.reasons
    )


# --- danger --------------------------------------------------------------------------------------


def test_a_crisis_reply_gets_the_safety_text_and_an_urgent_callback_due_in_15_minutes(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)
    replied_at = clock.now()

    reply = twiml_reply(hooks.text(CALLER, CRISIS))

    assert reply == text("crisis_reply")
    assert "911" in reply and "988" in reply
    [message] = inbound(db)
    assert (message.category, message.triage["urgent"]) == ("crisis", True)
    [callback] = callbacks(db)
    assert (callback.priority, callback.category, callback.status) == ("urgent", "crisis", "open")
    assert callback.due_by == replied_at + timedelta(minutes=15)
    assert all(reason.startswith("danger") for reason in callback.reasons)


def test_a_crisis_reply_texts_the_on_duty_commander_within_the_same_request(
    api, hooks, sender, gateway, clock, db, agency, network
):
    call_id = checkin_sent(api, clock, sender, gateway)
    add_commander(db, agency, "+12025550190", now=clock.now())
    add_commander(db, agency, "+12025550191", on_duty=False, now=clock.now())
    before = len(gateway.sent)

    hooks.text(CALLER, CRISIS)

    alerted = gateway.sent[before:]  # already there when the webhook answered
    assert [sent["to"] for sent in alerted] == ["+12025550190"]
    [callback] = callbacks(db)
    body = alerted[0]["body"]
    assert body.startswith("URGENT")
    assert f"#{callback.id}" in body and call_id in body
    assert CALLER not in body and "outside my house" not in body
    [alert] = alerts(db)
    assert (alert.channel, alert.status, alert.attempts) == ("sms", "sent", 1)
    assert network == []


def test_the_alert_text_is_kept_as_an_outbound_message_with_purpose_alert(
    api, hooks, sender, gateway, clock, db, agency, network
):
    checkin_sent(api, clock, sender, gateway)
    add_commander(db, agency, "+12025550190", now=clock.now())

    hooks.text(CALLER, CRISIS)

    alerted = gateway.sent[-1]
    with db.Session() as session:
        [kept] = session.scalars(select(Message).where(Message.purpose == "alert")).all()
    assert (kept.direction, kept.phone, kept.body) == ("outbound", "+12025550190", alerted["body"])
    assert (kept.status, kept.gateway, kept.sid) == ("queued", gateway.name, "SM" + "0" * 31 + "2")
    assert kept.conversation_id is None and kept.followup_id is None  # the commander's, not theirs


def test_an_alert_text_the_gateway_refused_is_not_kept_as_sent(
    api, hooks, sender, gateway, clock, db, agency, network
):
    checkin_sent(api, clock, sender, gateway)
    add_commander(db, agency, "+12025550190", now=clock.now())
    gateway.fail_next(PermanentGatewayError("not a mobile", code=21614))

    hooks.text(CALLER, CRISIS)

    with db.Session() as session:
        assert session.scalars(select(Message).where(Message.purpose == "alert")).all() == []
    [alert] = alerts(db)
    assert alert.status == "failed"


def test_a_crisis_reply_posts_a_signed_alert_with_no_phone_number_and_no_words(
    api, public_hooks, sender, gateway, clock, db, agency, alert_posts, network
):
    call_id = checkin_sent(api, clock, sender, gateway)
    update_agency(db, agency, alert_url=ALERT_URL, alert_secret=ALERT_SECRET)

    reply = twiml_reply(public_hooks.text(CALLER, CRISIS))

    assert reply == text("crisis_reply")
    [post] = alert_posts
    [callback] = callbacks(db)
    assert post["url"] == ALERT_URL
    assert post["timeout"] <= 10
    timestamp = post["headers"]["X-Followup-Timestamp"]
    assert timestamp == str(int(clock.now().timestamp()))
    signed = hmac.new(ALERT_SECRET.encode(), timestamp.encode() + b"." + post["data"], "sha256")
    assert post["headers"]["X-Followup-Signature"] == "sha256=" + signed.hexdigest()
    payload = json.loads(post["data"])
    assert payload == {
        "event": "callback.urgent",
        "agency": "default",
        "callback_id": callback.id,
        "priority": "urgent",
        "category": "crisis",
        "reasons": callback.reasons,
        "call_id": call_id,
        "due_by": callback.due_by.isoformat(),
        "url": f"{PUBLIC_URL}/callbacks/{callback.id}",
    }
    raw = post["data"].decode()
    assert CALLER not in raw and CALLER[2:] not in raw and "555-0101" not in raw
    assert "outside my house" not in raw
    [alert] = alerts(db)
    assert (alert.channel, alert.status, alert.target) == ("webhook", "sent", ALERT_URL)
    assert network == []


@pytest.mark.parametrize("checkin", ["after a Spanish check-in", "unsolicited"])
def test_a_spanish_crisis_gets_the_spanish_safety_text(
    api, hooks, sender, gateway, clock, db, checkin
):
    crisis = "está afuera de mi casa otra vez ahora mismo, tengo miedo"
    if checkin != "unsolicited":
        checkin_sent(api, clock, sender, gateway, language="es")

    reply = twiml_reply(hooks.text(CALLER, crisis))

    assert reply == text("crisis_reply", "es")
    assert "911" in reply and "988" in reply
    [callback] = callbacks(db)
    assert callback.priority == "urgent"


@pytest.mark.parametrize(
    "language, crisis",
    [
        ("ru", "Мой муж бьёт меня, помогите"),  # my husband is beating me, help
        ("vi", "Chồng tôi đang đánh tôi, xin giúp tôi"),  # the same
        ("ko", "살려주세요 남편이 저를 때려요"),  # help me, my husband is hitting me
        ("ar", "ساعدوني زوجي يضربني الآن"),  # help me, my husband is hitting me now
    ],
)
def test_danger_in_another_language_gets_the_safety_text_in_that_language(
    api, hooks, sender, gateway, clock, db, language, crisis
):
    checkin_sent(api, clock, sender, gateway)  # an English check-in: the agency writes English

    reply = twiml_reply(hooks.text(CALLER, crisis))

    assert reply == text("crisis_reply", language)
    assert "911" in reply and "988" in reply
    [message] = inbound(db)
    assert message.triage["interpreter_needed"] is True
    [callback] = callbacks(db)
    assert callback.priority == "urgent"


def test_stop_written_in_another_language_opts_out_and_confirms_in_that_language(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)

    reply = twiml_reply(hooks.text(CALLER, "Arrêtez de m'envoyer ces messages svp"))

    assert reply == text("opt_out_confirm", "fr")
    assert "START" in reply and "911" in reply
    [message] = inbound(db)
    assert (message.category, message.triage["opt_out"]) == ("opt_out", True)


# --- keywords: STOP, START, YES, HELP ----------------------------------------------------------


def test_stop_confirms_opts_the_number_out_and_cancels_its_scheduled_followup(
    api, hooks, sender, gateway, clock, db, agency
):
    update_agency(db, agency, frequency_cap_days=0)  # so a second call can be scheduled
    checkin_sent(api, clock, sender, gateway)
    second = call_event(caller_phone=CALLER, closed_at=clock.now().isoformat())
    scheduled = api.post_call(second).json["followup"]
    assert scheduled["status"] == "scheduled"

    reply = twiml_reply(hooks.text(CALLER, "STOP"))

    assert reply == text("opt_out_confirm")
    assert "START" in reply and "911" in reply
    assert opted_out(db) and contact(db).opt_out_source == "reply"
    followup = followup_for(db, second["call_id"])
    assert (followup.status, followup.reason) == ("cancelled", "opted_out")
    clock.set(datetime.fromisoformat(scheduled["send_at"]) + timedelta(hours=1))
    before = len(gateway.sent)
    sender.sweep()
    assert gateway.sent[before:] == []
    assert twiml_sent(db) == [reply]
    [message] = inbound(db)
    assert (message.category, message.triage["opt_out"]) == ("opt_out", True)


def test_a_second_stop_gets_no_second_confirmation(api, hooks, sender, gateway, clock, db):
    checkin_sent(api, clock, sender, gateway)

    first = twiml_reply(hooks.text(CALLER, "STOP"))
    second = twiml_reply(hooks.text(CALLER, "stop"))

    assert first == text("opt_out_confirm")
    assert second is None
    assert twiml_sent(db) == [first]
    assert opted_out(db)


@pytest.mark.parametrize(
    "body", ["5, thank you, officer Diaz was great", "nobody came, still waiting for someone",
             "HELP", "?"],
)
def test_an_opted_out_numbers_texts_are_kept_triaged_and_flagged_but_never_answered(
    api, hooks, sender, gateway, clock, db, body
):
    checkin_sent(api, clock, sender, gateway)
    hooks.text(CALLER, "STOP")

    response = hooks.text(CALLER, body)

    assert twiml_messages(response) == []
    stop, later = inbound(db)
    assert later.body == body
    assert later.triage is not None and later.category == later.triage["category"]
    assert later.reply_body is None
    assert opted_out(db)
    if later.triage["callback"]:
        [callback] = callbacks(db)
        assert callback.message_id == later.id
    assert twiml_sent(db) == [text("opt_out_confirm")]


@pytest.mark.parametrize("body", ["START", "unstop", "YES", "Yes", "Sí"])
def test_start_or_yes_after_an_opt_out_opts_back_in_with_a_confirmation(
    api, hooks, sender, gateway, clock, db, body
):
    checkin_sent(api, clock, sender, gateway)
    hooks.text(CALLER, "STOP")

    reply = twiml_reply(hooks.text(CALLER, body))

    assert reply in (text("opt_in_confirm"), text("opt_in_confirm", "es"))
    assert not opted_out(db)
    assert len(twiml_sent(db)) == 2
    clock.advance(minutes=1)
    assert twiml_reply(hooks.text(CALLER, "HELP")) is not None  # texts reach it again


@pytest.mark.parametrize("body", ["HELP", "info"])
def test_help_gets_the_help_text_with_911(api, hooks, sender, gateway, clock, db, body):
    checkin_sent(api, clock, sender, gateway)

    reply = twiml_reply(hooks.text(CALLER, body))

    assert reply == text("help")
    assert "911" in reply and "STOP" in reply
    assert not opted_out(db)
    [message] = inbound(db)
    assert message.category == "help"
    assert conversation(db, message).step == "awaiting_rating"  # the check-in is still open


def test_with_advanced_opt_out_twilio_answers_stop_but_the_number_is_still_opted_out(
    api, hooks, sender, gateway, clock, db, agency
):
    update_agency(db, agency, advanced_opt_out=True)
    checkin_sent(api, clock, sender, gateway)

    stop = hooks.text(CALLER, "STOP")
    assert twiml_messages(stop) == []
    assert opted_out(db)

    start = hooks.text(CALLER, "START")
    assert twiml_messages(start) == []
    assert not opted_out(db)
    assert twiml_sent(db) == []


# --- Twilio retries ------------------------------------------------------------------------------


def test_a_replayed_crisis_is_kept_once_flagged_once_alerted_once_and_answered_the_same(
    api, hooks, sender, gateway, clock, db, agency, alert_posts
):
    checkin_sent(api, clock, sender, gateway)
    add_commander(db, agency, "+12025550190", now=clock.now())
    update_agency(db, agency, alert_url=ALERT_URL, alert_secret=ALERT_SECRET)
    form = inbound_form(CALLER, CRISIS)
    before = len(gateway.sent)

    first = hooks.post(SMS_PATH, form)
    clock.advance(seconds=15)  # Twilio retries after its own timeout
    second = hooks.post(SMS_PATH, form)

    assert twiml_reply(first) == text("crisis_reply")
    assert second.get_data() == first.get_data()
    assert len(inbound(db)) == 1
    assert len(callbacks(db)) == 1
    assert [sent["to"] for sent in gateway.sent[before:]] == ["+12025550190"]
    assert len(alert_posts) == 1
    assert sorted((a.channel, a.status) for a in alerts(db)) == [
        ("sms", "sent"), ("webhook", "sent"),
    ]
    assert twiml_sent(db) == [text("crisis_reply")]


def test_a_replayed_reply_does_not_move_the_conversation_on_twice(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)
    form = inbound_form(CALLER, "5, thank you, officer Diaz was great")

    first = hooks.post(SMS_PATH, form)
    second = hooks.post(SMS_PATH, form)

    assert twiml_reply(first) == twiml_reply(second) == text("ask_comment")
    [message] = inbound(db)
    thread = conversation(db, message)
    assert (thread.step, thread.auto_texts) == ("awaiting_comment", 2)
    assert twiml_sent(db) == [text("ask_comment")]


# --- signatures ----------------------------------------------------------------------------------


def _forged(hooks, form):
    return {
        "no signature": dict(unsigned=True),
        "a wrong signature": dict(signature=hooks.sign(hooks.url(SMS_PATH), form, "not-the-key")),
        "a signature for another URL": dict(
            signed_url="https://elsewhere.example.net/webhooks/twilio/sms"
        ),
        "a tampered body": dict(signed_form=form | {"Body": "5, thank you"}),
    }


@pytest.mark.parametrize(
    "forgery",
    ["no signature", "a wrong signature", "a signature for another URL", "a tampered body"],
)
def test_a_text_with_a_bad_signature_is_refused_and_changes_nothing(
    api, hooks, sender, gateway, clock, db, forgery
):
    checkin_sent(api, clock, sender, gateway)
    form = inbound_form(CALLER, "STOP")

    response = hooks.post(SMS_PATH, form, **_forged(hooks, form)[forgery])

    assert response.status_code == 403
    assert inbound(db) == []
    assert not opted_out(db)
    assert twiml_sent(db) == []


def test_behind_a_proxy_only_a_signature_for_the_public_url_is_accepted(
    api, public_hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)
    form = inbound_form(CALLER, "5, thank you, officer Diaz was great")

    as_seen_inside = public_hooks.post(
        SMS_PATH, form, signed_url="http://localhost/webhooks/twilio/sms"
    )
    assert as_seen_inside.status_code == 403
    assert inbound(db) == []

    as_twilio_called = public_hooks.post(SMS_PATH, form)
    assert twiml_reply(as_twilio_called) == text("ask_comment")
    assert len(inbound(db)) == 1


# --- texts that answer no check-in ---------------------------------------------------------------


def test_a_text_from_a_number_never_texted_is_kept_as_unsolicited_triaged_and_flagged(
    hooks, db, clock
):
    stranger = "+12025550150"

    response = hooks.text(stranger, "The officer shoved me and threatened to arrest me for nothing")

    assert twiml_messages(response) == []
    [message] = inbound(db, stranger)
    assert message.category == "conduct"
    thread = conversation(db, message)
    assert (thread.followup_id, thread.step) == (None, "closed")
    [callback] = callbacks(db)
    assert (callback.priority, callback.conversation_id) == ("high", thread.id)
    assert callback.due_by == clock.now() + timedelta(hours=4)
    assert twiml_sent(db, stranger) == []


def test_a_friendly_unsolicited_text_is_kept_but_not_flagged(hooks, db):
    response = hooks.text("+12025550151", "Thanks")

    assert twiml_messages(response) == []
    [message] = inbound(db, "+12025550151")
    assert message.category == "positive"
    assert callbacks(db) == []


def test_a_reply_after_the_reply_window_is_kept_as_unsolicited_and_not_answered(
    api, hooks, sender, gateway, clock, db, agency
):
    call_id = checkin_sent(api, clock, sender, gateway)
    clock.advance(hours=agency.reply_window_hours + 1)

    response = hooks.text(CALLER, "nobody came, still waiting for someone")

    assert twiml_messages(response) == []
    [message] = inbound(db)
    thread = conversation(db, message)
    assert thread.followup_id is None
    assert thread.followup_id != followup_for(db, call_id).id
    [callback] = callbacks(db)
    assert (callback.category, callback.conversation_id) == ("unresolved", thread.id)
    assert twiml_sent(db) == []


def test_a_reply_just_inside_the_reply_window_joins_its_checkin(
    api, hooks, sender, gateway, clock, db, agency
):
    call_id = checkin_sent(api, clock, sender, gateway)
    clock.advance(hours=agency.reply_window_hours - 1)

    reply = twiml_reply(hooks.text(CALLER, "5, thank you, officer Diaz was great"))

    assert reply == text("ask_comment")
    [message] = inbound(db)
    assert conversation(db, message).followup_id == followup_for(db, call_id).id


@pytest.mark.parametrize(
    "body, purpose",
    [(CRISIS, "crisis_reply"), ("HELP", "help"), ("STOP", "opt_out_confirm")],
    ids=["crisis", "help", "stop"],
)
def test_an_unknown_sender_in_danger_or_using_a_keyword_is_still_answered(hooks, db, body, purpose):
    stranger = "+12025550152"

    reply = twiml_reply(hooks.text(stranger, body))

    assert reply == text(purpose)
    assert len(inbound(db, stranger)) == 1
    assert twiml_sent(db, stranger) == [reply]


# --- whatever a phone sends ----------------------------------------------------------------------

LONG = ("Someone keeps trying the car doors on our street every night around 2am. " * 25)[:1600]
UNUSUAL_BODIES = {
    "empty": ("", 1),
    "1,600 characters": (LONG, 11),
    "emoji only": ("👍🏽🙏", 1),
    "emoji joined": ("👨\u200d👩\u200d👧\u200d👦❤️", 1),
    "Chinese": ("我的车被偷了，还没有人联系我", 1),
    "Arabic": ("لم يأت أحد حتى الآن، ما زلت أنتظر", 1),
    "Vietnamese": ("Cảm ơn các anh cảnh sát rất nhiều", 1),
    "decomposed accents": ("Gracias al oficial Nu\u0303n\u0303ez, 5", 1),
    "lines and spaces": ("  first line\r\nsecond line\n\n\tlast  ", 1),
}


@pytest.mark.parametrize("case", list(UNUSUAL_BODIES))
def test_any_body_is_stored_unchanged_and_answered_with_valid_twiml(
    api, hooks, sender, gateway, clock, db, case
):
    body, segments = UNUSUAL_BODIES[case]
    checkin_sent(api, clock, sender, gateway)

    response = hooks.text(CALLER, body, segments=segments)

    assert len(twiml_messages(response)) <= 1  # 200, well-formed TwiML, at most one reply
    [message] = inbound(db)
    assert message.body.encode("utf-8") == body.encode("utf-8")
    assert message.segments == segments
    assert message.triage["category"] == message.category
    assert message.triage["reasons"]


@pytest.mark.parametrize("case, language", [("Chinese", "zh"), ("Arabic", "ar")])
def test_a_reply_in_another_language_is_read_and_a_person_calls_back_with_an_interpreter(
    api, hooks, sender, gateway, clock, db, case, language
):
    body, _ = UNUSUAL_BODIES[case]  # "nobody has contacted me yet", "still waiting"
    checkin_sent(api, clock, sender, gateway)

    response = hooks.text(CALLER, body)

    # No English question to a caller who wrote Chinese: the agency's text in the caller's
    # language when it has one for what the reply says, or nothing.
    assert all(triage(text).language == language for text in twiml_messages(response))
    [message] = inbound(db)
    assert message.triage["language"] == language
    assert message.triage["interpreter_needed"] is True
    [callback] = callbacks(db)
    assert callback.message_id == message.id
    assert f"written in {case}: interpreter needed" in callback.reasons


def test_thanks_in_another_language_gets_no_text_in_a_language_the_caller_did_not_write(
    api, hooks, sender, gateway, clock, db
):
    body, _ = UNUSUAL_BODIES["Vietnamese"]  # thank you very much, officers
    checkin_sent(api, clock, sender, gateway)

    response = hooks.text(CALLER, body)

    # Read as thanks, it is answered with the agency's thanks in Vietnamese, never in English.
    answers = twiml_messages(response)
    assert all(triage(text).language == "vi" for text in answers)
    assert not any("Thank" in text for text in answers)
    [message] = inbound(db)
    assert (message.triage["language"], message.triage["language_name"]) == ("vi", "Vietnamese")


def test_a_reply_in_a_language_the_service_cannot_read_gets_a_callback(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway)

    response = hooks.text(CALLER, "Niemand hat mich bisher zurückgerufen, ich warte noch immer")

    assert twiml_messages(response) == []
    [message] = inbound(db)
    assert (message.category, message.triage["language"]) == ("other", "de")
    [callback] = callbacks(db)
    assert (callback.priority, callback.category, callback.message_id) == (
        "normal", "other", message.id,
    )
    assert any("German" in reason for reason in callback.reasons)


def test_mms_media_urls_are_stored_and_never_fetched(
    api, hooks, sender, gateway, clock, db, network
):
    checkin_sent(api, clock, sender, gateway)
    base = "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages/MM0456/Media"
    media = ((f"{base}/ME01", "image/jpeg"), (f"{base}/ME02", "video/mp4"))

    response = hooks.text(CALLER, "This is what they did to my car", media=media)

    assert response.status_code == 200
    twiml_messages(response)
    [message] = inbound(db)
    assert message.media_urls == [f"{base}/ME01", f"{base}/ME02"]
    assert message.sid.startswith("MM")
    assert network == []  # nothing fetched the pictures


# --- the opt-out rule, on every path -----------------------------------------------------------


def test_no_outbound_text_reaches_an_opted_out_number_along_any_path(
    api, hooks, services, sender, gateway, clock, db, agency, network
):
    commander, colleague = "+12025550161", "+12025550162"
    update_agency(db, agency, frequency_cap_days=0)
    add_commander(db, agency, commander, now=clock.now())
    add_commander(db, agency, colleague, now=clock.now())
    checkin_sent(api, clock, sender, gateway)
    waiting = call_event(caller_phone=CALLER, closed_at=clock.now().isoformat())
    assert api.post_call(waiting).json["followup"]["status"] == "scheduled"
    # The caller and one commander opt out; each gets its single confirmation.
    assert twiml_reply(hooks.text(CALLER, "STOP")) == text("opt_out_confirm")
    assert twiml_reply(hooks.text(commander, "STOP")) == text("opt_out_confirm")
    before = len(gateway.sent)
    answers = []

    # 1. The sender: the follow-up that was scheduled, and one for a new call.
    newer = call_event(caller_phone=CALLER, closed_at=clock.now().isoformat())
    assert api.post_call(newer).json["followup"]["reason"] == "opted_out"
    clock.advance(hours=6)
    sender.sweep()
    # 2. A reply the open check-in would otherwise answer.
    answers += twiml_messages(hooks.text(CALLER, "5, thank you, officer Diaz was great"))
    # 3. Danger: the safety text, and the alerts to commanders (one of them opted out).
    answers += twiml_messages(hooks.text(CALLER, CRISIS))
    # 4. Anything that calls the gateway directly.
    for number in (CALLER, commander):
        with pytest.raises(PermanentGatewayError) as refused:
            services.gateway.send(agency.id, number, "hello")
        assert refused.value.code == 21610

    assert answers == []
    sent_to = [sent["to"] for sent in gateway.sent[before:]]
    assert sent_to == [colleague]  # only the alert to the commander still opted in
    assert [sent["to"] for sent in gateway.sent].count(CALLER) == 1  # the check-in, before STOP
    assert commander not in [sent["to"] for sent in gateway.sent]
    assert twiml_sent(db, CALLER) == [text("opt_out_confirm")]
    assert twiml_sent(db, commander) == [text("opt_out_confirm")]
    assert followup_for(db, waiting["call_id"]).status == "cancelled"
    by_target = {a.target: a for a in alerts(db)}
    with db.Session() as session:
        ids = dict(session.execute(select(RosterMember.phone, RosterMember.id)).all())
    assert by_target[str(ids[commander])].status == "failed"
    assert by_target[str(ids[commander])].detail == "not delivered: this number opted out of texts"
    assert by_target[str(ids[colleague])].status == "sent"
    assert len(inbound(db)) == 3  # STOP, the rating, the crisis: all kept
    assert network == []
