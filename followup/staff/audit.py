"""The audit trail: who did what to which record, when. Rows are only ever added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from followup.models import AuditEvent, User


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    user: User | None = None,
    username: str | None = None,
    agency_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    detail: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add one audit row (the caller commits). ``detail`` must never hold a number or a body."""
    event = AuditEvent(
        at=now,
        agency_id=agency_id if agency_id is not None else (user.agency_id if user else None),
        user_id=user.id if user else None,
        username=username or (user.username if user else "-"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        ip=ip,
    )
    session.add(event)
    return event
