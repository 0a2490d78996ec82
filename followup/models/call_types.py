"""The call-type register: every label an agency has sent, how often, and what IT decided."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup.core.db import Base, StrEnumType, UTCDateTime


class CallTypeDecision(StrEnum):
    """What IT decided about one call-type label.

    ::

        (label first sent) --> unreviewed --confirm--> confirmed
                                          --mark sensitive--> sensitive
                                          --mark ordinary--> ordinary

    A decision can be changed to another at any time; nothing goes back to ``unreviewed``.
    The agency's own sensitive patterns apply whatever the decision (they are IT's rules too,
    and a pattern added later must not be undone by an older decision).
    """

    UNREVIEWED = "unreviewed"  # nobody has looked at it: the built-in verdict applies
    CONFIRMED = "confirmed"  # IT looked, and the built-in verdict stands
    SENSITIVE = "sensitive"  # never texted, whatever the built-in list says
    ORDINARY = "ordinary"  # texted even if the built-in list says sensitive

    @property
    def reviewed(self) -> bool:
        return self is not CallTypeDecision.UNREVIEWED


class CallType(Base):
    """One distinct call-type label an agency has sent, matched case- and space-insensitively.

    ``label`` is the label as first received (trimmed); ``key`` is how labels are matched to it
    (upper case, runs of white space as one space). One row per (agency, key), counted at intake
    with one upsert per call."""

    __tablename__ = "call_types"
    __table_args__ = (UniqueConstraint("agency_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    key: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)  # calls that came with this label
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[CallTypeDecision] = mapped_column(
        StrEnumType(CallTypeDecision, 16),
        default=CallTypeDecision.UNREVIEWED,
        server_default=CallTypeDecision.UNREVIEWED.value,
    )
    decided_by: Mapped[str | None] = mapped_column(String(100))  # a username, or "cli"
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
