"""Callback flags: the replies a watch commander must answer, one per conversation."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.models import Agency, CallbackPriority, CallbackStatus
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


def merge(
    agency: Agency, existing, result: TriageResult, message_id: int, *, now: datetime
) -> tuple[dict, bool]:
    """Return the conversation's callback after this reply, as column values (every column of a
    new one; the changed ones of ``existing``, a callbacks row), and whether it just became
    urgent (new, raised to urgent, or reopened by danger): only then are commanders alerted.

    A later reply can only raise the stakes: the more serious category and priority win, the
    earlier deadline stands, reasons accumulate, and a resolved callback reopens. Another
    danger text on a callback already urgent and open alerts nobody again: it is in the
    callback's conversation, which the callback page shows whole.
    """
    priority = priority_for(result)
    urgent = priority == CallbackPriority.URGENT
    due_by = now + sla(agency, priority)
    if existing is None:
        new = {
            "agency_id": agency.id,
            "message_id": message_id,
            "category": result.category,
            "priority": priority,
            "status": CallbackStatus.OPEN,
            "due_by": due_by,
            "reasons": list(result.reasons),
            "created_at": now,
            "updated_at": now,
        }
        return new, urgent
    already_urgent = (
        existing.priority == CallbackPriority.URGENT and existing.status != CallbackStatus.RESOLVED
    )
    changed: dict = {"updated_at": now}
    if _RANK[priority] < _RANK[existing.priority]:
        changed["priority"] = priority
    if _CATEGORY_RANK[result.category] < _CATEGORY_RANK.get(existing.category, 99):
        changed["category"] = result.category
        changed["message_id"] = message_id
    if due_by < existing.due_by:
        changed["due_by"] = due_by
    reasons = list(dict.fromkeys([*existing.reasons, *result.reasons]))
    if reasons != list(existing.reasons):
        changed["reasons"] = reasons
    if existing.status == CallbackStatus.RESOLVED:
        changed["status"] = CallbackStatus.OPEN  # the caller wrote again with something to answer
        changed["due_by"] = due_by
    return changed, urgent and not already_urgent
