"""Delivery status callbacks: keep each text's furthest state and what the carrier said."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.core.text import without_nul
from followup.eligibility import contacts
from followup.models import Message, MessageStatus
from followup.replies import receipts
from followup.sending import retries
from followup.sending.gateways import twilio_codes
from followup.sending.gateways.twilio_codes import Meaning

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


def record_callback(
    session: Session,
    form: Mapping[str, str],
    *,
    message_id: int | None,
    token: str | None,
    now: datetime,
) -> str:
    """Apply one delivery of Twilio's status callback form, once per idempotency ``token``;
    ``message_id`` is the ``?m=`` the sender put in the callback URL. Return what happened."""
    if not receipts.claim(session, token, "status", now=now):
        return "repeat delivery"
    return record_status(
        session,
        message_id=message_id,
        sid=without_nul(form.get("MessageSid") or form.get("SmsSid")),
        status=without_nul(form.get("MessageStatus") or form.get("SmsStatus") or "").lower(),
        error_code=_int(form.get("ErrorCode")),
        now=now,
    )


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
        # The sender commits a text (pending, no sid yet) before it calls Twilio, and puts its
        # id in the callback URL, so a callback for one of this service's texts always finds
        # its row. One that finds none is for a text this database does not have (another
        # service on the same Twilio account, a database restored from an older backup).
        logger.warning("status callback for a text this database does not have: id %s",
                       message_id)
        return "unknown message"
    if message.sid is None and sid:
        message.sid = sid  # the callback beat the sender's own commit
    try:
        new = MessageStatus(status)
    except ValueError:
        # canceled, read, partially_delivered, or one Twilio adds later: nothing to move.
        logger.info("status callback with a status this service does not track: %.40r", status)
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
    # A transient code on a check-in sends it again later; a carrier's spam filter alerts the
    # admins (retries.py). A check-in to be retried does not mark the number unreachable.
    if retries.after_carrier_error(session, message, code, now):
        return
    if twilio_codes.meaning(code) == Meaning.OPTED_OUT:
        contacts.opt_out(
            session, message.agency_id, message.phone, source=twilio_codes.OPT_OUT_SOURCE, now=now
        )
    elif twilio_codes.marks_unreachable(code):
        contact = contacts.get_or_create(session, message.agency_id, message.phone, now=now)
        contact.unreachable_code = code  # eligibility reads it: no more texts to this number
        contact.unreachable_at = now
        contact.updated_at = now


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
