"""Benchmark the reports page: a year of a large agency rendered in under 2 s.

Seeds 1,000,000 calls closed over the last year (a follow-up each: 85% sent, the rest skipped,
failed or cancelled; a check-in text per sent one) and 300,000 replies (a conversation each, a
rating on most, a callback on one in ten) with SQLAlchemy Core bulk inserts (the report triggers
fire as they would), with planner statistics as in service (PostgreSQL's; none on SQLite, which
the service never ANALYZEs: with them its page measured about half as long). Then it counts the
whole history into the report facts, as the first refresh after the upgrade to schema 0009 does,
and a day's share of delivery changes, as the sender's minute job does; both are timed. Then it
times ``GET /reports`` for the whole year through the Flask test client, signed in as a viewer:
one warm-up, then the median of three. Also shown: the default 30 days, the comments page for
the year, and the figures CSV. Sign-in is checked (the redirect away from the form, then a 200),
and every timed request must answer 200, or the benchmark stops with an error: a redirect to the
sign-in form is never timed as a page. Target (not a baseline: there is no same-run baseline for
a page): the year's page under 2 s; the last line prints its ratio to that target.

Runs on SQLite in a temporary directory and, when FOLLOWUP_BENCH_POSTGRES_URL (or
FOLLOWUP_TEST_DATABASE_URL) names a PostgreSQL server, on a fresh database there (dropped
after). A benchmark reports; it exits 0 when the target is missed.
`.venv/bin/python bench/reports.py [--quick] [--calls N]` from the repository root (replies are
30% of calls). FOLLOWUP_REPORTS_CALLS sets the default count: `make bench` uses 100,000 so that
every benchmark together stays under 10 minutes; the full-size run is this script alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a script without the editable install

from sqlalchemy import delete, select, text  # noqa: E402

from bench._servers import (  # noqa: E402
    bulk_insert,
    postgres_database,
    postgres_server_url,
    shown,
    temporary_folder,
)
from followup import create_app  # noqa: E402
from followup.core import migrate  # noqa: E402
from followup.core.clock import FrozenClock  # noqa: E402
from followup.core.config import Settings  # noqa: E402
from followup.core.db import Database  # noqa: E402
from followup.models import (  # noqa: E402
    Agency,
    Call,
    Callback,
    Conversation,
    FollowUp,
    Message,
    ReportLog,
)
from followup.reports import facts  # noqa: E402
from followup.services import Services  # noqa: E402
from followup.setup import prepare_database  # noqa: E402
from followup.staff import users  # noqa: E402

TARGET_SECONDS = 2.0
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CHUNK = 50_000
DISTRICTS = ["North", "South", "East", "West", "Central", "Harbor"]
CALL_TYPES = [f"TYPE {n:02d}" for n in range(20)]
SKIPS = ["no_phone", "sensitive_call_type", "self_initiated", "recently_contacted"]
CATEGORIES = ["positive"] * 6 + ["neutral"] * 2 + ["negative", "unresolved", "question"]
PHONES = [f"+1202555{n:04d}" for n in range(100, 200)]  # fictional


# Long because it writes a year of calls table by table, in the order the triggers need.
def seed(db: Database, agency_id: int, calls: int, replies: int) -> float:
    """Bulk-insert the data set; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(7)
    span = 365 * 86400
    sent_every = calls // replies  # every n-th call's check-in gets a reply
    with db.engine.begin() as conn:
        conversation_id = message_id = callback_id = 0
        for first in range(1, calls + 1, CHUNK):
            call_rows, followup_rows, out_rows = [], [], []
            conversation_rows, in_rows, callback_rows = [], [], []
            for i in range(first, min(first + CHUNK, calls + 1)):
                closed = NOW - timedelta(seconds=rng.randrange(span))
                phone = PHONES[i % len(PHONES)]
                call_rows.append(
                    {
                        "id": i,
                        "agency_id": agency_id,
                        "external_id": f"B-{i}",
                        "status": "closed",
                        "call_type": CALL_TYPES[i % len(CALL_TYPES)],
                        "disposition": "REPORT",
                        "closed_at": closed,
                        "caller_phone": phone,
                        "district": DISTRICTS[i % len(DISTRICTS)],
                        "self_initiated": False,
                        "do_not_contact": False,
                        "fingerprint": "x",
                        "received_at": closed,
                        "updated_at": closed,
                    }
                )
                roll = i % 100
                replied = i % sent_every == 0 and conversation_id < replies
                if replied or roll < 85:
                    status, reason = "sent", None
                elif roll < 97:
                    status, reason = "skipped", SKIPS[roll % len(SKIPS)]
                elif roll < 99:
                    status, reason = "failed", "gateway_rejected"
                else:
                    status, reason = "cancelled", "call_reopened"
                sent_at = closed + timedelta(hours=2)
                followup_rows.append(
                    {
                        "id": i,
                        "agency_id": agency_id,
                        "call_id": i,
                        "phone": phone,
                        "language": "es" if i % 10 == 0 else "en",
                        "status": status,
                        "reason": reason,
                        "send_at": sent_at,
                        "attempts": 1,
                        "error_code": 21614 if status == "failed" else None,
                        "sent_at": sent_at if status == "sent" else None,
                        "created_at": closed,
                        "updated_at": sent_at,
                    }
                )
                if status != "sent":
                    continue
                message_id += 1
                out_rows.append(
                    {
                        "id": message_id,
                        "agency_id": agency_id,
                        "followup_id": i,
                        "direction": "outbound",
                        "phone": phone,
                        "body": "check-in",
                        "status": "delivered" if roll < 80 else "undelivered",
                        "gateway": "twilio",
                        "sid": f"SM{message_id:032d}",
                        "error_code": None if roll < 80 else 30006,
                        "media_urls": [],
                        "created_at": sent_at,
                        "updated_at": sent_at,
                    }
                )
                if not replied:
                    continue
                conversation_id += 1
                at = sent_at + timedelta(minutes=20)
                category = CATEGORIES[conversation_id % len(CATEGORIES)]
                rating = None if conversation_id % 5 == 0 else 1 + conversation_id % 5
                conversation_rows.append(
                    {
                        "id": conversation_id,
                        "agency_id": agency_id,
                        "followup_id": i,
                        "phone": phone,
                        "language": "en",
                        "step": "closed",
                        "rating": rating,
                        "auto_texts": 2,
                        "opened_at": at,
                        "last_inbound_at": at,
                    }
                )
                message_id += 1
                in_rows.append(
                    {
                        "id": message_id,
                        "agency_id": agency_id,
                        "direction": "inbound",
                        "phone": phone,
                        "body": f"reply {conversation_id} thanks officer",
                        "status": "received",
                        "gateway": "twilio",
                        "sid": f"SM{message_id:032d}",
                        "conversation_id": conversation_id,
                        "media_urls": [],
                        "category": category,
                        "triage": {"category": category, "rating": rating},
                        "commendation": "Officer Lee" if conversation_id % 50 == 0 else None,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                if conversation_id % 10 == 0:
                    callback_id += 1
                    callback_rows.append(
                        {
                            "id": callback_id,
                            "agency_id": agency_id,
                            "conversation_id": conversation_id,
                            "message_id": message_id,
                            "category": "unresolved",
                            "priority": "normal",
                            "status": "resolved" if callback_id % 3 else "open",
                            "due_by": at + timedelta(days=1),
                            "reasons": [],
                            "resolved_at": at + timedelta(hours=callback_id % 40)
                            if callback_id % 3
                            else None,
                            "outcome": "resolved_by_phone" if callback_id % 3 else None,
                            "created_at": at,
                            "updated_at": at,
                        }
                    )
            for table, rows in (
                (Call, call_rows),
                (FollowUp, followup_rows),
                (Message, out_rows),
                (Conversation, conversation_rows),
                (Message, in_rows),
                (Callback, callback_rows),
            ):
                bulk_insert(conn, table.__tablename__, rows)
        if conn.dialect.name == "postgresql":
            for table in ("calls", "followups", "messages", "conversations", "callbacks"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    statistics_as_in_service(db)
    return time.perf_counter() - started


def statistics_as_in_service(db: Database) -> None:
    """Planner statistics as in service: PostgreSQL's autovacuum's, none on SQLite."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def a_days_changes(db: Database, calls: int) -> int:
    """What a busy day changes in a year-old table: a day's share of the check-ins get a new
    delivery status (each such change logs its call). Returns the texts changed."""
    every = 365  # one check-in in 365: a day's worth
    with db.engine.begin() as conn:
        return conn.execute(
            text(
                "UPDATE messages SET status = CASE WHEN status = 'delivered' THEN 'undelivered' "
                "ELSE 'delivered' END WHERE direction = 'outbound' AND id % :every = 0"
            ),
            {"every": every},
        ).rowcount


def answered(response, path: str) -> None:
    """Fail loudly unless ``path`` answered 200: a redirect to sign-in is never timed."""
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        raise SystemExit(f"GET {path} answered {response.status_code} {where}: not timed")


def timed(client, path: str, rounds: int = 3) -> tuple[float, int]:
    answered(client.get(path), path)  # warm-up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append(time.perf_counter() - started)
        answered(response, path)
    return statistics.median(times), response.status_code


def sign_in(client, username: str) -> None:
    """Sign in through the form; fail loudly unless it redirects away from the form and a
    staff page then answers 200."""
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = found.group(1) if found else ""  # no token: the sign-in below fails loudly
    form = {"csrf_token": token, "username": username, "password": PASSWORD}
    response = client.post("/login", data=form)
    target = response.headers.get("Location", "")
    if response.status_code not in (302, 303) or "/login" in target:
        raise SystemExit(f"sign-in as {username} failed: {response.status_code} {target}")
    answered(client.get("/reports"), "/reports (after sign-in)")


# Long because each page timed is one step of the scenario, in order.
def run(url: str, instance: Path, calls: int, replies: int) -> dict:
    migrate.upgrade(url)
    settings = Settings.from_env(
        {}, database_url=url, instance_path=instance, secret_key="bench",
        agency_name="Westlake Police", timezone="America/New_York",
    )
    db = Database(url)
    try:
        services = Services.build(settings, clock=FrozenClock(NOW), db=db)
        prepare_database(services)
        with db.begin() as session:
            agency = session.scalar(select(Agency))
            users.create_user(session, agency, "bench_viewer", "viewer", PASSWORD, now=NOW)
            agency_id = agency.id
        seconds = seed(db, agency_id, calls, replies)
        # Count the whole history as after the upgrade to schema 0009: every call logged once
        # (the triggers logged each seeded row; a year arriving in one go is not the real case).
        with db.begin() as session:
            session.execute(delete(ReportLog))
            facts.log_all(session)
        started = time.perf_counter()
        facts.refresh_all(db)
        history = time.perf_counter() - started
        statistics_as_in_service(db)
        changes = a_days_changes(db, calls)
        started = time.perf_counter()
        facts.refresh_all(db)
        day = time.perf_counter() - started
        client = create_app({"SERVICES": services}).test_client()
        sign_in(client, "bench_viewer")
        year = "from=2025-11-24&to=2026-11-23"
        rows = [
            ("report page, a year", *timed(client, f"/reports?{year}")),
            (
                "report page, a year, one district",
                *timed(client, f"/reports?{year}&district=North"),
            ),
            ("report page, a year, night shift", *timed(client, f"/reports?{year}&shift=night")),
            ("report page, last 30 days", *timed(client, "/reports")),
            ("comments page, a year", *timed(client, f"/reports/comments?{year}")),
            ("figures CSV, a year", *timed(client, f"/reports/figures.csv?{year}")),
        ]
        return {
            "seed_seconds": seconds,
            "history_seconds": history,
            "day_changes": changes,
            "day_seconds": day,
            "rows": rows,
        }
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a smoke run")
    parser.add_argument(
        "--calls",
        type=int,
        default=int(os.environ.get("FOLLOWUP_REPORTS_CALLS", "1000000")),
        help="calls to seed (default 1,000,000 or FOLLOWUP_REPORTS_CALLS); replies are 30%%",
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the app's access log would drown the table
    calls = 100_000 if args.quick else args.calls
    replies = calls * 3 // 10
    results = {}
    server, variable = postgres_server_url()
    with temporary_folder("followup-bench-reports-") as folder:
        results["sqlite"] = run(f"sqlite:///{folder / 'reports.sqlite3'}", folder, calls, replies)
        if server:
            print(f"PostgreSQL from {variable}: {shown(server)}")
            with postgres_database(server) as url:
                results["postgresql"] = run(url, folder / "pg", calls, replies)
        else:
            print("PostgreSQL half skipped: set FOLLOWUP_BENCH_POSTGRES_URL to a server URL")
    for kind, result in results.items():
        print(
            f"\n== {kind}: {calls:,} calls, {replies:,} replies "
            f"(seeded in {result['seed_seconds']:.0f} s)"
        )
        print(
            f"report facts: the whole history counted in {result['history_seconds']:.0f} s; "
            f"a day's changes ({result['day_changes']:,} texts) in "
            f"{result['day_seconds']:.2f} s"
        )
        print(f"{'page':<40}{'median of 3':>14}{'status':>8}")
        for name, seconds, status in result["rows"]:
            print(f"{name:<40}{seconds * 1000:>11.0f} ms{status:>8}")
    ratios = ", ".join(
        f"{kind} {result['rows'][0][1] / TARGET_SECONDS:.2f}" for kind, result in results.items()
    )
    print(
        f"\nreport page for a year of {calls:,} calls / {TARGET_SECONDS:.0f} s target: {ratios}"
        " (target <= 1.00)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
