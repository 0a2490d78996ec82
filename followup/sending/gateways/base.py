"""The one small interface every SMS gateway implements, and the errors it may raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from followup.sending.gateways import twilio_codes
from followup.sending.gateways.twilio_codes import Meaning


@dataclass(frozen=True)
class SendResult:
    sid: str  # the gateway's id for the message (Twilio's SM..., or the outbox's own)
    status: str  # a MessageStatus value: queued, accepted, sent...
    error_code: int | None = None  # a carrier error already reported (found by a lookup)


class GatewayError(Exception):
    """The gateway did not take the text."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        status: int | None = None,
        meaning: Meaning | None = None,
    ):
        super().__init__(message)
        self.code = code  # the provider's error code, e.g. Twilio's 21610 (kept for staff)
        self.status = status  # the HTTP status, when there was a response
        # What the code means here: what callers act on. Codes are Twilio's (the outbox never
        # refuses), so a gateway that names none gets Twilio's meaning of its code.
        if meaning is None:
            meaning = twilio_codes.meaning(code, http_status=status)
        self.meaning = meaning


class TransientGatewayError(GatewayError):
    """Not sent, and trying again later may work (rate limit, provider outage, no connection)."""


class ProviderServerError(TransientGatewayError):
    """The provider answered with a server error (HTTP 5xx).

    It most likely did not take the text, but sending is not idempotent: a 5xx can come after
    the text was stored. The sender looks the text up before it sends it again.
    """


class PermanentGatewayError(GatewayError):
    """Not sent, and never will be as it stands (invalid number, unsubscribed, not a mobile)."""


class UnknownOutcomeError(GatewayError):
    """The request may or may not have reached the provider (e.g. a read timeout).

    Resending could text the caller twice, so the follow-up is surfaced to staff instead.
    """


class LookupFailedError(GatewayError):
    """The provider could not be asked whether it took a text (so nobody knows)."""


class SmsGateway(Protocol):
    name: str
    # Optional: a gateway that queues texts sets ``takes_validity_period = True`` and accepts
    # ``validity_period``; the opt-out guard passes it to no other.

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SendResult:
        """Hand one text to the provider; raise a GatewayError subclass when it is not taken.

        ``validity_period``: the most seconds the text may wait in the provider's queue before
        it is dropped undelivered (e.g. so that it cannot arrive in quiet hours); None for the
        provider's default. Gateways without a queue ignore it.
        """
        ...


class SentLookup(Protocol):
    """A gateway that can tell whether it took a text whose answer was lost (Twilio can)."""

    def find_sent(self, to: str, body: str, *, since: datetime) -> SendResult | None:
        """Return the text sent to ``to`` with ``body`` at or after ``since``, or None.

        Raise LookupFailedError when the provider cannot be asked.
        """
        ...
