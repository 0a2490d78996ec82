"""Publishing what residents wrote: the review queue, and each decision on a reply.

Publication is a person's decision, never automatic. A commander or admin reads each reply
offered, approves it as written or as edited (the service proposes what to remove:
``followup.reports.redaction``), or declines it; an approved comment can be withdrawn later.
Every decision is audited (the reply's id and what was decided, never its words).

Never offered, whatever else it says: a reply in a conversation where anyone wrote of danger
(crisis) or alleged misconduct (conduct), keywords (STOP, START, HELP), wrong numbers, replies
too short to be a comment ("5", "ok"), and replies whose words retention has removed. The
check is made again when a decision is taken, so a reply that became a crisis meanwhile cannot
be approved from an old page; the board itself checks again when it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from followup.core.phones import redact_numbers
from followup.models import (
    Agency,
    Call,
    Category,
    CommentReview,
    Conversation,
    FollowUp,
    Message,
    MessageDirection,
    ReviewDecision,
    ReviewKind,
    User,
)
from followup.reports import stamps
from followup.reports.facts import day_number
from followup.reports.redaction import Proposal, identifying, propose
from followup.staff import audit

NEVER_OFFERED = (Category.CRISIS, Category.CONDUCT)
NOT_A_COMMENT = (Category.OPT_OUT, Category.OPT_IN, Category.HELP, Category.WRONG_NUMBER)
MIN_CHARACTERS = 10  # "5", "ok thanks": a rating or an acknowledgement, not a comment
MAX_PUBLISHED = 1000  # characters of a published comment
PAGE_SIZE = 20


class ModerationError(ValueError):
    """A decision that cannot be taken; the message says why, for the reviewer."""


@dataclass(frozen=True)
class Candidate:
    """A reply offered for publication."""

    message_id: int
    received_at: datetime
    shown: str  # the reply as staff may read it (numbers removed)
    proposal: Proposal  # what the service proposes to publish
    category: str | None
    rating: int | None
    language: str | None
    commendation: bool
    closed_on: date  # the call's day, agency time


def _flagged_conversation():
    """True for a reply whose conversation holds a crisis or conduct reply."""
    other = aliased(Message)
    return exists().where(
        other.conversation_id == Message.conversation_id,
        other.category.in_(NEVER_OFFERED),
    )


def _offered(agency: Agency, since: datetime):
    reviewed = exists().where(CommentReview.message_id == Message.id)
    return (
        select(
            Message.id,
            Message.created_at,
            Message.body,
            Message.category,
            Message.commendation,
            Conversation.rating,
            Conversation.language,
            Call.closed_at,
        )
        .select_from(Message)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .join(FollowUp, Conversation.followup_id == FollowUp.id)
        .join(Call, FollowUp.call_id == Call.id)
        .where(
            Message.agency_id == agency.id,
            Message.direction == MessageDirection.INBOUND,
            or_(
                Message.category.is_(None),
                Message.category.not_in(NEVER_OFFERED + NOT_A_COMMENT),
            ),
            func.length(Message.body) >= MIN_CHARACTERS,
            Call.closed_at >= since,
            ~reviewed,
            ~_flagged_conversation(),
        )
    )


def window_start(agency: Agency, first_day: date) -> datetime:
    """The UTC moment the agency's day ``first_day`` begins."""
    return datetime.combine(first_day, time(), agency.zone).astimezone(UTC)


def queue(
    session: Session, agency: Agency, *, since: date, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[Candidate], int]:
    """One page of the replies waiting for a decision (newest first), and how many wait, for
    calls closed on or after ``since`` (the board's period)."""
    query = _offered(agency, window_start(agency, since))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(
        query.order_by(Message.created_at.desc(), Message.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    keep = tuple(agency.name.split())
    return [
        Candidate(
            message_id=row.id,
            received_at=row.created_at,
            shown=redact_numbers(row.body, agency.default_region),
            proposal=propose(
                row.body, language=row.language, region=agency.default_region, keep=keep
            ),
            category=str(row.category) if row.category else None,
            rating=row.rating,
            language=row.language,
            commendation=row.commendation is not None,
            closed_on=row.closed_at.astimezone(agency.zone).date(),
        )
        for row in rows
    ], total


def published(session: Session, agency: Agency, *, since: date, limit: int = 200):
    """The agency's approved comments for calls closed on or after ``since``, newest first."""
    return session.scalars(
        select(CommentReview)
        .where(
            CommentReview.agency_id == agency.id,
            CommentReview.decision == ReviewDecision.APPROVED,
            CommentReview.day >= day_number(since),
        )
        .order_by(CommentReview.decided_at.desc(), CommentReview.id.desc())
        .limit(limit)
    ).all()


def _offered_reply(session: Session, agency: Agency, message_id: int):
    """The reply's row when it is still offered (any period), else a ModerationError."""
    row = session.execute(
        _offered(agency, datetime(1970, 1, 1, tzinfo=UTC)).where(Message.id == message_id)
    ).first()
    if row is not None:
        return row
    if session.scalar(select(CommentReview.id).where(CommentReview.message_id == message_id)):
        raise ModerationError("Someone has already decided about this reply.")
    raise ModerationError("This reply cannot be published.")


def _decide(session: Session, review: CommentReview) -> None:
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        raise ModerationError("Someone has already decided about this reply.") from None


def _audit(session: Session, action: str, review: CommentReview, user: User, now, **detail):
    audit.record(
        session,
        action,
        now=now,
        user=user,
        agency_id=review.agency_id,
        object_type="message",
        object_id=review.message_id,
        detail={"kind": str(review.kind), **detail},
    )
    stamps.comments_changed(session, review.agency_id)


def approve(
    session: Session, agency: Agency, message_id: int, text: str, *, user: User, now: datetime
) -> CommentReview:
    """Publish the reply as ``text`` (the reviewer's words: redacted, edited); audited."""
    row = _offered_reply(session, agency, message_id)
    text = " ".join((text or "").split())
    if not text:
        raise ModerationError("The text to publish is empty: decline the reply instead.")
    if len(text) > MAX_PUBLISHED:
        raise ModerationError(f"Publish at most {MAX_PUBLISHED} characters.")
    left = identifying(text, agency.default_region)
    if left:
        raise ModerationError(
            f"The text still holds {' and '.join(_SAID[kind] for kind in left)}: remove it."
        )
    review = CommentReview(
        agency_id=agency.id,
        message_id=message_id,
        decision=ReviewDecision.APPROVED,
        kind=ReviewKind.COMMENDATION if row.commendation else ReviewKind.COMMENT,
        text=text,
        language=row.language,
        rating=row.rating,
        day=day_number(row.closed_at.astimezone(agency.zone).date()),
        edited=int(text != " ".join(row.body.split())),
        decided_by_id=user.id,
        decided_at=now,
    )
    _decide(session, review)
    _audit(session, "comment_approved", review, user, now, edited=bool(review.edited))
    return review


_SAID = {"number": "a phone number", "email": "an e-mail address"}


def decline(
    session: Session, agency: Agency, message_id: int, *, user: User, now: datetime
) -> CommentReview:
    """Keep the reply off the board for good; audited."""
    row = _offered_reply(session, agency, message_id)
    review = CommentReview(
        agency_id=agency.id,
        message_id=message_id,
        decision=ReviewDecision.DECLINED,
        kind=ReviewKind.COMMENDATION if row.commendation else ReviewKind.COMMENT,
        text=None,
        language=row.language,
        rating=row.rating,
        day=day_number(row.closed_at.astimezone(agency.zone).date()),
        edited=0,
        decided_by_id=user.id,
        decided_at=now,
    )
    _decide(session, review)
    _audit(session, "comment_declined", review, user, now)
    return review


def withdraw(
    session: Session, agency: Agency, review_id: int, *, user: User, now: datetime
) -> CommentReview:
    """Take a published comment down (its text is forgotten); audited."""
    review = session.get(CommentReview, review_id, with_for_update=True)
    if review is None or review.agency_id != agency.id:
        raise ModerationError("No such published comment.")
    if review.decision != ReviewDecision.APPROVED:
        raise ModerationError("This comment is not published.")
    review.decision, review.text = ReviewDecision.WITHDRAWN, None
    review.decided_by_id, review.decided_at = user.id, now
    _audit(session, "comment_withdrawn", review, user, now)
    return review


@dataclass(frozen=True)
class BoardComment:
    text: str
    kind: str
    rating: int | None
    language: str | None
    day: int


def board_comments(
    session: Session, agency_id: int, *, since_day: int, kind: ReviewKind | None = None,
    limit: int = 30,
):
    """What the public board shows: approved comments (of one ``kind``, or both) for calls
    closed since ``since_day``, newest decision first, none from a conversation that has since
    turned out to hold a crisis or a conduct complaint."""
    query = (
        select(
            CommentReview.text,
            CommentReview.kind,
            CommentReview.rating,
            CommentReview.language,
            CommentReview.day,
        )
        .join(Message, CommentReview.message_id == Message.id)
        .where(
            CommentReview.agency_id == agency_id,
            CommentReview.decision == ReviewDecision.APPROVED,
            CommentReview.day >= since_day,
            ~_flagged_conversation(),
        )
        .order_by(CommentReview.decided_at.desc(), CommentReview.id.desc())
        .limit(limit)
    )
    if kind is not None:
        query = query.where(CommentReview.kind == kind)
    rows = session.execute(query).all()
    return [BoardComment(row.text, str(row.kind), *row[2:]) for row in rows]
