"""Staff accounts, their roles, and the audit trail of what they did."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.core.db import Base, StrEnumType, UTCDateTime

if TYPE_CHECKING:
    from followup.models.agencies import Agency



class Role(StrEnum):
    """What a staff account may do."""

    COMMANDER = "commander"  # works the callback queue
    ADMIN = "admin"  # IT staff: templates, rules, users, tokens (and the queue)
    VIEWER = "viewer"  # command staff: reports and the queue, read-only

    @property
    def can_work(self) -> bool:
        """Whether this role works callbacks: claims, calls, notes, resolves, is assigned one,
        reveals a caller's number, sends an approved text."""
        return self in (Role.COMMANDER, Role.ADMIN)

    @classmethod
    def workers(cls) -> tuple[Role, ...]:
        """The roles that can work callbacks (for a query)."""
        return tuple(role for role in cls if role.can_work)


class User(Base):
    """A staff account. Passwords are argon2 hashes; a TOTP secret adds a second factor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 16))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last success
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped on sign-out, disable, password change: a session cookie carrying an older value
    # is refused, so a copied or replayed cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    agency: Mapped[Agency] = relationship()


class AuditEvent(Base):
    """Who did what to which record, when. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))  # as typed, for failed sign-ins too
    action: Mapped[str] = mapped_column(String(40))  # "sign_in", "reveal_number", "claim", ...
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a phone number or body
    ip: Mapped[str | None] = mapped_column(String(64))
