"""The soak's traffic: a Twilio fake that reports what it texted, the replies and delivery
statuses it answers with, and the commander who watches the queue.
"""

from __future__ import annotations

import collections
import http.client
import os
import queue
import random
import re
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _load as loadgen  # noqa: E402
import _servers as servers  # noqa: E402
import inbound  # noqa: E402  (its signed replies)

from followup.testing.twilio_fake import ACCOUNT_SID, FakeTwilio  # noqa: E402

RATES = {"intake": 12.0, "reply": 17.0, "status": 17.0, "queue page": 1.0, "queue refresh": 3.0}
DUPLICATE_EVERY = 50  # reply n % 50 == 1 repeats the one before, == 26 one about 100 before
UNDELIVERED_EVERY = 25
USERNAME = "soak-commander"
PASSWORD = "soak " + os.urandom(8).hex()  # the commander's password, never printed
STATUS_PATH = "/webhooks/twilio/status"


class SoakTwilio(FakeTwilio):
    """The fake, handing each check-in it creates to the reply and status sources."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.for_replies: queue.SimpleQueue = queue.SimpleQueue()  # the number texted
        self.for_statuses: queue.SimpleQueue = queue.SimpleQueue()  # (sid, to, callback URL)
        self._texted: list[str] = []  # numbers sent a check-in, in order
        self._others: list[tuple[str, float]] = []  # (to, accepted at) of every other text
        self._seen = threading.Lock()

    def _new_message(self, form):
        resource = super()._new_message(form)
        callback = form.get("StatusCallback")
        if callback:  # a check-in (alerts to commanders carry no callback)
            self.for_replies.put(form["To"])
            self.for_statuses.put((resource["sid"], form["To"], callback))
            with self._seen:
                self._texted.append(form["To"])
        else:  # accepted once the fake answers, after its latency
            with self._seen:
                self._others.append((form["To"], time.monotonic() + self.latency))
        return resource

    def texted_numbers(self) -> list[str]:
        with self._seen:
            return list(self._texted)

    def alerts_to(self, number: str) -> list[float]:
        """When each text without a status callback (an alert) to ``number`` was accepted."""
        with self._seen:
            return [at for to, at in self._others if to == number]


class Built:
    """A request sequence built as it is sent: ``open_loop`` takes ``len`` and ``[i]`` only,
    and asks for item i when it sends it, so a reply can answer a text sent a moment ago."""

    def __init__(self, build, length: int):
        self.build, self.length = build, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> bytes:
        return self.build(i)


class Replies:
    """Signed inbound texts from the callers the fake texted, plus strangers and duplicates."""

    def __init__(self, twilio: SoakTwilio, strangers: list[str], seed: int):
        self.twilio, self.strangers = twilio, strangers
        self.signer = inbound.Replies([], [], seed)  # signs with inbound.AUTH_TOKEN
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.waiting: collections.deque[tuple[str, int]] = collections.deque()  # (caller, round)
        self.recent: collections.deque[tuple[str, bytes]] = collections.deque(maxlen=120)
        self.count = 0
        self.sids: set[str] = set()  # every MessageSid posted
        self.duplicated: list[str] = []  # MessageSids posted a second time on purpose
        self.kinds = Counter()

    def __call__(self, _i: int) -> bytes:
        with self.lock:
            while True:
                try:
                    self.waiting.append((self.twilio.for_replies.get_nowait(), 0))
                except queue.Empty:
                    break
            n, self.count = self.count, self.count + 1
            if n % DUPLICATE_EVERY in (1, DUPLICATE_EVERY // 2 + 1) and len(self.recent) >= 100:
                sid, request = self.recent[-1] if n % DUPLICATE_EVERY == 1 else self.recent[-100]
                self.duplicated.append(sid)
                self.kinds["duplicate"] += 1
                return request
            if n % inbound.UNSOLICITED_EVERY == inbound.UNSOLICITED_EVERY - 1 or not self.waiting:
                sender, body = self.rng.choice(self.strangers), self.rng.choice(inbound.UNSOLICITED)
                self.kinds["from a number not texted"] += 1
            else:
                sender, round_ = self.waiting.popleft()
                body = self.rng.choice(inbound.ROUNDS[round_])
                if round_ + 1 < len(inbound.ROUNDS):
                    self.waiting.append((sender, round_ + 1))
                self.kinds["from a caller texted"] += 1
            form = self.signer._form(sender, body)
            request = self.signer.request(form)
            self.sids.add(form["MessageSid"])
            self.recent.append((form["MessageSid"], request))
            return request


class Statuses:
    """Signed delivery callbacks for the check-ins the fake created: sent, then delivered."""

    def __init__(self, twilio: SoakTwilio, seed: int):
        from twilio.request_validator import RequestValidator

        self.twilio = twilio
        self.validator = RequestValidator(inbound.AUTH_TOKEN)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.waiting: collections.deque[tuple[str, str, str, int]] = collections.deque()
        self.delivered: collections.deque[tuple[str, str, str]] = collections.deque(maxlen=200)
        self.count = 0
        self.undelivered: set[str] = set()  # sids reported undelivered
        # sid -> the furthest status posted for it (statuses only move forward in the service,
        # and each is posted after the one before it): what its text must show at the end
        self.expected: dict[str, str] = {}
        self.kinds = Counter()

    def __call__(self, _i: int) -> bytes:
        with self.lock:
            while True:
                try:
                    self.waiting.append((*self.twilio.for_statuses.get_nowait(), 0))
                except queue.Empty:
                    break
            self.count += 1
            error = None
            if self.waiting:
                sid, to, url, step = self.waiting.popleft()
                if step == 0:
                    status = "sent"
                    self.waiting.append((sid, to, url, 1))
                elif self.count % UNDELIVERED_EVERY == 0:
                    status, error = "undelivered", "30003"  # the service retries it later
                    self.undelivered.add(sid)
                else:
                    status = "delivered"
                    self.delivered.append((sid, to, url))
            elif self.delivered:
                sid, to, url = self.rng.choice(self.delivered)
                status = "delivered (repeated)"
            else:  # nothing texted yet: a callback about a message the service never sent
                sid, to, url = (
                    "SM" + os.urandom(16).hex(),
                    servers.AGENCY_NUMBER,
                    (servers.PUBLIC_URL + STATUS_PATH),
                )
                status = "sent (unknown message)"
            self.kinds[status] += 1
            shown = status.split(" ")[0]
            if status == shown:  # not a repeat, not a message the service never sent
                self.expected[sid] = shown
            form = {
                "SmsSid": sid,
                "SmsStatus": shown,
                "MessageStatus": shown,
                "To": to,
                "MessagingServiceSid": inbound.MESSAGING_SERVICE_SID,
                "MessageSid": sid,
                "AccountSid": ACCOUNT_SID,
                "From": servers.AGENCY_NUMBER,
                "ApiVersion": "2010-04-01",
            }
            if error:
                form["ErrorCode"] = error
            parts = urlsplit(url)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": self.validator.compute_signature(url, form),
                "User-Agent": "TwilioProxy/1.1",
            }
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            return servers.http_request("POST", path, headers, urlencode(form).encode())


def create_commander(database_url: str) -> None:
    from sqlalchemy import select

    from followup.core.db import Database
    from followup.models import Agency
    from followup.staff import users

    db = Database(database_url)
    try:
        with db.begin() as session:
            agency = session.scalar(select(Agency))
            users.create_user(
                session, agency, USERNAME, "commander", PASSWORD, now=datetime.now(UTC)
            )
    finally:
        db.dispose()


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()


def sign_in(server: servers.Server) -> str:
    """Sign in through the login form, as a browser does; return the Cookie header."""
    jar: dict[str, str] = {}

    def call(method: str, path: str, body: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(servers.HOST, server.port, timeout=30)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            _cookies(response, jar)
            return response.status, text
        finally:
            conn.close()

    _, page = call("GET", "/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not found:
        raise RuntimeError("the login page carries no CSRF token")
    status, _ = call(
        "POST",
        "/login",
        urlencode({"csrf_token": found.group(1), "username": USERNAME, "password": PASSWORD}),
    )
    if status != 302:
        raise RuntimeError(f"signing in answered {status}, not a redirect")
    status, _ = call("GET", "/callbacks")
    if status != 200:
        raise RuntimeError(f"the queue answered {status} after signing in")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def traffic(app: servers.Server, sources: dict[str, object], seconds: float, tag: str) -> dict:
    """Every kind on its own open-loop schedule, all at once; their loads by kind."""
    loads: dict[str, loadgen.Load] = {}
    errors: list[BaseException] = []

    def run(kind: str) -> None:
        rate = RATES[kind]
        try:
            loads[kind] = loadgen.open_loop(
                app, sources[kind], rate=rate, seconds=seconds, threads=12, label=f"{kind} ({tag})"
            )
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(kind,), daemon=True) for kind in RATES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return loads
