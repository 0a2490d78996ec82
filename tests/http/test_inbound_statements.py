"""What one reply costs the database: a few statements in one transaction (issue 23).

Counted as the database driver sees them (every statement SQLAlchemy sends, ``BEGIN IMMEDIATE``
on SQLite included), for replies through Twilio's signed webhook with its idempotency token,
as Twilio sends them. A change that adds a query per reply fails here before it shows in
``make bench``.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from followup.models import Callback, Commendation, Message
from tests.http.test_inbound_sms import checkin_sent
from tests.support.twilio_requests import TwilioWebhooks, inbound_form, twiml_reply

CALLER = "+12025550101"
MAX_STATEMENTS = 8


@contextmanager
def counted(db):
    """Count the statements sent and the transactions committed while the block runs."""
    seen = {"statements": [], "commits": 0}

    def statement(_conn, _cursor, sql, *_args):
        seen["statements"].append(sql.split("\n")[0][:80])

    def commit(_conn):
        seen["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


def reply(client, services, body: str, token: str):
    hooks = TwilioWebhooks.for_services(client, services)
    form = inbound_form(CALLER, body)
    signature = hooks.sign(hooks.url("/webhooks/twilio/sms"), form)
    return client.post("/webhooks/twilio/sms", data=form, headers={
        "X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": token,
    })


@pytest.mark.parametrize(
    "body, flagged",
    [("5 thank you", False), ("1 nobody ever came", True)],
    ids=["rating", "complaint"],
)
def test_a_first_reply_to_a_check_in_is_one_transaction_of_a_few_statements(
    api, client, services, db, clock, sender, gateway, body, flagged
):
    checkin_sent(api, clock, sender, gateway, phone=CALLER)

    with counted(db) as seen:
        answer = reply(client, services, body, token="token-first-reply")

    assert twiml_reply(answer) is not None  # answered, with a question
    assert len(seen["statements"]) <= MAX_STATEMENTS, seen["statements"]
    assert seen["commits"] == 1
    with db.Session() as session:
        stored = session.scalars(select(Message).where(Message.direction == "inbound")).all()
        callbacks = session.scalars(select(Callback)).all()
    assert [m.body for m in stored] == [body]
    assert len(callbacks) == (1 if flagged else 0)


def test_praise_naming_the_calls_officer_costs_one_insert_more(
    api, client, services, db, clock, sender, gateway
):
    checkin_sent(api, clock, sender, gateway, phone=CALLER, officer_name="Maria Diaz",
                 officer_id="4471", unit="2A14")

    with counted(db) as seen:
        answer = reply(client, services, "5, officer Diaz and 2A14 were great", token="praise")

    assert twiml_reply(answer) is not None
    assert len(seen["statements"]) <= MAX_STATEMENTS + 1, seen["statements"]
    assert seen["commits"] == 1
    with db.Session() as session:
        kept = session.scalars(select(Commendation).order_by(Commendation.role)).all()
        text = session.scalars(select(Message).where(Message.direction == "inbound")).one()
    assert [(c.role, c.named, c.officer_id) for c in kept] == [
        ("officer", "officer Diaz", "4471"), ("unit", "2A14", "4471"),
    ]
    assert text.commendation == "officer Diaz, 2A14"


def test_a_later_reply_that_raises_a_callback_stays_within_the_bound(
    api, client, services, db, clock, sender, gateway
):
    checkin_sent(api, clock, sender, gateway, phone=CALLER)
    reply(client, services, "2", token="token-rating")

    with counted(db) as seen:
        answer = reply(client, services, "the officer called me a slur", token="token-comment")

    assert twiml_reply(answer) is not None  # thanks: the conversation closes
    assert len(seen["statements"]) <= MAX_STATEMENTS, seen["statements"]
    assert seen["commits"] == 1
    with db.Session() as session:
        callback = session.scalars(select(Callback)).one()
    assert (callback.priority, callback.category) == ("high", "conduct")


def test_a_retried_delivery_reads_and_changes_nothing(
    api, client, services, db, clock, sender, gateway
):
    checkin_sent(api, clock, sender, gateway, phone=CALLER)
    hooks = TwilioWebhooks.for_services(client, services)
    form = inbound_form(CALLER, "5 thank you")
    first = hooks.post("/webhooks/twilio/sms", form)

    with counted(db) as seen:
        again = hooks.post("/webhooks/twilio/sms", form)

    assert twiml_reply(again) == twiml_reply(first)
    assert not [sql for sql in seen["statements"] if sql.startswith(("INSERT", "UPDATE"))]
