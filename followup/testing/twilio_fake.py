"""A local, Twilio-compatible fake of the Messages API, for tests and benchmarks.

The real ``twilio`` SDK talks to it over HTTP (point ``TwilioGateway(api_url=fake.url)`` at it).
It answers what Twilio answers for what our product uses:

- ``POST /2010-04-01/Accounts/<AccountSid>/Messages.json``: create (form fields To, From or
  MessagingServiceSid, Body, StatusCallback), HTTP Basic auth, Twilio's JSON resource and errors;
- ``GET  /2010-04-01/Accounts/<AccountSid>/Messages/<MessageSid>.json``: fetch one;
- ``GET  /2010-04-01/Accounts/<AccountSid>/Messages.json``: list, newest first, filters To,
  From, ``DateSent>`` and ``DateSent<`` (on or after / on or before; a date or an ISO 8601 UTC
  time; a text not yet sent has no date_sent and matches neither), paging with PageSize and
  Page, in Twilio's page shape (``messages``, ``next_page_uri``, ``page``, ...).

It records every request (``fake.requests``), every created message (``fake.messages``) and the
ValidityPeriod each was sent with (``fake.validity_period_of(sid)``). It can be told how to
answer the next create requests: an error before anything is stored (``fail_next``,
``respond_next``), the message stored and then the answer cut off (``cut_off_next``) or held
until the client gives up (``time_out_next``: accepted on Twilio's side, the answer lost); how
to answer the next list requests (``fail_lists_next``); and how slowly to answer
(``fake.latency``, seconds, for every request).

Usable without pytest::

    with FakeTwilio() as fake:
        gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, from_number="+12025550100",
                                api_url=fake.url, timeout=5)
        ...

The server is werkzeug's threaded development server. It closes the connection after every
response (werkzeug disables keep-alive), so each request costs one loopback TCP connection.
"""

from __future__ import annotations

import collections
import itertools
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
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

    @property
    def is_create(self) -> bool:
        return self.method == "POST" and self.path.endswith("/Messages.json")


@dataclass(frozen=True)
class _Scripted:
    status: int
    body: dict[str, Any] | str
    cut_off: bool = False  # create the message, send half of the 201 answer, hang up
    hold: bool = False  # create the message, answer only after the client has given up


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the access log (its lines would carry query strings)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeTwilio:
    """A Twilio-compatible Messages API on 127.0.0.1, served from a background thread."""

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        latency: float = 0.0,
        sender_numbers: set[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = latency  # seconds to wait before answering each request
        # The From numbers the account owns; None accepts any E.164 number.
        self.sender_numbers = sender_numbers
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._messages: dict[str, dict[str, Any]] = {}  # sid -> resource, in creation order
        self._status_callbacks: dict[str, str | None] = {}
        self._validity_periods: dict[str, int | None] = {}
        self._script: collections.deque[_Scripted] = collections.deque()
        self._list_script: collections.deque[_Scripted] = collections.deque()
        self.hold_seconds = 30.0  # how long time_out_next holds an answer (stop() ends it)
        self._stopping = threading.Event()
        self._workers: set[threading.Thread] = set()
        self._worker_names = itertools.count(1)
        self._server = None
        self._thread: threading.Thread | None = None
        self._urls = Map(
            [
                Rule("/2010-04-01/Accounts/<account>/Messages.json", endpoint="messages"),
                Rule("/2010-04-01/Accounts/<account>/Messages/<sid>.json", endpoint="message"),
            ]
        )

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake Twilio server is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeTwilio:
        if self._server is not None:
            raise RuntimeError("already started")
        self._stopping.clear()
        server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietRequestHandler
        )
        # Track each request's thread ourselves (werkzeug's are daemons nobody joins), so that
        # stop() can wait for them and nothing is left writing to a closed socket.
        server.process_request = self._process_request
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="twilio-fake-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, wake requests waiting out their latency, join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        thread.join(timeout)
        server.server_close()  # serve_forever closes it too; closing twice is harmless
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _process_request(self, request, client_address) -> None:
        server = self._server
        worker = threading.Thread(
            target=server.process_request_thread,
            args=(request, client_address),
            name=f"twilio-fake-request-{next(self._worker_names)}",
            daemon=True,
        )
        with self._lock:
            self._workers = {w for w in self._workers if w.is_alive()}
            self._workers.add(worker)
        worker.start()

    # -- what it saw ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def create_requests(self) -> list[RecordedRequest]:
        """The POSTs to Messages.json (attempts to send), oldest first."""
        return [r for r in self.requests if r.is_create]

    @property
    def messages(self) -> dict[str, dict[str, Any]]:
        """Every created message resource by sid, in creation order (copies)."""
        with self._lock:
            return {sid: dict(resource) for sid, resource in self._messages.items()}

    def status_callback_of(self, sid: str) -> str | None:
        with self._lock:
            return self._status_callbacks[sid]

    def validity_period_of(self, sid: str) -> int | None:
        """The ValidityPeriod (seconds) the message was created with; None when not given."""
        with self._lock:
            return self._validity_periods[sid]

    @property
    def list_requests(self) -> list[RecordedRequest]:
        """The GETs of Messages.json (lookups), oldest first."""
        return [r for r in self.requests if r.method == "GET" and r.path.endswith("/Messages.json")]

    def reset(self) -> None:
        """Forget requests, messages and scripted answers (latency is kept)."""
        with self._lock:
            self._requests.clear()
            self._messages.clear()
            self._status_callbacks.clear()
            self._validity_periods.clear()
            self._script.clear()
            self._list_script.clear()

    # -- programming it ------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        message: str | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` create requests with a Twilio error (nothing is created)."""
        text = message or {
            401: "Authenticate",
            429: "Too Many Requests",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }.get(status, "Bad Request")
        self.respond_next(status, twilio_error(status, code, text), times=times)

    def respond_next(self, status: int, body: dict[str, Any] | str, *, times: int = 1) -> None:
        """Answer the next ``times`` create requests with exactly this status and body."""
        with self._lock:
            self._script.extend(_Scripted(status, body) for _ in range(times))

    def cut_off_next(self, *, times: int = 1) -> None:
        """Create the next message(s), but cut the 201 answer off mid-body and hang up."""
        with self._lock:
            self._script.extend(_Scripted(201, "", cut_off=True) for _ in range(times))

    def time_out_next(self, *, times: int = 1) -> None:
        """Create the next message(s), then hold the answer until the client times out.

        Twilio took the text; the sender never hears so. The held request ends after
        ``hold_seconds`` or when the fake stops, whichever comes first."""
        with self._lock:
            self._script.extend(_Scripted(201, "", hold=True) for _ in range(times))

    def fail_lists_next(
        self, status: int, code: int | None = None, message: str | None = None, *, times: int = 1
    ) -> None:
        """Answer the next ``times`` list requests with a Twilio error."""
        body = twilio_error(status, code, message or "Service Unavailable")
        with self._lock:
            self._list_script.extend(_Scripted(status, body) for _ in range(times))

    def set_status(
        self,
        sid: str,
        status: str,
        *,
        error_code: int | None = None,
        error_message: str | None = None,
    ) -> None:
        """Move a message along (delivered, undelivered...), as Twilio would later."""
        with self._lock:
            resource = self._messages[sid]
            now = format_datetime(self._clock())
            resource.update(
                status=status,
                error_code=error_code,
                error_message=error_message,
                date_updated=now,
            )
            if status in ("sent", "delivered", "undelivered") and resource["date_sent"] is None:
                resource["date_sent"] = now  # Twilio dates a text when it hands it on

    # -- the WSGI app --------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        auth = request.authorization
        auth_user = auth.username if auth is not None and auth.type == "basic" else None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            form=request.form.to_dict(),
            query=request.args.to_dict(),
            auth_user=auth_user,
        )
        with self._lock:
            self._requests.append(record)
        response = self._answer(request, record)
        if self.latency > 0:
            self._stopping.wait(self.latency)
        return response(environ, start_response)

    def _answer(self, request: Request, record: RecordedRequest) -> Response:
        adapter = self._urls.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            return _json(405, twilio_error(405, 20004, "Method not allowed"))
        except (NotFound, HTTPException):
            return _not_found(request.path)
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or auth.username != self.account_sid
            or auth.password != self.auth_token
        ):
            response = _json(401, twilio_error(401, 20003, "Authenticate"))
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if args["account"] != self.account_sid:
            return _not_found(request.path)
        if endpoint == "message":
            return self._fetch(request.path, args["sid"])
        if request.method == "GET":
            return self._list(request)
        return self._create(record)

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
