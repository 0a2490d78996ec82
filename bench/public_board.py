"""Benchmark the public feedback board (GET /public/<slug>) against a bare Flask endpoint.

The database holds 100,000 calls closed over the last year (bench/reports.py's seed: a follow-up
each, 85% sent, 30,000 replies with ratings and callbacks), counted into the report facts; the
agency's board is switched on. Both servers run under `followup web -w N` (gunicorn sync
workers, N=2 by default) on 127.0.0.1; the bare app (`return "ok"`) through the same command
with its factory swapped.

A visitor costs one indexed read (the agency by slug, with the stamps its cached board is keyed
by) and a copy of the rendered page; the board itself is computed once per worker (first
request, timed separately below in this process: a cache miss) and again only when the report
facts or a comment change. So the figure measured is the cache hit: the page as residents get
it while nothing changes.

Measured, on SQLite (a temporary file) and on PostgreSQL (a fresh database on the server named by
FOLLOWUP_BENCH_POSTGRES_URL or FOLLOWUP_TEST_DATABASE_URL, dropped afterwards; skipped, saying
so, when neither is set): throughput closed loop (bare and board alternately, twice each),
p50/p99 at 200 requests/s open loop for 10 s, CPU per request of the workers and of the client,
each worker's memory, and every status (non-2xx must be 0). The client is this process (Python
threads on raw sockets, one connection per request), sharing the machine's cores.

Target: board throughput >= 0.5x bare; p99 < 50 ms at 200 requests/s. A missed target is
reported, not an error (exit 0); exit 1 when it could not run or a request failed.
Run: `make bench` or `.venv/bin/python bench/public_board.py [--workers N]` (about a minute
on SQLite, as much again on PostgreSQL: most of it seeding and counting the 100,000 calls).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _load as loadgen  # noqa: E402
import _report as printing  # noqa: E402
import _servers as servers  # noqa: E402
import reports as report_bench  # noqa: E402  (its seed: a year of calls)

TARGET_RATIO = 0.5
TARGET_P99 = 0.050  # seconds
CALLS = 100_000
SLUG = "default"
PATH = f"/public/{SLUG}"


class Visits:
    """The same GET of the board, as many times as asked (what a crowd of residents sends)."""

    def __init__(self):
        self.request = servers.http_request("GET", PATH, {"Accept-Language": "en"}, b"")

    def take(self, count: int) -> list[bytes]:
        return [self.request] * count

    def used(self, load: loadgen.Load) -> None:
        pass


def prepare(env: dict[str, str], database_url: str) -> tuple[float, float, float]:
    """Migrate, seed a year of calls for the default agency, count them into the facts, switch
    the board on; return seconds seeding, seconds counting, and one board computed (a miss)."""
    from sqlalchemy import delete, select

    from followup.agencies import settings as agency_settings
    from followup.core.db import Database
    from followup.models import Agency, ReportLog
    from followup.reports import facts, public

    servers.followup_cli(env, "db", "upgrade")
    db = Database(database_url)
    try:
        with db.begin() as session:
            agency_id = session.scalar(select(Agency.id).where(Agency.slug == SLUG))
        report_bench.NOW = datetime.now(UTC)  # the board's year is the last twelve months
        seeded = report_bench.seed(db, agency_id, CALLS, CALLS * 3 // 10)
        started = time.perf_counter()
        with db.begin() as session:  # each call once (the triggers logged every seeded row)
            session.execute(delete(ReportLog))
            facts.log_all(session)
        facts.refresh_all(db)
        counted = time.perf_counter() - started
        with db.begin() as session:
            agency = session.get(Agency, agency_id)
            agency_settings.update(session, agency, {"public_board": "on"}, actor="bench",
                                   now=datetime.now(UTC))
        with db.Session() as session:
            agency = session.get(Agency, agency_id)
            today = datetime.now(UTC).astimezone(agency.zone).date()
            started = time.perf_counter()
            board = public.build(session, agency, today=today, now=datetime.now(UTC))
            computed = time.perf_counter() - started
        shown = sum(1 for m in board.months if m.figures["replies"] is not None)
        print(f"  seeded {CALLS:,} calls in {seeded:.0f} s, counted into the facts in "
              f"{counted:.0f} s; one board computed (a cache miss) in {computed * 1000:.0f} ms, "
              f"{shown} of 12 months shown, {board.year['replies']:,} replies in the year")
        return seeded, counted, computed
    finally:
        db.dispose()


def half(name: str, database_url: str, bare: servers.Server, options,
         tmp: Path) -> printing.Comparison:
    print(f"\n{name}")
    env = servers.app_env(database_url, tmp / name)
    prepare(env, database_url)
    visits = Visits()
    app = servers.start_app(env, options.workers, tmp / f"{name}.log")
    try:
        app.wait_ready()
        result = printing.compare(app, bare, visits, servers.http_request("GET", "/", {}, b""),
                                  name="board", options=options)
    finally:
        app.stop()
    printing.report(result, "board", TARGET_RATIO, TARGET_P99)
    result.broken = bool(result.failed)
    return result


def main() -> int:
    options = printing.arguments(__doc__.splitlines()[0])
    started = time.perf_counter()
    postgres, variable = servers.postgres_server_url()
    print(f"public board benchmark: GET {PATH} vs bare Flask, {CALLS:,} calls in the database, "
          f"gunicorn -w {options.workers} on {servers.HOST}; {os.cpu_count()} CPUs, load "
          f"average {os.getloadavg()[0]:.1f} at the start")
    results = {}
    with servers.stopping_on_signals() as stack, servers.temporary_folder("followup-bench-") as tmp:
        bare = servers.start_bare(servers.clean_env(), options.workers, tmp / "bare.log")
        stack.callback(bare.stop)
        bare.wait_ready()
        results["sqlite"] = half("sqlite", f"sqlite:///{tmp / 'board.sqlite3'}", bare,
                                 options, tmp)
        if postgres:
            print(f"\n(PostgreSQL server from {variable}: {servers.shown(postgres)})")
            with servers.postgres_database(postgres) as url:
                results["postgresql"] = half("postgresql", url, bare, options, tmp)
        else:
            print(f"\npostgresql: SKIPPED. {servers.POSTGRES_HINT}")

    print(f"\nsummary: took {time.perf_counter() - started:.0f} s, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    printing.table(("", "board/bare", "server CPU ratio", "p99 at rate", "worker RSS"),
                   [(name, f"{r.ratio:.2f}x", f"{r.cpu_ratio:.2f}x",
                     r.app_open.shown_percentile(99), f"{r.rss:.0f} MB")
                    for name, r in results.items()])
    broken = any(r.broken for r in results.values())
    if broken:
        print("  requests failed: these figures do not count")
    ratios = ", ".join(f"{name} {r.ratio:.2f}" for name, r in results.items())
    skipped = "" if postgres else ", postgresql skipped"
    print(f"public board/bare throughput ratio: {ratios}{skipped} (target >= {TARGET_RATIO})")
    return 1 if broken else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the servers it started are stopped, its database dropped")
