"""What residents wrote: the replies of a report's calls, searchable, a page at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from followup.models import (
    Agency,
    Call,
    Conversation,
    FollowUp,
    Message,
    MessageDirection,
    ReportFact,
    ReportReply,
)
from followup.reports import facts
from followup.reports.filters import NOT_COMMENTS, PAGE_SIZE, ReportError, ReportFilter, Scope

# --- comments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFilter:
    text: str | None = None  # the reply contains this (case-insensitive)
    category: str | None = None
    rating: int | None = None  # the rating the caller gave in that conversation
    commendations: bool = False  # only replies that name an officer or unit


def parse_comment_filter(args: Mapping[str, str]) -> CommentFilter:
    text = (args.get("q") or "").strip() or None
    if text is not None and len(text) > 200:
        raise ReportError("Search for at most 200 characters.")
    category = (args.get("category") or "").strip() or None
    if category is not None and len(category) > 16:
        raise ReportError("That category does not exist.")
    raw = (args.get("rating") or "").strip()
    if raw and raw not in {"1", "2", "3", "4", "5"}:
        raise ReportError("Rating must be 1 to 5.")
    return CommentFilter(text, category, int(raw) if raw else None)


@dataclass(frozen=True)
class Comment:
    id: int
    received_at: datetime
    body: str
    category: str | None
    rating: int | None
    commendation: str | None
    call_type: str
    district: str | None
    closed_at: datetime


def _comments_query(scope: Scope, comment_filter: CommentFilter, *, newest_first: bool = False):
    """The matching replies. ``newest_first``: for a page of them in time order, walked from
    the newest reply of the agency (a page needs a few rows, not the whole period sorted);
    otherwise from the period's facts (to count them all)."""
    query = (
        select(
            Message.id,
            Message.created_at,
            Message.body,
            Message.category,
            Conversation.rating,
            Message.commendation,
            Call.call_type,
            Call.district,
            Call.closed_at,
        )
        .select_from(Message)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .join(FollowUp, Conversation.followup_id == FollowUp.id)
        .join(Call, FollowUp.call_id == Call.id)
        .join(ReportFact, ReportFact.call_id == Call.id)
        .where(*scope.where(ReportFact, by_index=not newest_first), ReportFact.replied == 1)
    )
    query = query.where(
        Message.agency_id == scope.agency.id,  # newest first: the agency's replies by time
        Message.direction == MessageDirection.INBOUND,
        or_(Message.category.is_(None), Message.category.not_in(NOT_COMMENTS)),
    )
    if comment_filter.text:
        escaped = (
            comment_filter.text.lower()
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
        )
        query = query.where(func.lower(Message.body).like(f"%{escaped}%", escape="\\"))
    if comment_filter.category:
        query = query.where(Message.category == comment_filter.category)
    if comment_filter.rating is not None:
        query = query.where(Conversation.rating == comment_filter.rating)
    if comment_filter.commendations:
        query = query.where(Message.commendation.is_not(None))
    return query


def comments(
    session: Session,
    agency: Agency,
    report_filter: ReportFilter,
    comment_filter: CommentFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[Comment], int]:
    """One page of replies, newest first, and how many match in all. ``per_page=0``: all.
    (Brings the report facts up to date first, as ``figures`` does.)"""
    facts.catch_up(session)
    scope = Scope(agency, report_filter)
    query = _comments_query(scope, comment_filter)
    if comment_filter.text or comment_filter.rating is not None or comment_filter.commendations:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
    else:  # replies by category are counted already
        counted = select(func.coalesce(func.sum(ReportReply.replies), 0)).where(
            *scope.where(ReportReply)
        )
        if comment_filter.category:
            counted = counted.where(ReportReply.category == comment_filter.category)
        else:  # "none": a reply not triaged is a comment too
            counted = counted.where(ReportReply.category.not_in(NOT_COMMENTS))
        total = session.scalar(counted)
    # SQLite walks the newest replies only when told to; PostgreSQL plans that itself, and the
    # conditions that steer SQLite make it misjudge the facts' rows (a plan 1000x slower).
    walk = session.get_bind().dialect.name == "sqlite"
    query = _comments_query(scope, comment_filter, newest_first=walk)
    query = query.order_by(Message.created_at.desc(), Message.id.desc())
    if per_page:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page)
    return [Comment(*row) for row in session.execute(query)], total


def categories_seen() -> list[str]:
    from followup.replies.triage import Category

    return sorted(c.value for c in Category if c.value not in NOT_COMMENTS)
