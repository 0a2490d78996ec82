"""Many due check-ins at once, for load and concurrency tests: bulk inserts, fictional numbers.

Rows go straight into the tables with SQLAlchemy Core (20,000 in a second or two), shaped so
that the sender's re-check at send time lets every one through: a plain call type and
disposition, a recent close, no opt-outs, one distinct number per call (so the agency's frequency
cap never applies), and an agency with quiet hours off (so the wall clock cannot hold them back).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from followup.core.db import Database
from followup.core.phones import to_e164
from followup.models import Call, CallStatus, FollowUp, FollowUpStatus

PER_AREA_CODE = 100  # 555-0100 to 555-0199: the range reserved for fiction in every area code


@functools.cache
def fictional_numbers(count: int) -> tuple[str, ...]:
    """Return ``count`` distinct numbers +1 NPA 555-01xx, each one phonenumbers calls textable.

    Area codes are taken in order from 201 up, skipping those (and any number) the numbering
    plan does not accept: 200 area codes give 20,000 numbers. (Checking 20,000 numbers takes
    a couple of seconds, hence the cache.)
    """
    numbers: list[str] = []
    for area_code in range(201, 1000):
        candidates = [f"+1{area_code}555{line:04d}" for line in range(100, 100 + PER_AREA_CODE)]
        numbers.extend(n for n in candidates if to_e164(n) == n)
        if len(numbers) >= count:
            return tuple(numbers[:count])
    raise ValueError(f"only {len(numbers)} fictional numbers exist, {count} asked for")


def _chunks(rows: list[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# Long because calls and follow-ups are drafted together, then inserted in bulk.
def seed_due_followups(
    db: Database,
    agency_id: int,
    count: int,
    *,
    now: datetime,
    prefix: str = "LOAD",
    call_type: str = "THEFT - CAR PROWL",
) -> dict[int, str]:
    """Insert ``count`` closed calls, each with a follow-up due a minute before ``now``.

    Returns {follow-up id: phone}, for checking what the gateway was asked to send.
    """
    closed_at = now - timedelta(hours=1)
    send_at = now - timedelta(minutes=1)
    phones = fictional_numbers(count)
    phone_of: dict[int, str] = {}
    with db.begin() as session:
        for chunk in _chunks(
            [
                {
                    "agency_id": agency_id,
                    "external_id": f"{prefix}-{n:06d}",
                    "status": CallStatus.CLOSED.value,
                    "call_type": call_type,
                    "disposition": "REPORT TAKEN",
                    "closed_at": closed_at,
                    "caller_phone": phone,
                    "caller_name": None,
                    "language": "en",
                    "district": "North",
                    "self_initiated": False,
                    "do_not_contact": False,
                    "fingerprint": f"load-seed-{n}",
                    "received_at": closed_at,
                    "updated_at": closed_at,
                }
                for n, phone in enumerate(phones)
            ],
            5000,
        ):
            calls = session.execute(insert(Call).returning(Call.id, Call.caller_phone), chunk).all()
            followups = session.execute(
                insert(FollowUp).returning(FollowUp.id, FollowUp.phone),
                [
                    {
                        "agency_id": agency_id,
                        "call_id": call_id,
                        "phone": phone,
                        "language": "en",
                        "status": FollowUpStatus.SCHEDULED.value,
                        "send_at": send_at,
                        "attempts": 0,
                        "created_at": closed_at,
                        "updated_at": closed_at,
                    }
                    for call_id, phone in calls
                ],
            ).all()
            phone_of.update(dict(followups))
    return phone_of


def numbered(db: Database, *times: datetime) -> tuple:
    """For ``INSERT ... SELECT`` of ``:count`` rows numbered ``i``: the statement's prefix (a
    recursive CTE on SQLite), its FROM source, and each of ``times`` as the dialect's literal
    wants it."""
    if db.engine.dialect.name == "sqlite":
        return (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)",
            "n",
            *(t.strftime("%Y-%m-%d %H:%M:%S.%f") for t in times),
        )
    return "", "generate_series(1, :count) AS n(i)", *times


# Long because its two INSERT ... SELECT statements are written out.
def seed_waiting_followups(
    db: Database,
    agency_id: int,
    count: int,
    *,
    now: datetime,
    prefix: str = "WAIT",
    one_number: str | None = None,
    sent_every: int | None = None,
) -> None:
    """Insert ``count`` closed calls, each with a check-in scheduled ten years after ``now``: a
    backlog for plan and scale checks, generated by the database itself (a million rows in
    seconds), never due in a test's lifetime.

    Numbers are fictional, +1 NPA 555-01xx over 799 area codes (80,000 numbers, as a real
    backlog spreads over many), or all ``one_number``. ``sent_every``: one follow-up in that many
    is marked sent instead. The caller takes the statistics (ANALYZE) it wants.
    """
    numbers, source, later, closed = numbered(
        db, now + timedelta(days=3650), now - timedelta(hours=1)
    )
    if db.engine.dialect.name == "sqlite":
        line = "printf('%04d', 100 + i % 100)"
    else:
        line = "lpad((100 + i % 100)::text, 4, '0')"
    phone = ":one_number" if one_number else f"'+1' || (201 + (i / 100) % 799) || '555' || {line}"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"{numbers} INSERT INTO calls (agency_id, external_id, status, call_type,"
                " disposition, closed_at, caller_phone, language, self_initiated,"
                " do_not_contact, fingerprint, received_at, updated_at)"
                f" SELECT :agency, :prefix || '-' || i, 'closed', 'THEFT', 'REPORT TAKEN', :closed,"
                f" {phone}, 'en', false, false, 'waiting', :closed, :closed FROM {source}"
            ),
            {
                "agency": agency_id,
                "count": count,
                "closed": closed,
                "prefix": prefix,
                "one_number": one_number,
            },
        )
        conn.execute(
            text(
                "INSERT INTO followups (agency_id, call_id, phone, language, status, send_at,"
                " attempts, created_at, updated_at)"
                " SELECT agency_id, id, caller_phone, 'en',"
                " CASE WHEN id % :every = 0 THEN 'sent' ELSE 'scheduled' END, :later, 0,"
                " :closed, :closed FROM calls WHERE agency_id = :agency AND external_id LIKE :like"
            ),
            {
                "agency": agency_id,
                "later": later,
                "closed": closed,
                "like": f"{prefix}-%",
                "every": sent_every or count + 1,
            },
        )
