"""Twilio webhook deliveries already handled, by the idempotency token Twilio sends with each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from followup.core.db import insert_or_ignore
from followup.models import WebhookReceipt

MAX_TOKEN = 128  # the column's width; Twilio's tokens are far shorter
_receipts = WebhookReceipt.__table__
_claims: dict[str, object] = {}  # the INSERT, built once per dialect


def claim(session: Session, token: str | None, kind: str, *, now: datetime) -> bool:
    """Record ``token`` as handled in the caller's transaction; return False if it already was.

    A delivery without a token (or with one too long to be Twilio's) is always claimed: the
    MessageSid de-duplication still holds for it. Two workers claiming the same token at once
    meet at the unique index: the second waits for the first to commit, then gets False. One
    statement (no savepoint): the inbound hot path counts them.
    """
    if not token or len(token) > MAX_TOKEN:
        return True
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in _claims:
        _claims[dialect] = insert_or_ignore(dialect, _receipts, "token").returning(_receipts.c.id)
    claimed = connection.execute(
        _claims[dialect], {"token": token, "kind": kind, "received_at": now}
    ).first()
    return claimed is not None


def prune(session: Session, *, before: datetime) -> int:
    """Forget receipts older than ``before`` (Twilio retries within hours); return how many."""
    result = session.execute(delete(WebhookReceipt).where(WebhookReceipt.received_at < before))
    return result.rowcount or 0
