"""The local outbox: with no Twilio credentials, texts stay in the database for people to read.

The messages table is the outbox: the sender stores every outgoing text there before it calls
a gateway, so this gateway only hands back an id. `followup outbox` lists what it holds.
"""

from __future__ import annotations

import uuid

from followup.models import MessageStatus
from followup.sending.gateways.base import SendResult


class OutboxGateway:
    name = "outbox"

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,  # no queue: the text is "sent" at once
    ) -> SendResult:
        return SendResult(sid="OB" + uuid.uuid4().hex, status=MessageStatus.SENT)
