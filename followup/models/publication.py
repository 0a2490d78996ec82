"""What residents may read: replies staff reviewed for the public board, and the stamps that
tell the board's cache when its figures or comments changed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from followup.core.db import Base, StrEnumType, UTCDateTime


class ReviewDecision(StrEnum):
    """What a commander or admin decided about one reply.

    ::

        (reply offered in the queue) --approve (text as edited)--> approved --withdraw--> withdrawn
                                     \\--decline--> declined

    Only ``approved`` is shown on the public board. Nothing goes back to the queue: a withdrawn
    or declined reply stays out.
    """

    APPROVED = "approved"  # published, in the words the reviewer approved
    DECLINED = "declined"  # never published
    WITHDRAWN = "withdrawn"  # was published, taken down


class ReviewKind(StrEnum):
    COMMENT = "comment"  # what a resident wrote
    COMMENDATION = "commendation"  # praise that named an officer or unit (triage found it)


class CommentReview(Base):
    """One reply's review for publication: the decision, and the text residents see.

    The published text is the reviewer's copy (redacted, edited), not the reply itself: the
    reply may still hold a name, a number or an address, and retention empties it later."""

    __tablename__ = "comment_reviews"
    __table_args__ = (Index("ix_comment_reviews_board", "agency_id", "decision", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    decision: Mapped[ReviewDecision] = mapped_column(StrEnumType(ReviewDecision, 12))
    kind: Mapped[ReviewKind] = mapped_column(StrEnumType(ReviewKind, 16))
    text: Mapped[str | None] = mapped_column(Text)  # what the board shows (approved only)
    language: Mapped[str | None] = mapped_column(String(8))  # of the conversation
    rating: Mapped[int | None] = mapped_column(Integer)  # the caller's, when given
    day: Mapped[int] = mapped_column(Integer)  # the call's closed day (report facts' numbering)
    edited: Mapped[int] = mapped_column(Integer, default=0)  # 1: the text differs from the reply
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportStamp(Base):
    """Per agency, counters that move whenever what the public board shows may have changed:
    its report facts were rebuilt, or a review was decided. The board's cache is keyed by
    them, so one indexed read tells a worker whether its copy is still good."""

    __tablename__ = "report_stamps"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id"), primary_key=True, autoincrement=False
    )
    facts_version: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), default=0
    )
    comments_version: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), default=0
    )
