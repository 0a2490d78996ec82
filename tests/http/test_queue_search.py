"""The queue as a commander works it (issue 19): search by incident number, reply words or the
number's last four digits; sort by due, received or priority; a page at a time with "showing
1-50 of N" and next/previous (never a silent stop); each row says its incident number, when
the reply came in, and its language, with "interpreter needed" outside English and Spanish."""

from __future__ import annotations

import re
from datetime import timedelta

from followup.models import (
    Callback,
    CallbackPriority,
    CallbackStatus,
    Category,
    Conversation,
    ConversationStep,
    Message,
    MessageDirection,
    MessageStatus,
)
from tests.support.web import flagged_reply, make_user, sign_in


def seed_unsolicited(db, agency_id: int, now, count: int, **message) -> list[int]:
    """``count`` open callbacks on unsolicited replies, straight into the database (the
    webhook path is tested elsewhere; here only the queue's reading of them matters)."""
    ids = []
    with db.Session() as session:
        for n in range(count):
            phone = f"+1202555{(100 + n) % 200:04d}"[:12]
            at = now - timedelta(minutes=count - n)
            conversation = Conversation(
                agency_id=agency_id,
                phone=phone,
                language="en",
                opened_at=at,
                step=ConversationStep.CLOSED,
                last_inbound_at=at,
            )
            session.add(conversation)
            session.flush()
            reply = Message(
                agency_id=agency_id,
                direction=MessageDirection.INBOUND,
                phone=phone,
                body=message.get("body", f"still waiting number {n}"),
                status=MessageStatus.RECEIVED,
                gateway="twilio",
                conversation_id=conversation.id,
                category=Category.UNRESOLVED,
                triage=message.get("triage", {"language": "en"}),
                created_at=at,
                updated_at=at,
            )
            session.add(reply)
            session.flush()
            callback = Callback(
                agency_id=agency_id,
                conversation_id=conversation.id,
                message_id=reply.id,
                category=Category.UNRESOLVED,
                priority=message.get("priority", CallbackPriority.NORMAL),
                status=CallbackStatus.OPEN,
                due_by=at + timedelta(hours=24),
                reasons=["seeded"],
                created_at=at,
                updated_at=at,
            )
            session.add(callback)
            session.flush()
            ids.append(callback.id)
        session.commit()
    return ids


def row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr[^>]* id="callback-(\d+)"', page)]


def test_search_finds_by_incident_number_reply_words_and_last_four_digits(
    client, db, clock, api, sender, agency
):
    door = flagged_reply(client, api, sender, clock, "nobody ever came to the door", "+12025550188")
    late = flagged_reply(client, api, sender, clock, "still waiting for the report", "+12025550171")
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    def found(query: str) -> list[int]:
        return row_ids(client.get("/callbacks", query_string={"q": query}).get_data(as_text=True))

    assert found("W-0188") == [door]  # the incident number flagged_reply gives the call
    assert found("ever came") == [door]
    assert found("REPORT") == [late]
    assert found("0171") == [late]  # the number's last four digits
    assert found("100%_") == []  # wildcards are literal
    assert found("zzz unknown") == []
    page = client.get("/callbacks?q=0171").get_data(as_text=True)
    assert 'value="0171"' in page and "Showing 1-1 of 1" in page


def test_rows_say_incident_received_time_and_language_with_interpreter_needed(
    client, db, clock, api, sender, agency
):
    door = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550189")
    haitian = {"language": "ht", "language_name": "Haitian Creole", "interpreter_needed": True}
    new, old = seed_unsolicited(db, agency.id, clock.now(), 2, triage=haitian)
    with db.Session() as session:  # a reply triaged before the names were stored
        session.get(Message, session.get(Callback, old).message_id).triage = {"language": "vi"}
        session.commit()
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    page = client.get("/callbacks").get_data(as_text=True)

    def row(callback_id: int) -> str:
        start = page.index(f'id="callback-{callback_id}"')
        return page[start : page.index("</tr>", start)]

    assert "W-0189" in row(door)
    assert re.search(r"received <time[^>]*>\w{3} \d\d \d\d:\d\d ES?T</time>", row(door))
    assert "interpreter needed" not in row(door)
    assert "Haitian Creole" in row(new) and "interpreter needed" in row(new)
    assert "Vietnamese" in row(old) and "interpreter needed" in row(old)


def test_sorting_by_received_priority_and_due_and_a_bad_key_is_the_default(
    client, db, clock, agency
):
    normal = seed_unsolicited(db, agency.id, clock.now() - timedelta(hours=2), 2)
    high = seed_unsolicited(db, agency.id, clock.now(), 1, priority=CallbackPriority.HIGH)
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    def order(sort: str) -> list[int]:
        page = client.get("/callbacks", query_string={"sort": sort})
        assert page.status_code == 200
        return row_ids(page.get_data(as_text=True))

    assert order("due") == [*normal, *high]
    assert order("received") == [*high, *reversed(normal)]
    assert order("priority") == [*high, *normal]
    assert order("nonsense';--") == order("due")


def test_pages_of_fifty_say_what_they_show_and_a_bad_page_is_the_first(client, db, clock, agency):
    ids = seed_unsolicited(db, agency.id, clock.now(), 120)
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    first = client.get("/callbacks").get_data(as_text=True)
    third = client.get("/callbacks?page=3").get_data(as_text=True)
    live = client.get("/callbacks/rows?page=2").get_data(as_text=True)

    assert "Showing 1-50 of 120" in first and row_ids(first) == ids[:50]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "Showing 101-120 of 120" in third and row_ids(third) == ids[100:]
    assert 'rel="prev"' in third and 'rel="next"' not in third
    assert "Showing 51-100 of 120" in live and row_ids(live) == ids[50:100]
    for bad in ("0", "-1", "abc", "9999999999999", "4", "1e3"):
        page = client.get("/callbacks", query_string={"page": bad})
        assert page.status_code == 200
        assert "Showing 1-50 of 120" in page.get_data(as_text=True), bad
