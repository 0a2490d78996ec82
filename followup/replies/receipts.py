"""Twilio webhook deliveries already handled, by the idempotency token Twilio sends with each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followup.models import WebhookReceipt

MAX_TOKEN = 128  # the column's width; Twilio's tokens are far shorter


def claim(session: Session, token: str | None, kind: str, *, now: datetime) -> bool:
    """Record ``token`` as handled in the caller's transaction; return False if it already was.

    A delivery without a token (or with one too long to be Twilio's) is always claimed: the
    MessageSid de-duplication still holds for it. Two workers claiming the same token at once
    meet at the unique index: the second waits for the first to commit, then gets False.
    """
    if not token or len(token) > MAX_TOKEN:
        return True
    try:
        with session.begin_nested():
            session.add(WebhookReceipt(token=token, kind=kind, received_at=now))
    except IntegrityError:
        return False
    return True


def prune(session: Session, *, before: datetime) -> int:
    """Forget receipts older than ``before`` (Twilio retries within hours); return how many."""
    result = session.execute(delete(WebhookReceipt).where(WebhookReceipt.received_at < before))
    return result.rowcount or 0
