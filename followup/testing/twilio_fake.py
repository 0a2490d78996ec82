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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from followup.testing.twilio_api import (
    MessagesApi,
    RecordedRequest,
    _json,
    _not_found,
    twilio_error,
)

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"










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


class FakeTwilio(MessagesApi):
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
        arrived = time.monotonic()
        request = Request(environ)
        auth = request.authorization
        auth_user = auth.username if auth is not None and auth.type == "basic" else None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            form=request.form.to_dict(),
            query=request.args.to_dict(),
            auth_user=auth_user,
            arrived=arrived,
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











