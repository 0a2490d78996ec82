"""Sending through Twilio's Messages API with the official SDK."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# The SDK imports its REST resources on first use, under the import lock: loaded here, with the
# gateway, so that the sending threads' first texts do not wait behind it, late and bunched.
from twilio.rest.api.v2010.account.message import MessageList  # noqa: F401

from followup.sending.gateways import twilio_codes
from followup.sending.gateways.base import (
    LookupFailedError,
    PermanentGatewayError,
    ProviderServerError,
    SendResult,
    TransientGatewayError,
    UnknownOutcomeError,
)

logger = logging.getLogger(__name__)

_LOOKUP_LIMIT = 50  # texts to one number to look through; an agency sends a number very few


class _PacedAdapter(HTTPAdapter):
    """Waits for the sender's rate limit at the last moment before a request goes out, when the
    request has been built; ``pace`` is set for the duration of one send (one per thread)."""

    pace: Callable[[], object] | None = None

    def send(self, request, *args, **kwargs):
        if self.pace is not None:
            self.pace()
        return super().send(request, *args, **kwargs)


class RedirectingHttpClient(TwilioHttpClient):
    """Send the SDK's requests to another base URL (a Twilio-compatible server, e.g. in tests)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        redirected = urlunsplit(
            (self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment)
        )
        return super().request(method, redirected, *args, **kwargs)


class TwilioGateway:
    name = "twilio"
    takes_validity_period = True  # Twilio queues texts; ValidityPeriod bounds the wait
    paces_requests = True  # send() takes ``pace``, called as the request goes out

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        api_url: str | None = None,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
    ):
        if not (messaging_service_sid or from_number):
            raise ValueError("set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
        self._credentials = (account_sid, auth_token)
        self._api_url = api_url
        # requests takes (connect, read): a dead host fails fast, a slow answer gets longer.
        self._timeout = (connect_timeout or min(timeout, 5.0), timeout)
        # One SDK client (and so one HTTP session and connection pool) per sending thread:
        # the SDK's client keeps per-request state and requests.Session is not thread-safe.
        self._local = threading.local()
        self._sender = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )

    @property
    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            # The SDK's default has no timeout at all; a hung connection would stall the sender.
            # Its constructor checks one number; requests takes a (connect, read) pair, which
            # the client hands over as is when set afterwards.
            http = (
                RedirectingHttpClient(self._api_url, timeout=self._timeout[1])
                if self._api_url
                else TwilioHttpClient(timeout=self._timeout[1])
            )
            http.timeout = self._timeout
            adapter = self._local.adapter = _PacedAdapter(pool_maxsize=2)
            http.session.mount("https://", adapter)
            http.session.mount("http://", adapter)
            client = self._local.client = Client(*self._credentials, http_client=http)
        return client

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
        pace: Callable[[], object] | None = None,
    ) -> SendResult:
        """Send one text. ``pace`` (the sender's rate limit) is waited for once the request is
        built, just before it goes out."""
        options = dict(self._sender)
        if status_callback:
            options["status_callback"] = status_callback
        if validity_period is not None:
            if not 1 <= validity_period <= twilio_codes.MAX_VALIDITY_PERIOD:
                raise ValueError(f"validity_period {validity_period} is not within 1..36000")
            options["validity_period"] = validity_period
        client = self._client
        self._local.adapter.pace = pace
        try:
            message = client.messages.create(to=to, body=body, **options)
        except TwilioRestException as exc:
            raise _classify(exc) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientGatewayError(
                f"could not connect to Twilio: {type(exc).__name__}"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise TransientGatewayError("could not connect to Twilio") from None
            raise UnknownOutcomeError(
                f"connection lost mid-request: {type(exc).__name__}"
            ) from None
        except requests.exceptions.Timeout as exc:
            raise UnknownOutcomeError(
                f"no answer from Twilio in time: {type(exc).__name__}"
            ) from None
        except requests.exceptions.RequestException as exc:
            # e.g. ChunkedEncodingError: Twilio began answering, then the answer was cut off.
            raise UnknownOutcomeError(f"answer from Twilio cut off: {type(exc).__name__}") from None
        except TwilioException as exc:
            if getattr(exc, "status", None) is not None:
                # TwilioServiceException: an RFC 9457 error body, a definite answer.
                raise _classify(exc) from None
            raise UnknownOutcomeError(f"Twilio SDK error: {type(exc).__name__}") from None
        finally:
            self._local.adapter.pace = None
        return SendResult(sid=message.sid, status=message.status or "queued")

    def find_sent(self, to: str, body: str, *, since: datetime) -> SendResult | None:
        """Return the outbound text to ``to`` with ``body`` created at or after ``since``.

        Twilio's Message resource does not show the StatusCallback URL, so a text is matched by
        number (the list filter), direction, exact body and creation time. Two reads at most:
        texts sent since then (``DateSent>``), then, when none matches, the newest texts to the
        number, for one still queued (a queued text has no date_sent yet).
        """
        since = since.astimezone(UTC).replace(microsecond=0)
        try:
            for filters in ({"date_sent_after": since}, {}):
                listed = self._client.messages.list(
                    to=to, limit=_LOOKUP_LIMIT, page_size=_LOOKUP_LIMIT, **filters
                )
                matches = [
                    m
                    for m in listed
                    if m.body == body
                    and (m.direction or "").startswith("outbound")
                    and (m.date_created is None or m.date_created >= since)
                ]
                if matches:
                    first = min(matches, key=lambda m: m.date_created or since)
                    return SendResult(
                        sid=first.sid, status=first.status or "queued", error_code=first.error_code
                    )
        except TwilioException as exc:
            raise LookupFailedError(
                f"could not list texts: {type(exc).__name__}",
                code=getattr(exc, "code", None),
                status=getattr(exc, "status", None),
            ) from None
        except requests.exceptions.RequestException as exc:
            raise LookupFailedError(f"could not list texts: {type(exc).__name__}") from None
        return None


def _classify(exc: TwilioException) -> TransientGatewayError | PermanentGatewayError:
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    text = f"Twilio refused the message (HTTP {status}, code {code})"
    meaning = twilio_codes.meaning(code, http_status=status)
    if (status or 0) >= 500:
        # Not idempotent: the text may have been stored before the error (reconcile first).
        return ProviderServerError(text, code=code, status=status, meaning=meaning)
    if meaning in twilio_codes.TRANSIENT:
        return TransientGatewayError(text, code=code, status=status, meaning=meaning)
    return PermanentGatewayError(text, code=code, status=status, meaning=meaning)


def _never_connected(exc: BaseException) -> bool:
    """Return True when the request provably never reached Twilio (refused, no route, DNS)."""
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | NameResolutionError):
            return True
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in current.args if isinstance(a, BaseException))
    return False
