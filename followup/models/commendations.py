"""Praise a caller's reply gave someone who handled the call: the officer, the unit, or the
dispatcher who took the call."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup.core.db import Base, StrEnumType, UTCDateTime


class CommendedRole(StrEnum):
    """Who a positive reply named. One commendation per role per reply."""

    OFFICER = "officer"  # the call's officer, by name, badge or officer id
    UNIT = "unit"  # the call's unit, by its call sign
    CALL_TAKER = "call_taker"  # the dispatcher who took the call, by name or by role
    NAMED = "named"  # an officer or unit by title ("Officer Lopez") the call does not record


class Commendation(Base):
    """One reply's praise for one role, with the call's ids as they were when the reply came
    (a later event may change the call). Counted per officer, unit and call-taker on the
    commendations report; nothing here is the caller's."""

    __tablename__ = "commendations"
    __table_args__ = (
        UniqueConstraint("message_id", "role"),
        Index("ix_commendations_call", "call_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    role: Mapped[CommendedRole] = mapped_column(StrEnumType(CommendedRole, 16))
    # The reply's own words: "officer Diaz", "unit 2A14", "the dispatcher".
    named: Mapped[str] = mapped_column(String(200))
    # The call's, copied: who was on it.
    officer_id: Mapped[str | None] = mapped_column(String(64))
    officer_name: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(64))
    call_taker_id: Mapped[str | None] = mapped_column(String(64))
    call_taker_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
