"""The last line of the opt-out rule: every text to a caller passes here, whatever sends it."""

from __future__ import annotations

from followup.db import Database
from followup.eligibility import is_opted_out
from followup.gateways.base import PermanentGatewayError, SendResult, SmsGateway

OPTED_OUT_CODE = 21610  # Twilio's own code for "the recipient has opted out"


class OptOutGuard:
    """Wrap a gateway so that it refuses to text a number that opted out of the agency."""

    def __init__(self, gateway: SmsGateway, db: Database):
        self.inner = gateway
        self.name = gateway.name
        self._db = db

    def send(
        self, agency_id: int, to: str, body: str, *, status_callback: str | None = None
    ) -> SendResult:
        with self._db.Session() as session:
            if is_opted_out(session, agency_id, to):
                raise PermanentGatewayError("the number has opted out", code=OPTED_OUT_CODE)
        return self.inner.send(to, body, status_callback=status_callback)
