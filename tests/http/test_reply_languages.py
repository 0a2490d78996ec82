"""The conversation answers a caller in the language they wrote (issue 19): the texts the service
sends in answer to a reply (the question's acknowledgement, the invitation to comment, "what
could we have done better?", the closing thanks) ship in every language the safety and STOP/HELP
texts ship in, and a caller who writes in one of them is answered in it, never in another.

Replies go through the signed Twilio webhook; the answer is read from the TwiML, as Twilio does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from followup.models import Conversation, Message, MessageTemplate
from followup.replies.triage.language import READ_BY_MODEL
from followup.texts.message_templates import PLACEHOLDERS, default_bodies, render_body
from tests.support.factories import checkin_sent
from tests.support.twilio_requests import TwilioWebhooks, twiml_messages, twiml_reply

CALLER = "+12025550161"
SMS = Path(__file__).parents[2] / "templates" / "sms"
# Sent automatically in answer to a caller's reply (safety.ALWAYS_ANSWERED aside).
CONVERSATION_TEXTS = ("question_ack", "ask_comment", "ask_more", "thanks")
VIETNAMESE_QUESTION = "Làm sao để tôi lấy bản báo cáo?"  # how do I get the report?


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


def text(purpose: str, language: str) -> str:
    context = dict.fromkeys(PLACEHOLDERS, "") | {"agency_name": "Westlake Police"}
    return render_body(default_bodies()[(purpose, language)], context)


def conversation_of(db) -> Conversation:
    with db.Session() as session:
        return session.scalar(select(Conversation).where(Conversation.phone == CALLER))


def test_every_language_with_safety_texts_has_the_conversation_texts_too():
    shipped = {path.name for path in SMS.iterdir() if (path / "crisis_reply.txt").is_file()}
    assert shipped == {"en", "es", *READ_BY_MODEL}
    bodies = default_bodies()
    for language in shipped:
        for purpose in CONVERSATION_TEXTS:
            body = bodies[(purpose, language)]
            translated = language == "en" or body != bodies[(purpose, "en")]
            assert body.strip() and translated, (purpose, language)


def test_a_question_in_vietnamese_gets_the_vietnamese_acknowledgement(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway, CALLER)

    reply = twiml_reply(hooks.text(CALLER, VIETNAMESE_QUESTION))

    assert reply == text("question_ack", "vi")
    assert reply.startswith("Cảm ơn câu hỏi của quý vị. Một giám sát viên sẽ đọc")
    with db.Session() as session:
        answer = session.scalars(
            select(Message).where(Message.direction == "outbound").order_by(Message.id.desc())
        ).first()
    assert (answer.purpose, answer.body) == ("question_ack", reply)
    assert conversation_of(db).step == "awaiting_comment"


def test_a_french_caller_is_invited_to_comment_and_thanked_in_french(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway, CALLER)

    first = twiml_reply(hooks.text(CALLER, "Merci beaucoup pour votre aide, très professionnel"))
    second = twiml_reply(hooks.text(CALLER, "Quel est mon numéro de dossier ? J'en ai besoin."))

    assert first == text("ask_comment", "fr")
    assert second == "Merci. Vos commentaires ont été transmis à Westlake Police."
    assert conversation_of(db).step == "closed"


def test_a_question_in_a_language_with_no_texts_gets_no_answer_and_a_person_reads_it(
    api, hooks, sender, gateway, clock, db
):
    checkin_sent(api, clock, sender, gateway, CALLER)

    response = hooks.text(CALLER, "Wie bekomme ich den Bericht? Ich brauche die Fallnummer.")

    assert twiml_messages(response) == []  # German: no text ships in it, so nothing in English
    assert conversation_of(db).step == "awaiting_rating"


def test_an_agency_without_the_vietnamese_text_answers_nothing_rather_than_english(
    api, hooks, sender, gateway, clock, db
):
    with db.begin() as session:
        session.execute(
            delete(MessageTemplate).where(
                MessageTemplate.purpose == "question_ack", MessageTemplate.language == "vi"
            )
        )
    checkin_sent(api, clock, sender, gateway, CALLER)

    response = hooks.text(CALLER, VIETNAMESE_QUESTION)

    assert twiml_messages(response) == []
    assert conversation_of(db).step == "awaiting_rating"  # waits for a person
