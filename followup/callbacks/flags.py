"""Callback flags: the replies a watch commander must answer, one per conversation."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.models import (
    Agency,
    Callback,
    CallbackPriority,
    CallbackStatus,
    Conversation,
    Message,
)
from followup.replies.triage import SERIOUSNESS, Category, TriageResult

_RANK = {CallbackPriority.URGENT: 0, CallbackPriority.HIGH: 1, CallbackPriority.NORMAL: 2}
# Crisis first, then the triage engine's own order of seriousness; "other" (an unreadable
# language) last.
_CATEGORY_RANK = {c.value: i for i, c in enumerate((Category.CRISIS, *SERIOUSNESS, Category.OTHER))}


def priority_for(result: TriageResult) -> CallbackPriority:
    if result.urgent:
        return CallbackPriority.URGENT
    if result.category == Category.CONDUCT:
        return CallbackPriority.HIGH
    return CallbackPriority.NORMAL


def sla(agency: Agency, priority: CallbackPriority) -> timedelta:
    minutes = {
        CallbackPriority.URGENT: agency.sla_urgent_minutes,
        CallbackPriority.HIGH: agency.sla_high_minutes,
        CallbackPriority.NORMAL: agency.sla_normal_minutes,
    }[priority]
    return timedelta(minutes=minutes)


def flag(
    session: Session,
    agency: Agency,
    conversation: Conversation,
    message: Message,
    result: TriageResult,
    *,
    now: datetime,
) -> tuple[Callback, bool]:
    """Create or update the conversation's callback; return it, and whether it just became
    urgent (new, raised to urgent, or reopened by danger): only then are commanders alerted.

    A later reply can only raise the stakes: the more serious category and priority win, the
    earlier deadline stands, reasons accumulate, and a resolved callback reopens. Another
    danger text on a callback already urgent and open alerts nobody again: it is in the
    callback's conversation, which the callback page shows whole.
    """
    priority = priority_for(result)
    urgent = priority == CallbackPriority.URGENT
    due_by = now + sla(agency, priority)
    callback = session.scalar(select(Callback).where(Callback.conversation_id == conversation.id))
    if callback is None:
        callback = Callback(
            agency_id=agency.id,
            conversation_id=conversation.id,
            message_id=message.id,
            category=result.category,
            priority=priority,
            status=CallbackStatus.OPEN,
            due_by=due_by,
            reasons=list(result.reasons),
            created_at=now,
            updated_at=now,
        )
        session.add(callback)
        session.flush()
        return callback, urgent
    already_urgent = (
        callback.priority == CallbackPriority.URGENT and callback.status != CallbackStatus.RESOLVED
    )
    if _RANK[priority] < _RANK[callback.priority]:
        callback.priority = priority
    if _CATEGORY_RANK[result.category] < _CATEGORY_RANK.get(callback.category, 99):
        callback.category = result.category
        callback.message_id = message.id
    callback.due_by = min(callback.due_by, due_by)
    callback.reasons = list(dict.fromkeys([*callback.reasons, *result.reasons]))
    if callback.status == CallbackStatus.RESOLVED:
        callback.status = CallbackStatus.OPEN  # the caller wrote again with something to answer
        callback.due_by = due_by
    callback.updated_at = now
    return callback, urgent and not already_urgent
