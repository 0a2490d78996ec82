"""A number's standing with an agency: opting out (and back in) takes effect at once, everywhere."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from followup.models import Contact, FollowUp, FollowUpStatus, SkipReason

logger = logging.getLogger(__name__)


def find(session: Session, agency_id: int, phone: str) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.agency_id == agency_id, Contact.phone == phone)
    )


def is_opted_out(session: Session, agency_id: int, phone: str) -> bool:
    return (
        session.scalar(
            select(Contact.id).where(
                Contact.agency_id == agency_id,
                Contact.phone == phone,
                Contact.opted_out_at.is_not(None),
            )
        )
        is not None
    )


def get_or_create(session: Session, agency_id: int, phone: str, *, now: datetime) -> Contact:
    contact = find(session, agency_id, phone)
    if contact is None:
        contact = Contact(agency_id=agency_id, phone=phone, updated_at=now)
        session.add(contact)
        session.flush()
    return contact


def opt_out(session: Session, agency_id: int, phone: str, *, source: str, now: datetime) -> int:
    """Opt ``phone`` out of ``agency``'s texts and cancel what was scheduled or held; return that
    count."""
    contact = get_or_create(session, agency_id, phone, now=now)
    if contact.opted_out_at is None:
        contact.opted_out_at = now
        contact.opt_out_source = source
        contact.updated_at = now
    cancelled = session.execute(
        update(FollowUp)
        .where(
            FollowUp.agency_id == agency_id,
            FollowUp.phone == phone,
            FollowUp.status.in_(FollowUpStatus.waiting()),
        )
        .values(status=FollowUpStatus.CANCELLED, reason=SkipReason.OPTED_OUT, updated_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    logger.info(
        "number opted out: agency=%s contact=%s source=%s cancelled=%d",
        agency_id,
        contact.id,
        source,
        cancelled,
    )
    return cancelled


def opt_in(session: Session, agency_id: int, phone: str, *, now: datetime) -> Contact:
    contact = get_or_create(session, agency_id, phone, now=now)
    # They texted us from this number, so it can take texts whatever a carrier said before.
    contact.unreachable_code = None
    contact.unreachable_at = None
    contact.opted_out_at = None
    contact.opt_out_source = None
    contact.updated_at = now
    return contact
