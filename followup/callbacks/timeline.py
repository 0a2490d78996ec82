"""Every text of a call, in time order: what the callback page shows a commander.

One call may produce several texts (the confirmation when it was received, the delay text, the
check-in after it closed, case updates), each with its own conversation when the caller answered
it, and the commander's own texts and the automatic replies inside those conversations. A
callback belongs to one of those conversations; the commander needs the whole call. A text the
service planned but did not send (skipped, cancelled, still scheduled) is listed too, with why,
so "why did they get no delay text?" has its answer on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from followup.models import (
    Call,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
)


@dataclass(frozen=True)
class Entry:
    """A text sent or received (``message``), or one planned that has no text (``followup``)."""

    at: datetime
    purpose: str | None  # the Purpose value, staff_reply_*, update_*; None for a reply
    message: Message | None = None
    followup: FollowUp | None = None

    @property
    def inbound(self) -> bool:
        return self.message is not None and self.message.direction == MessageDirection.INBOUND


def call_texts(session: Session, conversation: Conversation, call: Call | None) -> list[Entry]:
    """The texts of ``call`` (or of ``conversation`` alone, when it matched no call), oldest
    first; a text that has none yet, by when it is due or was decided."""
    followups = (
        list(session.scalars(select(FollowUp).where(FollowUp.call_id == call.id)))
        if call is not None
        else []
    )
    followup_ids = [f.id for f in followups]
    conversation_ids = {conversation.id}
    if followup_ids:
        conversation_ids |= set(
            session.scalars(
                select(Conversation.id).where(Conversation.followup_id.in_(followup_ids))
            )
        )
    messages = session.scalars(
        select(Message)
        .where(
            or_(
                Message.conversation_id.in_(conversation_ids),
                Message.followup_id.in_(followup_ids or [-1]),
            )
        )
        .order_by(Message.created_at, Message.id)
    ).all()
    entries = [
        Entry(
            at=m.created_at,
            purpose=None if m.direction == MessageDirection.INBOUND else m.purpose,
            message=m,
        )
        for m in messages
    ]
    texted = {m.followup_id for m in messages if m.followup_id is not None}
    for followup in followups:
        if followup.id in texted:
            continue
        waiting = followup.status in FollowUpStatus.pending() and followup.send_at is not None
        at = followup.send_at if waiting else followup.updated_at
        entries.append(Entry(at=at, purpose=followup.purpose, followup=followup))
    # Stable: texts at the same moment keep the order they were written in.
    entries.sort(key=lambda entry: entry.at)
    return entries
