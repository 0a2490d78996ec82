"""The one small interface every SMS gateway implements, and the errors it may raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    sid: str  # the gateway's id for the message (Twilio's SM..., or the outbox's own)
    status: str  # a MessageStatus value: queued, accepted, sent...


class GatewayError(Exception):
    """The gateway did not take the text."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code  # the provider's error code, e.g. Twilio's 21610
        self.status = status  # the HTTP status, when there was a response


class TransientGatewayError(GatewayError):
    """Not sent, and trying again later may work (rate limit, provider outage, no connection)."""


class PermanentGatewayError(GatewayError):
    """Not sent, and never will be as it stands (invalid number, unsubscribed, not a mobile)."""


class UnknownOutcomeError(GatewayError):
    """The request may or may not have reached the provider (e.g. a read timeout).

    Resending could text the caller twice, so the follow-up is surfaced to staff instead.
    """


class SmsGateway(Protocol):
    name: str

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Hand one text to the provider; raise a GatewayError subclass when it is not taken."""
        ...
