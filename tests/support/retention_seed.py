"""Rows for the ops and purge tests: a check-in, its text, a reply, a callback (fictional)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import insert

from followup.models import (
    Call,
    Callback,
    CallbackPriority,
    CallbackStatus,
    CallStatus,
    Conversation,
    ConversationStep,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    MessageStatus,
)

_ids = itertools.count(1)


def checkin(
    session,
    agency_id: int,
    at: datetime,
    phone: str,
    *,
    reply: str | None = "Thanks, the officer was kind",
    category: str = "positive",
    rating: int | None = 5,
    callback: CallbackStatus | None = None,
    priority: CallbackPriority = CallbackPriority.NORMAL,
    due_by: datetime | None = None,
    followup_status: FollowUpStatus = FollowUpStatus.SENT,
    message_status: MessageStatus = MessageStatus.DELIVERED,
    error_code: int | None = None,
    send_at: datetime | None = None,
) -> dict:
    """Add a closed call with its check-in at ``at``; return the ids made."""
    n = next(_ids)
    call = Call(
        agency_id=agency_id,
        external_id=f"R-{n:05d}",
        status=CallStatus.CLOSED,
        call_type="THEFT",
        closed_at=at,
        caller_phone=phone,
        caller_name="Alex Rivera",
        fingerprint=f"{n:064d}",
        received_at=at,
        updated_at=at,
    )
    session.add(call)
    session.flush()
    followup = FollowUp(
        agency_id=agency_id,
        call_id=call.id,
        phone=phone,
        language="en",
        status=followup_status,
        send_at=send_at or at,
        error_code=error_code,
        sent_at=at if followup_status == FollowUpStatus.SENT else None,
        created_at=at,
        updated_at=at,
    )
    session.add(followup)
    session.flush()
    ids = {"call": call.id, "followup": followup.id}
    if followup_status not in (FollowUpStatus.SENT, FollowUpStatus.FAILED):
        return ids
    # Inserted with only the columns given (a plain INSERT), so that tests of an upgrade can
    # seed a database at an older schema, whose messages lack later columns.
    outbound = _insert_message(
        session,
        agency_id=agency_id,
        followup_id=followup.id,
        direction=MessageDirection.OUTBOUND,
        phone=phone,
        body="Westlake Police following up on your call. How did we do, 1-5?",
        status=message_status,
        gateway="fake",
        sid=f"SM{n:032d}",
        error_code=error_code,
        created_at=at,
        updated_at=at,
    )
    ids["outbound"] = outbound
    if reply is None:
        return ids
    conversation = Conversation(
        agency_id=agency_id,
        followup_id=followup.id,
        phone=phone,
        language="en",
        step=ConversationStep.CLOSED,
        rating=rating,
        auto_texts=1,
        opened_at=at,
        last_inbound_at=at + timedelta(minutes=5),
    )
    session.add(conversation)
    session.flush()
    inbound = _insert_message(
        session,
        agency_id=agency_id,
        followup_id=followup.id,
        conversation_id=conversation.id,
        direction=MessageDirection.INBOUND,
        phone=phone,
        body=reply,
        status=MessageStatus.RECEIVED,
        gateway="twilio",
        sid=f"SMin{n:030d}",
        category=category,
        triage={"category": category, "reasons": ["thanks"]},
        reply_body="Thank you.",
        media_urls=["https://api.twilio.example/Media/ME1"],
        created_at=at + timedelta(minutes=5),
        updated_at=at + timedelta(minutes=5),
    )
    ids.update(conversation=conversation.id, inbound=inbound)
    if callback is not None:
        row = Callback(
            agency_id=agency_id,
            conversation_id=conversation.id,
            message_id=inbound,
            category=category,
            priority=priority,
            status=callback,
            due_by=due_by or at + timedelta(days=1),
            reasons=["unresolved"],
            resolved_at=at + timedelta(days=1) if callback == CallbackStatus.RESOLVED else None,
            created_at=at,
            updated_at=at,
        )
        session.add(row)
        session.flush()
        ids["callback"] = row.id
    return ids


def _insert_message(session, **values) -> int:
    return session.execute(insert(Message).values(**values).returning(Message.id)).scalar_one()
