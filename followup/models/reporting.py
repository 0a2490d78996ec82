"""Report facts: derived rows the reports read, kept current by database triggers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from followup.core.db import Base

# --- report facts: what the reports read (kept by followup.report_facts) ---------------------


class ReportFact(Base):
    """One call as the reports count it: its dimensions and everything that followed it.

    Derived data, rebuilt from the tables above whenever they change (database triggers log
    the call in ``report_log``; ``followup.report_facts.refresh`` rebuilds it). A year of a
    large agency is then one range of one index, not a join of five tables."""

    __tablename__ = "report_facts"
    __table_args__ = (
        # Every report figure reads this index alone, in (day, outcome) order.
        Index(
            "ix_report_facts_period",
            "agency_id",
            "day",
            "status",
            "delivery",
            "detail",
            "replied",
            "rating",
            "shift",
            "district",
            "call_type",
            "language",
            "callback",
            "callback_resolved",
            "callback_in_sla",
            "first_attempt_seconds",
        ),
    )

    call_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)  # closed date, agency's zone: days since 1970-01-01
    shift: Mapped[str] = mapped_column(String(8))  # a key of reports.SHIFTS
    district: Mapped[str | None] = mapped_column(String(64))
    call_type: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))  # the check-in's
    status: Mapped[str | None] = mapped_column(String(16))  # the follow-up's FollowUpStatus
    delivery: Mapped[str | None] = mapped_column(String(12))  # sent: "delivered" or "failed"
    detail: Mapped[str | None] = mapped_column(String(32))  # skip reason, or error code
    replied: Mapped[int] = mapped_column(Integer, default=0)  # 1: the check-in got a reply
    rating: Mapped[int | None] = mapped_column(Integer)
    callback: Mapped[int] = mapped_column(Integer, default=0)  # 1: a callback was opened
    callback_resolved: Mapped[int] = mapped_column(Integer, default=0)
    callback_in_sla: Mapped[int] = mapped_column(Integer, default=0)  # resolved by its due time
    first_attempt_seconds: Mapped[int | None] = mapped_column(Integer)  # opened -> first attempt


class ReportReply(Base):
    """How many replies of each triage category a call's check-in got, with the call's
    dimensions (so the category mix reads one index too)."""

    __tablename__ = "report_replies"
    __table_args__ = (
        Index(
            "ix_report_replies_period",
            "agency_id",
            "day",
            "category",
            "shift",
            "district",
            "call_type",
            "language",
            "replies",
        ),
    )

    call_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)  # "none": not triaged
    agency_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    shift: Mapped[str] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(String(64))
    call_type: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    replies: Mapped[int] = mapped_column(Integer)


class ReportLog(Base):
    """Rows whose calls' report facts are out of date: database triggers append the keys a
    changed row has at hand (its call, follow-up, conversation or callback) whenever a call, its
    follow-up, texts, conversation, callback or agency time zone changes."""

    __tablename__ = "report_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    call_id: Mapped[int | None] = mapped_column(Integer)
    followup_id: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    callback_id: Mapped[int | None] = mapped_column(Integer)
