"""Benchmark the intake API (POST /api/v1/calls) against a bare Flask endpoint in the same run.

Both run under `followup web -w N` (gunicorn sync workers, N=2 by default) on 127.0.0.1: the app
on a fresh database, the bare app (`return "ok"`) through the same command with its factory
swapped, so worker count, worker class and access log are the same. Each closed-call event is new
(its own call_id, a fictional caller among 6,000 +1 AAA 555-01xx numbers, a realistic mix of call
types, a sixth of them sensitive); the bearer token is a per-agency token (`followup token
create`), as a dispatch system would hold.

Measured, on SQLite (a temporary file) and on PostgreSQL (a fresh database on the server named by
FOLLOWUP_BENCH_POSTGRES_URL or FOLLOWUP_TEST_DATABASE_URL, dropped afterwards; skipped, saying
so, when neither is set):
- throughput, closed loop: bare and intake alternately, twice each, same client;
- latency p50/p99 at a fixed open-loop rate (200 requests/s, 10 s), latency counted from each
  request's scheduled start; when the server falls behind, requests not started 3 s after the
  last was due are given up and counted ("unsent"), and the percentiles become lower bounds;
- CPU per request of the gunicorn workers (PostgreSQL's own processes are not counted) and of
  the client, and each worker's resident memory after the run;
- every response's status (non-2xx must be 0), and at the end the calls the database holds
  (must equal the events accepted).

The client is this process: Python threads on raw sockets, every request built before the clock
starts, one connection per request (sync workers close it after each response). It shares the
machine's cores with the server, so the bare figure is the ceiling of this client and server
together on this machine, not of gunicorn alone; the client's CPU per request is printed beside
the server's so the reader can see its share (about a fifth of a bare request's total here).
Because the client's cost is the same for both endpoints, it flatters the ratio slightly; the
ratio of server CPU per request (printed too) does not depend on the client.

Targets (issue 23, which replaced issue 8's 0.5x): server CPU <= 2.5 ms an event; p99 < 50 ms at
200 requests/s; throughput >= 0.25x bare. The last line prints each beside its same-run
baseline, the throughput ratio last. A missed
target is reported, not an error: the script exits 0 then. It exits 1 when it could not run, or
when a request failed or an accepted call is missing (the figures would mean nothing).
Run: `make bench` or `.venv/bin/python bench/intake.py [--workers N]` (about a minute).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _load as loadgen  # noqa: E402
import _report as printing  # noqa: E402
import _servers as servers  # noqa: E402

TARGET_RATIO = 0.25  # issue 23
TARGET_CPU_MS = 2.5  # server CPU per event
TARGET_P99 = 0.050  # seconds

# (call type, weight): routine calls mostly; a sixth are sensitive and must be skipped.
CALL_TYPES = (
    ("THEFT - CAR PROWL", 14), ("BURGLARY RESIDENTIAL", 8), ("NOISE COMPLAINT", 12),
    ("SUSPICIOUS PERSON", 12), ("TRAFFIC COLLISION NON-INJURY", 10), ("VANDALISM", 8),
    ("WELFARE CHECK", 6), ("ALARM RESIDENTIAL", 8), ("FRAUD", 5), ("LOST PROPERTY", 3),
    ("DOMESTIC DISTURBANCE", 8), ("SEXUAL ASSAULT", 2), ("DV A/B I/P", 4),
)
DISPOSITIONS = ("REPORT TAKEN", "ADVISED", "GONE ON ARRIVAL", "ASSISTED", "NO REPORT")
NAMES = ("Alex Rivera", "Sam Lee", "Jordan Smith", "Maria Garcia", "Chris Nguyen", "Pat Kim")


class Events:
    """Intake requests in a fixed order: request i is always the same new closed call."""

    def __init__(self, token: str, seed: int):
        self.token, self.rng = token, random.Random(seed)
        self.run = uuid.uuid4().hex[:6].upper()
        self.numbers = servers.fictional_numbers()
        self.types = [t for t, w in CALL_TYPES for _ in range(w)]
        self.next = 0

    def _event(self, i: int) -> dict:
        rng, now = self.rng, datetime.now(UTC)
        number = rng.choice(self.numbers)
        # Dispatch systems send numbers in many shapes; the service normalises them.
        phone = rng.choice((number, f"({number[2:5]}) {number[5:8]}-{number[8:]}",
                            f"{number[2:5]}-{number[5:8]}-{number[8:]}"))
        event = {
            "call_id": f"B{self.run}-{i:07d}",
            "closed_at": (now - timedelta(minutes=rng.randint(5, 240))).isoformat(
                timespec="seconds"),
            "call_type": rng.choice(self.types),
            "disposition": rng.choice(DISPOSITIONS),
            "caller_phone": phone,
            "caller_name": rng.choice(NAMES),
            "district": rng.choice(("North", "South", "East", "West")),
            "beat": f"N{rng.randint(1, 9)}",
            "unit": f"{rng.randint(1, 4)}A{rng.randint(10, 99)}",
            "officer_id": str(rng.randint(1000, 9999)),
        }
        if rng.random() < 0.15:
            event["language"] = "es"
        return event

    def take(self, count: int) -> list[bytes]:
        """The next ``count`` requests (from the cursor, which ``used`` moves)."""
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        return [
            servers.http_request("POST", "/api/v1/calls", headers,
                           json.dumps(self._event(i)).encode())
            for i in range(self.next, self.next + count)
        ]

    def used(self, load: loadgen.Load) -> None:
        self.next += load.count


def stored(database_url: str) -> tuple[int, dict[str, int]]:
    """Calls in the database, and follow-ups by status."""
    from sqlalchemy import func, select

    from followup.core.db import Database
    from followup.models import Call, FollowUp

    db = Database(database_url)
    try:
        with db.Session() as session:
            calls = session.scalar(select(func.count()).select_from(Call))
            rows = session.execute(select(FollowUp.status, func.count()).group_by(FollowUp.status))
            return calls, {str(status): n for status, n in rows}
    finally:
        db.dispose()


def half(
    name: str, database_url: str, bare: servers.Server, options, tmp: Path
) -> printing.Comparison:
    """Benchmark the app on one database; print its table and checks."""
    print(f"\n{name}")
    env = servers.app_env(database_url, tmp / name)
    token = servers.prepare(env)
    events = Events(token, seed=8)
    app = servers.start_app(env, options.workers, tmp / f"{name}.log")
    try:
        app.wait_ready()
        sample = events.take(1)[0]  # what the bare endpoint gets (the same bytes, never stored)
        result = printing.compare(app, bare, events, sample, name="intake", options=options)
    finally:
        app.stop()
    printing.report(result, "intake", TARGET_RATIO, TARGET_P99)

    accepted, repeats = result.statuses(202), result.statuses(200)
    calls, followups = stored(database_url)
    states = ", ".join(f"{n:,} {status}" for status, n in sorted(followups.items()))
    result.broken = bool(calls != accepted or repeats or result.failed)
    print(f"  stored: {calls:,} calls for {accepted:,} events accepted (202), {repeats} answered "
          f"as repeats (200), {result.failed} failed: "
          f"{'LOST OR FAILED' if result.broken else 'ok, none lost'}")
    print(f"  their follow-ups: {states}")
    return result


def main() -> int:
    options = printing.arguments(__doc__.splitlines()[0])
    started = time.perf_counter()
    postgres, variable = servers.postgres_server_url()
    print(f"intake benchmark: POST /api/v1/calls vs bare Flask, gunicorn -w {options.workers} "
          f"(sync workers, one connection per request) on {servers.HOST}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print(f"client: {options.concurrency} threads closed loop; {options.rate:g} requests/s open "
          f"loop for {options.seconds:g} s, latency from each request's scheduled start")
    results = {}
    with servers.stopping_on_signals() as stack, servers.temporary_folder("followup-bench-") as tmp:
        bare = servers.start_bare(servers.clean_env(), options.workers, tmp / "bare.log")
        stack.callback(bare.stop)
        bare.wait_ready()
        loadgen.closed_loop(bare, [servers.http_request("GET", "/", {}, b"")] * 2000,
                      concurrency=options.concurrency, seconds=0.5)  # warm its workers too
        results["sqlite"] = half("sqlite", f"sqlite:///{tmp / 'followup.sqlite3'}", bare,
                                 options, tmp)
        if postgres:
            print(f"\n(PostgreSQL server from {variable}: {servers.shown(postgres)})")
            with servers.postgres_database(postgres) as url:
                results["postgresql"] = half("postgresql", url, bare, options, tmp)
        else:
            print(f"\npostgresql: SKIPPED. {servers.POSTGRES_HINT}")
        print("\n" + printing.memory_line("bare app", bare))

    print(f"\nsummary: took {time.perf_counter() - started:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    printing.table(("", "intake/bare", "server CPU ratio", "p99 at rate", "worker RSS"),
            [(name, f"{r.ratio:.2f}x", f"{r.cpu_ratio:.2f}x", r.app_open.shown_percentile(99),
              f"{r.rss:.0f} MB") for name, r in results.items()])
    broken = any(r.broken for r in results.values())
    if broken:
        print("  requests failed or accepted calls are missing: these figures do not count")
    skipped = "" if postgres else " (postgresql skipped)"
    print(printing.key_line("intake", "event", results, target_cpu_ms=TARGET_CPU_MS,
                            target_p99=TARGET_P99, target_ratio=TARGET_RATIO) + skipped)
    return 1 if broken else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the servers it started are stopped, its database dropped")
