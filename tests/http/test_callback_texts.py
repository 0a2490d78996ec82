"""The callback page shows every text of the call in order (issue 20): the confirmation, the
delay text, the check-in, case updates, the commander's texts and the caller's replies, each with
what it was for, its status and the agency's local time with its zone; and a text the service
planned but did not send, with why.

The test clock starts on Monday 2026-11-23 10:00 in New York (EST)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from followup.models import Agency, Callback, Message
from tests.support.factories import call_event
from tests.support.twilio_requests import TwilioWebhooks
from tests.support.web import make_user, post_form, sign_in, token

CALLER = "+12025550177"


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


def stage(api, call_id: str, status: str, at: datetime, **fields):
    """Post ``status`` for the call, at ``at`` (its time field), as the CAD would."""
    field = {"received": "received_at", "dispatched": "dispatched_at", "closed": "closed_at"}
    event = call_event(call_id=call_id, status=status, caller_phone=CALLER, closed_at=...)
    response = api.post_call(event | {field[status]: at.isoformat()} | fields)
    assert response.status_code == 202, response.json
    return response


def callback_for(db, body: str) -> int:
    with db.Session() as session:
        return session.scalar(
            select(Callback.id)
            .join(Message, Callback.message_id == Message.id)
            .where(Message.body == body)
        )


def texts_on_page(page: str) -> tuple[list[str], str]:
    """The page's texts, as (what each is, in order) and the thread's HTML."""
    thread = page[page.index('class="thread"') : page.index('id="hist-h"')]
    return re.findall(r'data-text="([^"]+)"', thread), thread


def in_order(wanted: list[str], found: list[str]) -> bool:
    """Whether ``wanted`` appears in ``found`` in that order (other texts may come between:
    the automatic replies the conversation sends)."""
    rest = iter(found)
    return all(item in rest for item in wanted)


def test_every_text_of_the_call_is_listed_in_order_with_purpose_status_and_local_time(
    client, api, db, sender, clock, agency, hooks
):
    with db.begin() as session:
        session.get(Agency, agency.id).case_update_texts = True
    start = clock.now()
    stage(api, "26-400", "received", start - timedelta(minutes=2))
    sender.sweep()  # the confirmation, 10:00
    clock.advance(minutes=31)
    sender.sweep()  # no unit after 30 minutes: the delay text, 10:31
    clock.advance(minutes=4)
    hooks.text(CALLER, "ok thank you")  # 10:35, to the delay text
    clock.advance(minutes=15)
    stage(api, "26-400", "dispatched", clock.now())  # 10:50
    clock.advance(minutes=40)
    closed = stage(api, "26-400", "closed", clock.now())  # 11:30
    clock.set(datetime.fromisoformat(closed.json["followup"]["send_at"]))
    sender.sweep()  # the check-in
    clock.advance(minutes=5)
    hooks.text(CALLER, "nobody ever came")
    clock.advance(minutes=5)
    update = {
        "update_id": "U1",
        "event": "detective_assigned",
        "occurred_at": clock.now().isoformat(),
        "victim_notify": True,
        "detail": {"detective_name": "Dana Park"},
    }
    posted = client.post(
        "/api/v1/calls/26-400/updates",
        json=update,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert posted.status_code == 202
    sender.sweep()
    callback_id = callback_for(db, "nobody ever came")
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    clock.advance(minutes=5)
    confirm = post_form(
        client, f"/callbacks/{callback_id}/text", purpose="staff_reply_followed_up"
    ).get_data(as_text=True)
    client.post(
        f"/callbacks/{callback_id}/text",
        data={
            "csrf_token": token(confirm),
            "purpose": "staff_reply_followed_up",
            "confirmed": "yes",
        },
    )

    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)

    found, thread = texts_on_page(page)
    assert in_order(
        [
            "confirmation",
            "delay",
            "reply",
            "checkin",
            "reply",
            "update_detective_assigned",
            "staff_reply_followed_up",
        ],
        found,
    ), found
    for words in (
        "Confirmation",
        "Delay text",
        "Check-in",
        "Case update: detective assigned",
        "Staff text: followed up",
        "Reply",
    ):
        assert f"<strong data-text-purpose>{words}</strong>" in thread
    assert re.search(r"Confirmation</strong> · <span data-text-time>Nov 23 10:00 EST", thread)
    assert re.search(r"Delay text</strong> · <span data-text-time>Nov 23 10:31 EST", thread)
    assert "case 26-400" in thread  # the confirmation's own words
    assert "Dana Park" in thread  # the case update's
    statuses = re.findall(r"<span data-text-status>(\w+)</span>", thread)
    assert statuses and set(statuses) <= {"sent", "queued", "delivered"}
    assert " UTC" not in thread


def test_a_text_planned_but_not_sent_is_listed_with_why(client, api, db, sender, clock, hooks):
    start = clock.now()
    stage(api, "26-401", "received", start - timedelta(minutes=2))
    sender.sweep()
    clock.advance(minutes=10)
    stage(api, "26-401", "dispatched", clock.now())  # in time: no delay text
    clock.advance(minutes=30)
    closed = stage(api, "26-401", "closed", clock.now())
    clock.set(datetime.fromisoformat(closed.json["followup"]["send_at"]))
    sender.sweep()
    hooks.text(CALLER, "nobody ever came")
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    page = client.get(f"/callbacks/{callback_for(db, 'nobody ever came')}").get_data(as_text=True)

    found, thread = texts_on_page(page)
    assert in_order(["confirmation", "delay", "checkin", "reply"], found), found
    assert re.search(
        r'data-text="delay">\s*<small><strong data-text-purpose>Delay text</strong> · '
        r"<span data-text-time>Nov 23 10:10 EST</span> ·\s*"
        r"<span data-text-status>cancelled: A unit was dispatched in time</span>",
        thread,
    ), thread
