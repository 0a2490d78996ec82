"""Soak the service: mixed traffic at 50 requests/s for ten minutes, nothing lost, memory flat.

The service runs as in production: `followup web -w 2` (gunicorn sync workers) on 127.0.0.1 and
`followup sender` as its own process, sending through the real `twilio` SDK to a local
Twilio-compatible fake (tests/twilio_fake.py, started in this process on a free port, answering
each create after 100 ms). Measured on SQLite (a temporary file) and on PostgreSQL (a fresh
database on the server named by FOLLOWUP_BENCH_POSTGRES_URL or FOLLOWUP_TEST_DATABASE_URL, dropped
afterwards; skipped, saying so, when neither is set).

The traffic, open loop (each kind on its own fixed schedule, 50 requests/s together; latency from
each request's scheduled start; a request still waiting 3 s after the last was due is not sent,
counted "unsent", see bench/_harness.py):
- intake, 12/s: closed calls posted to POST /api/v1/calls with a per-agency bearer token (the
  events of bench/intake.py: fictional callers, a sixth of the calls sensitive);
- replies, 17/s: signed inbound texts (POST /webhooks/twilio/sms, as bench/inbound.py builds them)
  from callers the fake Twilio really texted during the soak, in rounds (a rating, a comment,
  thanks), one in ten from a number never texted; one reply in 25 is posted twice with the same
  MessageSid (a Twilio retry), half right after the first, half about six seconds later;
- statuses, 17/s: signed delivery callbacks (POST /webhooks/twilio/status?m=<id>, MessageSid and
  MessageStatus) for the texts the fake received: "sent", then "delivered", or one in 25
  "undelivered" with 30003 (unreachable handset), which the service answers by sending the
  check-in again later; when none is waiting, a repeat of an earlier "delivered";
- dashboard, 4/s (15 commanders refreshing every 5 s): a commander signed in once through the
  login form (its CSRF token), then the callback queue page (1/s) and its htmx refresh fragment
  (3/s) with that session cookie.
A warm-up of the same mix (10 s) comes first; memory "at start" is read after it. The soak runs in
slices of about a minute (a line each: rate achieved, p99 by kind, memory) to show drift.

Printed per database: requests by kind (sent, p50, p99, max, 5xx, no answer, other non-2xx by
status, unsent); the queue page and fragment timed alone afterwards, with the open callbacks;
end to end, over the warm-up and the soak: intake events accepted against calls and follow-ups
stored; replies posted (unique MessageSids) against inbound texts stored, none lost, none stored
twice, each deliberate duplicate one row; check-in texts the fake received against follow-ups
sent (matched through the status callback's message id): none texted twice (beyond one resend per
undelivered text), none to another number than its follow-up's, none marked sent without a text
or texted without being marked sent (unless waiting to retry), none left due or in doubt once
the sender has caught up; the resident memory (VmRSS) of each web worker and of the sender after
the warm-up and at the end, and its growth (target under 10%). The last line is the key figure.
No phone number or message body is printed.

Exit status: 1 when a request got a 5xx or no answer, or a reply or check-in was lost or
duplicated (or the soak could not run); a missed memory target is reported, exit 0.
Duration: `--seconds N` per database (default 600, the full soak, about 22 minutes with both
databases); FOLLOWUP_SOAK_SECONDS overrides the default. `make bench` sets
FOLLOWUP_SOAK_SECONDS=45 (about 2.5 minutes for both databases) so that every benchmark together
stays under 10 minutes; the full soak is `.venv/bin/python bench/soak.py` alone.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import queue
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import inbound  # noqa: E402  (its signed replies)
import intake  # noqa: E402  (its closed-call events)

from followup.testing.twilio_fake import ACCOUNT_SID, FakeTwilio  # noqa: E402

TARGET_GROWTH = 10.0  # per cent of resident memory, start to end
WARM_UP = 10.0  # seconds
SLICE = 60.0  # seconds: the soak's figures over time, a line per slice
TWILIO_LATENCY = 0.100  # seconds the fake takes to answer a create
# requests/s of each kind, 50 together; the dashboard as 15 commanders polling every 5 s
RATES = {"intake": 12.0, "reply": 17.0, "status": 17.0, "queue page": 1.0, "queue refresh": 3.0}
DUPLICATE_EVERY = 50  # reply n % 50 == 1 repeats the one before, == 26 one about 100 before
UNDELIVERED_EVERY = 25
USERNAME = "soak-commander"
PASSWORD = "soak " + os.urandom(8).hex()  # the commander's password, never printed
STATUS_PATH = "/webhooks/twilio/status"


def default_seconds() -> float:
    value = os.environ.get("FOLLOWUP_SOAK_SECONDS", "").strip()
    try:
        return float(value) if value else 600.0
    except ValueError:
        sys.exit(f"FOLLOWUP_SOAK_SECONDS={value!r} is not a number of seconds")


# --- the fake Twilio, telling us what it texted --------------------------------------------------


class SoakTwilio(FakeTwilio):
    """The fake, handing each check-in it creates to the reply and status sources."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.for_replies: queue.SimpleQueue = queue.SimpleQueue()  # the number texted
        self.for_statuses: queue.SimpleQueue = queue.SimpleQueue()  # (sid, to, callback URL)

    def _new_message(self, form):
        resource = super()._new_message(form)
        callback = form.get("StatusCallback")
        if callback:  # a check-in (alerts to commanders carry no callback)
            self.for_replies.put(form["To"])
            self.for_statuses.put((resource["sid"], form["To"], callback))
        return resource


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
                    h.AGENCY_NUMBER,
                    (h.PUBLIC_URL + STATUS_PATH),
                )
                status = "sent (unknown message)"
            self.kinds[status] += 1
            shown = status.split(" ")[0]
            form = {
                "SmsSid": sid,
                "SmsStatus": shown,
                "MessageStatus": shown,
                "To": to,
                "MessagingServiceSid": inbound.MESSAGING_SERVICE_SID,
                "MessageSid": sid,
                "AccountSid": ACCOUNT_SID,
                "From": h.AGENCY_NUMBER,
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
            return h.http_request("POST", path, headers, urlencode(form).encode())


# --- the commander ------------------------------------------------------------------------------


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


def sign_in(server: h.Server) -> str:
    """Sign in through the login form, as a browser does; return the Cookie header."""
    jar: dict[str, str] = {}

    def call(method: str, path: str, body: str | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(h.HOST, server.port, timeout=30)
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


# --- one database --------------------------------------------------------------------------------


def traffic(app: h.Server, sources: dict[str, object], seconds: float, tag: str) -> dict:
    """Every kind on its own open-loop schedule, all at once; their loads by kind."""
    loads: dict[str, h.Load] = {}
    errors: list[BaseException] = []

    def run(kind: str) -> None:
        rate = RATES[kind]
        try:
            loads[kind] = h.open_loop(
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


def memory(app: h.Server, sender: h.Server) -> dict[str, float]:
    """VmRSS in MB of each web worker (by pid) and of the sender."""
    found = {}
    for pid in sorted(app.worker_pids()):
        try:
            found[f"web worker {pid}"] = h.memory_mb(pid)[0]
        except (OSError, KeyError):
            pass
    try:
        found["sender"] = h.memory_mb(sender.proc.pid)[0]
    except (OSError, KeyError):
        pass
    return found


def wait_sent(database_url: str, timeout: float = 60.0) -> float:
    """Wait until the sender has caught up (nothing due is left waiting or being sent)."""
    from sqlalchemy import func, or_, select

    from followup.core.db import Database
    from followup.models import FollowUp, FollowUpStatus

    db = Database(database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with db.Session() as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(
                        or_(
                            FollowUp.status == FollowUpStatus.SENDING,
                            (FollowUp.status == FollowUpStatus.SCHEDULED)
                            & (FollowUp.send_at <= datetime.now(UTC)),
                        )
                    )
                )
            if not left:
                break
            time.sleep(0.5)  # polling the database, not a synchronisation
    finally:
        db.dispose()
    return time.monotonic() - started


# Long because it checks, one query after another, that every request left its row.
def stored(
    database_url: str,
    reply_sids: set[str],
    duplicated: list[str],
    texted: dict[str, tuple[str, int]],
    undelivered: set[str],
) -> dict:
    """What the database holds, in counts; ``texted``: the fake's check-ins (sid: (to, m)),
    ``undelivered``: the sids of those reported undelivered (30003, retried by the service)."""
    from sqlalchemy import func, select

    from followup.core.db import Database
    from followup.models import (
        Call,
        Callback,
        CallbackStatus,
        FollowUp,
        FollowUpStatus,
        Message,
        MessageDirection,
    )

    db = Database(database_url)
    count = func.count()
    inbound_ = Message.direction == MessageDirection.INBOUND
    try:
        with db.Session() as s:
            out = {
                "calls": s.scalar(select(count).select_from(Call)),
                "followups": dict(
                    s.execute(select(FollowUp.status, count).group_by(FollowUp.status)).all()
                ),
                "inbound": s.scalar(select(count).select_from(Message).where(inbound_)),
                "open callbacks": s.scalar(
                    select(count)
                    .select_from(Callback)
                    .where(Callback.status != CallbackStatus.RESOLVED)
                ),
            }
            rows = Counter()  # inbound rows per MessageSid posted
            sids = list(reply_sids)
            for start in range(0, len(sids), 500):
                chunk = sids[start : start + 500]
                rows.update(
                    dict(
                        s.execute(
                            select(Message.sid, count)
                            .where(inbound_, Message.sid.in_(chunk))
                            .group_by(Message.sid)
                        ).all()
                    )
                )
            out["reply rows"] = rows
            out["replies lost"] = sum(1 for sid in reply_sids if not rows.get(sid))
            out["replies stored twice"] = sum(1 for n in rows.values() if n > 1)
            out["duplicates one row"] = sum(1 for sid in duplicated if rows.get(sid) == 1)

            message_ids = sorted({m for _, m in texted.values()})
            followup_of = {}
            for start in range(0, len(message_ids), 500):
                followup_of.update(
                    dict(
                        s.execute(
                            select(Message.id, Message.followup_id).where(
                                Message.id.in_(message_ids[start : start + 500])
                            )
                        ).all()
                    )
                )
            # A text reported undelivered with a transient code (30003) is sent again later:
            # each such text allows the follow-up one more, and a follow-up waiting to retry.
            followups = {
                fid: (status, phone)
                for fid, status, phone in s.execute(
                    select(FollowUp.id, FollowUp.status, FollowUp.phone)
                )
            }
            per_followup = Counter(followup_of.get(m) for _, m in texted.values())
            retried = Counter(followup_of.get(texted[sid][1]) for sid in undelivered)
            out["texts"] = len(texted)
            out["texts without a follow-up"] = per_followup.pop(None, 0)
            out["follow-ups texted"] = len(per_followup)
            out["follow-ups texted twice"] = sum(
                1 for fid, n in per_followup.items() if n > 1 + retried[fid]
            )
            out["texts to another number"] = sum(
                1
                for to, m in texted.values()
                if (fid := followup_of.get(m)) is not None and followups[fid][1] != to
            )
            sent = {fid for fid, (status, _) in followups.items() if status == FollowUpStatus.SENT}
            out["sent, never texted"] = sum(1 for fid in sent if fid not in per_followup)
            waiting = {
                fid
                for fid in per_followup
                if fid not in sent
                and retried[fid]
                # waiting, given up, or cancelled since (the caller opted out meanwhile)
                and followups[fid][0]
                in (FollowUpStatus.SCHEDULED, FollowUpStatus.FAILED, FollowUpStatus.CANCELLED)
            }
            out["retrying after undelivered"] = len(waiting)
            out["texted, not marked sent"] = sum(
                1 for fid in per_followup if fid not in sent and fid not in waiting
            )
            out["left due or in doubt"] = s.scalar(
                select(count)
                .select_from(FollowUp)
                .where(
                    (FollowUp.status.in_((FollowUpStatus.SENDING, FollowUpStatus.UNKNOWN)))
                    | (
                        (FollowUp.status == FollowUpStatus.SCHEDULED)
                        & (FollowUp.send_at <= datetime.now(UTC))
                    )
                )
            )
            return out
    finally:
        db.dispose()


def timed(server: h.Server, request: bytes) -> float:
    """Seconds one request takes, answered with a 2xx."""
    started = time.perf_counter()
    status = h.exchange(server.address, request)
    if not 200 <= status < 300:
        raise RuntimeError(f"a dashboard request answered {status}")
    return time.perf_counter() - started


def error_names(log: Path) -> Counter:
    """Exception class names in a server log (names only: a message may carry personal data)."""
    names = Counter()
    pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout))(?::|$)")
    for line in log.read_text(errors="replace").splitlines():
        if found := pattern.match(line):
            names[found.group(1)] += 1
    return names


def print_trend(trend: list[tuple[dict[str, h.Load], dict[str, float]]], seconds: float) -> None:
    """One line per slice of the soak: rate achieved, p99 by kind, resident memory."""
    kinds = list(RATES)
    rows = []
    for k, (part, mem) in enumerate(trend):
        sent = sum(load.count for load in part.values())
        workers = [v for proc, v in mem.items() if proc.startswith("web worker")]
        rows.append(
            [f"{k * seconds:.0f}-{(k + 1) * seconds:.0f} s", f"{sent / seconds:.1f}/s"]
            + [part[kind].shown_percentile(99) for kind in kinds]
            + [
                f"{max(workers, default=float('nan')):.1f} MB",
                f"{mem.get('sender', float('nan')):.1f} MB",
            ]
        )
    h.table(
        ["over time", "achieved"]
        + [f"p99 {kind}" for kind in kinds]
        + ["largest worker", "sender"],
        rows,
    )


# Long because it is one soak from start to end: servers, load, checks, figures.
def half(name: str, database_url: str, options, tmp: Path) -> dict:
    """Soak the service on one database; print its figures; return its verdicts."""
    print(f"\n{name}")
    with SoakTwilio(auth_token=inbound.AUTH_TOKEN, latency=TWILIO_LATENCY) as twilio:
        env = h.app_env(
            database_url,
            tmp / name,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=inbound.AUTH_TOKEN,
            TWILIO_MESSAGING_SERVICE_SID=inbound.MESSAGING_SERVICE_SID,
            FOLLOWUP_TWILIO_API_URL=twilio.url,
            FOLLOWUP_SEND_INTERVAL="1s",
        )
        token = h.prepare(env)
        create_commander(database_url)
        app = h.start_app(env, options.workers, tmp / f"{name}.log")
        sender = None
        try:
            app.wait_ready()
            # The sender as its own process, as in production (h.Server: its own session,
            # a log file, SIGTERM then SIGKILL of its group on stop).
            sender = h.Server(
                "followup sender",
                h._followup_argv() + ["sender"],
                env,
                0,
                0,
                tmp / f"{name}-sender.log",
            )
            cookie = sign_in(app)
            numbers = h.fictional_numbers()
            events = intake.Events(token, seed=11)
            total = RATES["intake"] * (WARM_UP + options.seconds) + 10
            page = h.http_request("GET", "/callbacks", {"Cookie": cookie}, b"")
            refresh = h.http_request(
                "GET",
                "/callbacks/rows",
                {"Cookie": cookie, "HX-Request": "true", "X-Followup-Poll": "1"},
                b"",
            )
            replies = Replies(twilio, numbers, seed=12)
            statuses = Statuses(twilio, seed=13)
            sources = {
                "intake": events.take(int(total)),
                "reply": Built(replies, 10**9),
                "status": Built(statuses, 10**9),
                "queue page": Built(lambda _i: page, 10**9),
                "queue refresh": Built(lambda _i: refresh, 10**9),
            }

            warm = traffic(app, sources, WARM_UP, "warm-up")
            sources["intake"] = sources["intake"][warm["intake"].count :]  # the calls not sent
            start_memory = memory(app, sender)
            started = time.perf_counter()
            # In slices of about a minute, each its own open loop: the trend shows drift.
            slices = max(1, round(options.seconds / SLICE))
            loads, trend = {}, []
            for _ in range(slices):
                part = traffic(app, sources, options.seconds / slices, "soak")
                sources["intake"] = sources["intake"][part["intake"].count :]
                loads = {k: loads[k].merged(v) if k in loads else v for k, v in part.items()}
                trend.append((part, memory(app, sender)))
            elapsed = time.perf_counter() - started
            end_memory = trend[-1][1]
            sender_alive = sender.proc.poll() is None
            caught_up = wait_sent(database_url)
            # What a dashboard request costs once the queue has filled, the server otherwise idle
            idle = {
                kind: statistics.median(timed(app, request) for _ in range(5))
                for kind, request in (("queue page", page), ("queue refresh", refresh))
            }
        finally:
            if sender is not None:
                sender.stop()
            app.stop()
        texted = {}  # the check-ins the fake created: sid -> (number, message id)
        for sid, resource in twilio.messages.items():
            callback = twilio.status_callback_of(sid)
            if callback:
                m = parse_qs(urlsplit(callback).query).get("m", ["0"])[0]
                texted[sid] = (resource["to"], int(m))
        creates = len(twilio.create_requests)

    every = list(warm.values()) + list(loads.values())
    statuses_all = sum((load.statuses for load in every), Counter())
    fives = sum(n for status, n in statuses_all.items() if status >= 500)
    no_answer = statuses_all.get(0, 0)

    print(
        f"  {options.seconds:g} s at {sum(RATES.values()):g} requests/s after a "
        f"{WARM_UP:g} s warm-up; achieved "
        f"{sum(load.count for load in loads.values()) / elapsed:.1f}/s"
    )
    rows = []
    for kind, load in loads.items():
        other = ", ".join(
            f"{n} x {s}"
            for s, n in sorted(load.statuses.items())
            if not 200 <= s < 300 and 0 < s < 500
        )
        rows.append(
            [
                kind,
                f"{load.count:,}",
                load.shown_percentile(50),
                load.shown_percentile(99),
                h.ms(max(load.latencies + load.waits, default=float("nan"))),
                sum(n for s, n in load.statuses.items() if s >= 500),
                load.statuses.get(0, 0),
                other or "-",
                load.unsent,
            ]
        )
    h.table(("", "sent", "p50", "p99", "max", "5xx", "no answer", "other non-2xx", "unsent"), rows)
    unsent = sum(load.unsent for load in every)
    if unsent:
        print(
            f"  {unsent:,} requests not sent: the server fell more than 3 s behind the "
            "schedule (latencies marked >= are lower bounds)"
        )
    if len(trend) > 1:
        print_trend(trend, options.seconds / len(trend))
    print(f"  replies: {dict(replies.kinds)}; statuses: {dict(statuses.kinds)}")

    db = stored(database_url, replies.sids, replies.duplicated, texted, statuses.undelivered)
    print(
        f"  dashboard alone afterwards ({db['open callbacks']:,} open callbacks; the queue "
        f"shows at most 200): queue page {h.ms(idle['queue page'])}, queue refresh "
        f"{h.ms(idle['queue refresh'])} (median of 5, one at a time)"
    )
    accepted = sum(load.statuses.get(202, 0) for load in (warm["intake"], loads["intake"]))
    repeats = sum(load.statuses.get(200, 0) for load in (warm["intake"], loads["intake"]))
    states = ", ".join(f"{n:,} {s}" for s, n in sorted(db["followups"].items()))
    calls_ok = db["calls"] == accepted and sum(db["followups"].values()) == db["calls"]
    print(
        f"  intake: {accepted:,} events accepted (202), {repeats} repeats (200); stored "
        f"{db['calls']:,} calls, {sum(db['followups'].values()):,} follow-ups ({states}): "
        f"{'ok' if calls_ok else 'MISMATCH'}"
    )
    replies_lost, replies_twice = db["replies lost"], db["replies stored twice"]
    print(
        f"  replies: {len(replies.sids):,} MessageSids posted, {db['inbound']:,} inbound texts "
        f"stored; {replies_lost} lost, {replies_twice} stored twice; "
        f"{len(replies.duplicated)} posted twice on purpose, "
        f"{db['duplicates one row']} of them one row each"
    )
    texts_twice = db["follow-ups texted twice"] + db["texts to another number"]
    texts_lost = (
        db["sent, never texted"]
        + db["texted, not marked sent"]
        + db["left due or in doubt"]
        + db["texts without a follow-up"]
    )
    print(
        f"  texts: the fake Twilio got {creates:,} creates, {db['texts']:,} check-ins for "
        f"{db['follow-ups texted']:,} follow-ups; {db['followups'].get('sent', 0):,} follow-ups "
        f"sent; {db['follow-ups texted twice']} texted twice, "
        f"{db['texts to another number']} to another number than the follow-up's; "
        f"{db['sent, never texted']} marked sent with no text, "
        f"{db['texted, not marked sent']} texted but not marked sent, "
        f"{db['retrying after undelivered']} waiting to retry after an undelivered status "
        f"({len(statuses.undelivered)} posted, 30003), "
        f"{db['left due or in doubt']} left due or in doubt after {caught_up:.1f} s "
        f"for the sender to catch up"
    )
    if not sender_alive:
        print("  the sender process DIED during the soak:\n" + sender.log_tail())

    growth = {}
    mem_rows = []
    for proc, before in start_memory.items():
        after = end_memory.get(proc)
        if after is None:
            mem_rows.append([proc, f"{before:.1f} MB", "gone", "-"])
            continue
        growth[proc] = (after - before) / before * 100
        mem_rows.append([proc, f"{before:.1f} MB", f"{after:.1f} MB", f"{growth[proc]:+.1f}%"])
    h.table(("resident memory", "after warm-up", "at end", "growth"), mem_rows)
    worst = max(growth.values(), default=float("nan"))
    print(
        f"  memory growth at most {worst:+.1f}% (target < {TARGET_GROWTH:g}%: "
        f"{h.verdict(worst < TARGET_GROWTH)})"
    )

    failed_names = error_names(app.log) + error_names(sender.log)
    if fives or no_answer or failed_names:
        print(f"  exceptions in the server logs (names only): {dict(failed_names) or 'none'}")
    return {
        "5xx": fives,
        "no answer": no_answer,
        "lost": replies_lost + texts_lost + (0 if calls_ok else 1),
        "duplicated": replies_twice
        + texts_twice
        + len(replies.duplicated)
        - db["duplicates one row"],
        "growth": worst,
        "sender died": not sender_alive,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=default_seconds(),
        help="soak per database (default 600, or FOLLOWUP_SOAK_SECONDS)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    options = parser.parse_args()
    started = time.perf_counter()
    postgres, variable = h.postgres_server_url()
    print(
        f"soak: `followup web -w {options.workers}` + `followup sender` (fake Twilio, "
        f"{TWILIO_LATENCY * 1000:.0f} ms a create) on {h.HOST}, "
        f"{sum(RATES.values()):g} requests/s open loop "
        f"({', '.join(f'{k} {v:g}/s' for k, v in RATES.items())}) for {options.seconds:g} s "
        f"per database; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    results = {}
    with h.stopping_on_signals(), h.temporary_folder("followup-soak-") as tmp:
        results["sqlite"] = half("sqlite", f"sqlite:///{tmp / 'followup.sqlite3'}", options, tmp)
        if postgres:
            print(f"\n(PostgreSQL server from {variable}: {h.shown(postgres)})")
            with h.postgres_database(postgres) as url:
                results["postgresql"] = half("postgresql", url, options, tmp)
        else:
            print(f"\npostgresql: SKIPPED. {h.POSTGRES_HINT}")

    fives = sum(r["5xx"] for r in results.values())
    unanswered = sum(r["no answer"] for r in results.values())
    lost = sum(r["lost"] for r in results.values())
    duplicated = sum(r["duplicated"] for r in results.values())
    growth = max(r["growth"] for r in results.values())
    died = any(r["sender died"] for r in results.values())
    print(
        f"\ntook {time.perf_counter() - started:.0f} s, load average "
        f"{os.getloadavg()[0]:.1f} at the end; databases: {', '.join(results)}"
        + ("" if postgres else " (postgresql skipped)")
    )
    extra = (f", {unanswered} unanswered" if unanswered else "") + (
        ", the sender DIED" if died else ""
    )
    print(
        f"soak: {fives} 5xx, {lost} lost, {duplicated} duplicated{extra}, memory growth "
        f"{growth:+.1f}% (target < {TARGET_GROWTH:g}%)"
    )
    return 1 if fives or unanswered or lost or duplicated or died else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the servers it started are stopped, its database dropped")
