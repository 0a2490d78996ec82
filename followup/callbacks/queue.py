"""The callback queue as people read it: the one query behind the queue page, the live banner,
the handover and ``followup callbacks list``.

Urgent first, then by due time; filters by status, priority, category, district and owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from followup.models import (
    Call,
    Callback,
    CallbackPriority,
    CallbackStatus,
    Category,
    Conversation,
    FollowUp,
)

ACTIVE = "active"  # the status filter's default: open and claimed


@dataclass(frozen=True)
class QueueFilter:
    status: str = ACTIVE  # "active", or one CallbackStatus value
    priority: str | None = None
    category: str | None = None
    district: str | None = None
    claimed_by_id: int | None = None  # "mine"
    limit: int = 200


def parse_filter(args: Mapping[str, str], user_id: int) -> QueueFilter:
    """The filter a queue page's arguments ask for; a value that is not one of the choices
    (a hand-made URL) filters nothing rather than failing."""

    def choice(name: str, allowed: set[str]) -> str | None:
        value = (args.get(name) or "").strip()
        return value if value in allowed else None

    district = (args.get("district") or "").strip()[:64] or None
    return QueueFilter(
        status=choice("status", {ACTIVE, *(s.value for s in CallbackStatus)}) or ACTIVE,
        priority=choice("priority", {p.value for p in CallbackPriority}),
        category=choice("category", {c.value for c in Category}),
        district=district,
        claimed_by_id=user_id if args.get("mine") else None,
    )


def _filtered(query, wanted: QueueFilter):
    """``query`` (over callbacks joined to their call) narrowed by everything in ``wanted``
    but its status: what the page's counts and its rows both follow."""
    if wanted.priority:
        query = query.where(Callback.priority == wanted.priority)
    if wanted.category:
        query = query.where(Callback.category == wanted.category)
    if wanted.district:
        query = query.where(Call.district == wanted.district)
    if wanted.claimed_by_id is not None:
        query = query.where(Callback.claimed_by_id == wanted.claimed_by_id)
    return query


def _with_call(query):
    return (
        query.join(Conversation, Callback.conversation_id == Conversation.id)
        .outerjoin(FollowUp, Conversation.followup_id == FollowUp.id)
        .outerjoin(Call, FollowUp.call_id == Call.id)
    )


def callbacks(session: Session, agency_id: int, wanted: QueueFilter) -> list[Callback]:
    """The agency's callbacks under ``wanted``: urgent first, then the soonest due."""
    query = (
        _with_call(select(Callback))
        .where(Callback.agency_id == agency_id)
        .options(
            joinedload(Callback.message),
            joinedload(Callback.claimed_by),
            joinedload(Callback.conversation)
            .joinedload(Conversation.followup)
            .joinedload(FollowUp.call),
        )
    )
    if wanted.status == ACTIVE:
        query = query.where(Callback.status != CallbackStatus.RESOLVED)
    elif wanted.status in {s.value for s in CallbackStatus}:
        query = query.where(Callback.status == wanted.status)
    query = _filtered(query, wanted).order_by(
        (Callback.priority != CallbackPriority.URGENT), Callback.due_by, Callback.id
    )
    return list(session.scalars(query.limit(wanted.limit)).unique().all())


def counts(
    session: Session, agency_id: int, now: datetime, wanted: QueueFilter | None = None
) -> dict[str, int]:
    """Callbacks by status, and how many unresolved ones are overdue, under the filters of
    ``wanted`` other than its status (the counts say what each status would show)."""
    wanted = wanted or QueueFilter()
    by_status = _with_call(select(Callback.status, func.count())).where(
        Callback.agency_id == agency_id
    )
    rows = session.execute(_filtered(by_status, wanted).group_by(Callback.status)).all()
    found = {status.value: 0 for status in CallbackStatus} | {str(s): n for s, n in rows}
    overdue = _with_call(select(func.count()).select_from(Callback)).where(
        Callback.agency_id == agency_id,
        Callback.status != CallbackStatus.RESOLVED,
        Callback.due_by < now,
    )
    found["overdue"] = session.scalar(_filtered(overdue, wanted))
    return found


def resolved_since(session: Session, agency_id: int, since: datetime) -> list[Callback]:
    """The agency's callbacks resolved at or after ``since``, the latest first (the handover's
    "resolved this shift")."""
    query = (
        select(Callback)
        .where(
            Callback.agency_id == agency_id,
            Callback.status == CallbackStatus.RESOLVED,
            Callback.resolved_at >= since,
        )
        .options(joinedload(Callback.message), joinedload(Callback.claimed_by))
        .order_by(Callback.resolved_at.desc(), Callback.id.desc())
    )
    return list(session.scalars(query).unique().all())


def urgent_ids(session: Session, agency_id: int) -> list[int]:
    """Ids of the agency's unresolved urgent callbacks, oldest first: what every signed-in page
    asks for every few seconds, so one query on ``ix_callbacks_agency_urgent`` and ids only."""
    return list(
        session.scalars(
            select(Callback.id)
            .where(
                Callback.agency_id == agency_id,
                Callback.priority == CallbackPriority.URGENT,
                Callback.status != CallbackStatus.RESOLVED,
            )
            .order_by(Callback.id)
        ).all()
    )


def urgent_open(session: Session, agency_id: int) -> list[Callback]:
    """Unresolved urgent callbacks, oldest first (the banner every page shows)."""
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.agency_id == agency_id,
                Callback.priority == CallbackPriority.URGENT,
                Callback.status != CallbackStatus.RESOLVED,
            )
            .order_by(Callback.id)
        ).all()
    )


def time_left(due_by: datetime, now: datetime) -> tuple[str, bool]:
    """Return ("25 min left" | "overdue by 2 h 5 min", overdue)."""
    delta = due_by - now
    overdue = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{rest} min"] * (not days)
    text = " ".join(parts) or "0 min"
    return (f"overdue by {text}" if overdue else f"{text} left"), overdue
