"""The last line of the opt-out rule: every text to a caller passes here, whatever sends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, select

from followup.core.db import Database
from followup.models import Contact
from followup.sending.gateways import twilio_codes
from followup.sending.gateways.base import PermanentGatewayError, SendResult, SmsGateway
from followup.sending.gateways.twilio_codes import Meaning

# Built once: this read runs before every text, and building a statement costs more than
# running it.
_OPTED_OUT = select(Contact.id).where(
    Contact.agency_id == bindparam("agency_id"),
    Contact.phone == bindparam("phone"),
    Contact.opted_out_at.is_not(None),
)


class OptOutGuard:
    """Wrap a gateway so that it refuses to text a number that opted out of the agency."""

    def __init__(self, gateway: SmsGateway, db: Database):
        self.inner = gateway
        self.name = gateway.name
        self._db = db

    def send(
        self,
        agency_id: int,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
        pace: Callable[[], object] | None = None,
    ) -> SendResult:
        """Send unless the number opted out. ``pace``, when given, is called once just before
        the provider is asked (the sender's rate limit): by the gateway itself when it can wait
        at the moment its request goes (Twilio's sets ``paces_requests``), else here."""
        # One plain read on a connection (no ORM session): this runs before every text. On its
        # own, outside a transaction: on SQLite a transaction here would wait for the write
        # lock (BEGIN IMMEDIATE) behind the sender's own writes, and the text, let go by the
        # rate limit, would reach the gateway late and bunched with the next.
        with self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            opted_out = conn.scalar(_OPTED_OUT, {"agency_id": agency_id, "phone": to})
        if opted_out is not None:
            raise PermanentGatewayError(
                "the number has opted out", code=twilio_codes.OPTED_OUT, meaning=Meaning.OPTED_OUT
            )
        options: dict = {"status_callback": status_callback}
        # A gateway with no queue of its own (the outbox, test fakes) has nothing to expire.
        if validity_period is not None and getattr(self.inner, "takes_validity_period", False):
            options["validity_period"] = validity_period
        if pace is not None:
            if getattr(self.inner, "paces_requests", False):
                options["pace"] = pace
            else:
                pace()
        return self.inner.send(to, body, **options)

    @property
    def can_look_up(self) -> bool:
        """Whether the gateway can say if it took a text whose answer was lost (SentLookup)."""
        return callable(getattr(self.inner, "find_sent", None))

    def find_sent(self, to: str, body: str, *, since: datetime) -> SendResult | None:
        return self.inner.find_sent(to, body, since=since)
