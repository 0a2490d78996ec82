"""The fake's Messages API itself: create, fetch and list texts as Twilio answers them
(status codes, JSON shapes, error codes, paging), for ``FakeTwilio``."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
API_VERSION = "2010-04-01"

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_NANP = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")  # +1: area code and number, ten digits
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")
_MAX_BODY = 1600

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

API_VERSION = "2010-04-01"
_E164 = re.compile(r"\+[1-9]\d{1,14}")
_NANP = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")  # +1: area code and number, ten digits
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")
_MAX_BODY = 1600
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def num_segments(body: str) -> int:
    """How many SMS segments Twilio bills for ``body`` (GSM-7, else UCS-2)."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in body):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def twilio_error(status: int, code: int | None, message: str) -> dict[str, Any]:
    """Twilio's JSON error body (the legacy shape the Messages API uses)."""
    body: dict[str, Any] = {"code": code, "message": message, "more_info": None, "status": status}
    if code is None:
        del body["code"]
        body["more_info"] = "https://www.twilio.com/docs/errors"
    else:
        body["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return body


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it."""

    method: str
    path: str
    form: dict[str, str]  # form fields (first value of each)
    query: dict[str, str]  # query-string parameters (first value of each)
    auth_user: str | None  # the HTTP Basic user name, None without Basic auth
    # time.monotonic() when the request reached the app, before its body was read (where an
    # account's rate limit is counted; stamping after parsing added the fake's own jitter)
    arrived: float = 0.0

    @property
    def is_create(self) -> bool:
        return self.method == "POST" and self.path.endswith("/Messages.json")


def _date_filter(text: str | None, *, end_of_day: bool = False) -> datetime | None:
    """Read a DateSent filter: YYYY-MM-DD (a whole day) or YYYY-MM-DDTHH:MM:SSZ (UTC)."""
    if text is None:
        return None
    if len(text) == 10:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end_of_day else day
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _json(status: int, body: dict[str, Any] | str) -> Response:
    text = body if isinstance(body, str) else json.dumps(body)
    return Response(text, status=status, content_type="application/json")


def _not_found(path: str) -> Response:
    return _json(404, twilio_error(404, 20404, f"The requested resource {path} was not found"))


class MessagesApi:
    """Twilio's Messages resource, answered from the fake's own store (mixed into FakeTwilio,
    whose lock, messages, scripts and clock these use)."""

    def _create(self, record: RecordedRequest) -> Response:
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None and not (scripted.cut_off or scripted.hold):
            return _json(scripted.status, scripted.body)
        form = record.form
        error = self._validate(form)
        if error is not None:
            return _json(400, error)
        resource = self._new_message(form)
        if scripted is not None and scripted.hold:
            self._stopping.wait(self.hold_seconds)
            return _json(201, resource)
        if scripted is not None:  # cut off: announce the whole answer, send half of it
            full = json.dumps(resource).encode()
            response = Response(full[: len(full) // 2], status=201, content_type="application/json")
            response.headers["Content-Length"] = str(len(full))
            return response
        return _json(201, resource)

    def _validate(self, form: dict[str, str]) -> dict[str, Any] | None:
        to = form.get("To", "")
        sender = form.get("From", "")
        service = form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if service and not _MESSAGING_SERVICE_SID.fullmatch(service):
            return twilio_error(400, 21701, f"The Messaging Service Sid {service} is invalid.")
        if sender and (
            not _E164.fullmatch(sender)
            or (self.sender_numbers is not None and sender not in self.sender_numbers)
        ):
            return twilio_error(
                400,
                21606,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone "
                "number or short code for your account.",
            )
        if not body and not form.get("MediaUrl"):
            return twilio_error(400, 21602, "Message body is required.")
        validity = form.get("ValidityPeriod")
        if validity is not None and (not validity.isdigit() or not 1 <= int(validity) <= 36000):
            return twilio_error(400, None, "ValidityPeriod must be between 1 and 36000 seconds.")
        if len(body) > _MAX_BODY:
            return twilio_error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if not _E164.fullmatch(to) or (to.startswith("+1") and not _NANP.fullmatch(to)):
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        return None

    def _new_message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(self._clock())
        sender = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(num_segments(form["Body"])),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": form["To"],
            "uri": f"{base}.json",
        }
        with self._lock:
            self._messages[sid] = resource
            self._status_callbacks[sid] = form.get("StatusCallback")
            validity = form.get("ValidityPeriod")
            self._validity_periods[sid] = int(validity) if validity else None
            return dict(resource)

    def _fetch(self, path: str, sid: str) -> Response:
        with self._lock:
            resource = self._messages.get(sid)
            resource = dict(resource) if resource is not None else None
        if resource is None:
            return _not_found(path)
        return _json(200, resource)

    # Long because it mirrors Twilio's list filters and paging, one parameter at a time.
    def _list(self, request: Request) -> Response:
        with self._lock:
            scripted = self._list_script.popleft() if self._list_script else None
        if scripted is not None:
            return _json(scripted.status, scripted.body)
        to = request.args.get("To")
        sender = request.args.get("From")
        try:
            page_size = max(1, min(1000, int(request.args.get("PageSize", 50))))
            page = max(0, int(request.args.get("Page", 0)))
            after = _date_filter(request.args.get("DateSent>"))
            before = _date_filter(request.args.get("DateSent<"), end_of_day=True)
        except ValueError:
            return _json(400, twilio_error(400, 20001, "Invalid paging or date parameters"))

        def sent_within(m: dict[str, Any]) -> bool:
            if after is None and before is None:
                return True
            if m["date_sent"] is None:
                return False
            sent = parsedate_to_datetime(m["date_sent"])
            return (after is None or sent >= after) and (before is None or sent <= before)

        with self._lock:
            found = [
                dict(m)
                for m in reversed(self._messages.values())
                if (to is None or m["to"] == to)
                and (sender is None or m["from"] == sender)
                and sent_within(m)
            ]
        start = page * page_size
        chunk = found[start : start + page_size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def page_uri(number: int) -> str:
            query = [
                ("To", to),
                ("From", sender),
                ("DateSent>", request.args.get("DateSent>")),
                ("DateSent<", request.args.get("DateSent<")),
                ("PageSize", page_size),
                ("Page", number),
            ]
            return base + "?" + urlencode([(k, v) for k, v in query if v is not None])

        has_next = start + page_size < len(found)
        return _json(
            200,
            {
                "end": start + len(chunk) - 1 if chunk else start,
                "first_page_uri": page_uri(0),
                "messages": chunk,
                "next_page_uri": page_uri(page + 1) if has_next else None,
                "page": page,
                "page_size": page_size,
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "start": start,
                "uri": page_uri(page),
            },
        )
