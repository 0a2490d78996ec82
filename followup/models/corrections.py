"""Commanders' corrections of triage: how a person read a reply, beside what triage said."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.core.db import Base, StrEnumType, UTCDateTime
from followup.models.messages import Category

if TYPE_CHECKING:
    from followup.models.staff import User


class TriageCorrection(Base):
    """One commander's reading of one reply, and triage's answer when they gave it.

    Added, never changed: a reply corrected twice has two rows and the latest one counts (the
    reports, the export for training and the callback page all read the latest). A commander
    who agrees with triage adds a row too ("Triage is right"): a confirmed reading is labelled
    data as much as a corrected one."""

    __tablename__ = "triage_corrections"
    __table_args__ = (
        # The latest reading of a reply; the history of one on the callback page.
        Index("ix_triage_corrections_message", "message_id", "id"),
        # The export (an agency's, since a date) and the reports (an agency's latest readings).
        Index("ix_triage_corrections_agency_created", "agency_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))  # the inbound reply
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who read it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What triage said when the commander read the reply (the reply's stored triage).
    engine_category: Mapped[Category] = mapped_column(StrEnumType(Category, 16))
    engine_urgent: Mapped[bool] = mapped_column(Boolean)
    engine_opt_out: Mapped[bool] = mapped_column(Boolean)  # the service acted on it as STOP
    engine_callback: Mapped[bool] = mapped_column(Boolean)
    # What the commander says it was.
    category: Mapped[Category] = mapped_column(StrEnumType(Category, 16))
    urgent: Mapped[bool] = mapped_column(Boolean)  # danger now
    opt_out: Mapped[bool] = mapped_column(Boolean)  # the caller asked to stop the texts
    # This reading stopped texts to the caller (triage had not acted on an opt-out).
    stopped_texts: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))  # optional; emptied by retention

    user: Mapped[User] = relationship()
