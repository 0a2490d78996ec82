"""A caller's question is answered as a question (issue 19): the conversation acknowledges that a
person will answer (not "What could we have done better?"), the callback is in the queue, and
the commander has an approved text that carries the case number."""

from __future__ import annotations

from sqlalchemy import select

from followup.models import Callback, Message, MessageTemplate
from tests.support.web import flagged_reply, make_user, sign_in, token

CALLER = "+12025550177"
QUESTION = "what is my report number? I need it for my insurance"


def outbound(db) -> list[Message]:
    with db.Session() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.phone == CALLER, Message.direction == "outbound")
                .order_by(Message.id)
            )
        )


def test_a_question_gets_an_acknowledgement_and_a_case_number_text_to_send(
    client, db, clock, api, sender, gateway
):
    callback_id = flagged_reply(client, api, sender, clock, QUESTION, CALLER)

    with db.Session() as session:
        callback = session.get(Callback, callback_id)
        assert callback.category == "question"
    answer = outbound(db)[-1]
    assert answer.purpose == "question_ack"
    assert "A supervisor will read it and answer you" in answer.body
    assert "done better" not in answer.body

    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert "The case number for your call is W-0177." in page  # flagged_reply's incident
    confirm = client.post(
        f"/callbacks/{callback_id}/text",
        data={"csrf_token": token(page), "purpose": "staff_reply_case_number"},
    ).get_data(as_text=True)
    client.post(
        f"/callbacks/{callback_id}/text",
        data={
            "csrf_token": token(confirm),
            "purpose": "staff_reply_case_number",
            "confirmed": "yes",
        },
    )
    sent = [s["body"] for s in gateway.sent if s["to"] == CALLER]
    assert "The case number for your call is W-0177." in sent[-1]


def test_an_agency_without_the_acknowledgement_text_still_answers(client, db, clock, api, sender):
    with db.Session() as session:
        for row in session.scalars(
            select(MessageTemplate).where(MessageTemplate.purpose == "question_ack")
        ):
            session.delete(row)
        session.commit()

    flagged_reply(client, api, sender, clock, QUESTION, CALLER)

    answer = outbound(db)[-1]
    assert answer.purpose == "ask_more"  # the text it had before
