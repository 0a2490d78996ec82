"""Delivery status callbacks: keep each text's furthest state and what the carrier said."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup import contacts
from followup.models import Message, MessageStatus

logger = logging.getLogger(__name__)

# Statuses move forward only; failed and undelivered are final whatever arrives later.
_ORDER = {
    MessageStatus.PENDING: 0,
    MessageStatus.ACCEPTED: 1,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
}
_FINAL = {MessageStatus.FAILED, MessageStatus.UNDELIVERED}
# Carrier errors that say the number cannot get texts (reports and eligibility read them).
UNREACHABLE_CODES = {30003, 30004, 30005, 30006, 30007}
UNSUBSCRIBED = 21610


def record_status(
    session: Session,
    *,
    message_id: int | None,
    sid: str | None,
    status: str,
    error_code: int | None,
    now: datetime,
) -> str:
    """Apply one status callback; return what happened, for the log."""
    message = session.get(Message, message_id) if message_id else None
    if message is None and sid:
        message = session.scalar(select(Message).where(Message.sid == sid))
    if message is None:
        return "unknown message"
    if message.sid is None and sid:
        message.sid = sid  # the callback beat the sender's own commit
    try:
        new = MessageStatus(status)
    except ValueError:
        logger.info("status callback with a status this service does not track: %s", status)
        return "ignored status"
    if message.status in _FINAL:
        return "already final"
    if not advance(message, new, now):
        return "older than the recorded status"
    if new in _FINAL:
        message.error_code = error_code
        _carrier_error(session, message, error_code, now)
    return f"now {message.status}"


def advance(message: Message, new: MessageStatus, now: datetime) -> bool:
    """Move ``message`` to ``new`` if that is further along; return whether it moved.

    The one rule for every writer (the sender recording the gateway's answer, the status
    webhook): a status callback can arrive before the sender's own write, and must not be
    undone by it.
    """
    if message.status in _FINAL:
        return False
    if new not in _FINAL and _ORDER.get(new, -1) <= _ORDER.get(message.status, -1):
        return False
    message.status = new
    message.updated_at = now
    return True


def _carrier_error(session: Session, message: Message, code: int | None, now: datetime) -> None:
    if code == UNSUBSCRIBED:
        contacts.opt_out(session, message.agency_id, message.phone, source="twilio_21610", now=now)
    elif code in UNREACHABLE_CODES:
        contact = contacts.get_or_create(session, message.agency_id, message.phone, now=now)
        contact.unreachable_code = code  # eligibility reads it: no more texts to this number
        contact.unreachable_at = now
        contact.updated_at = now
