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

from sqlalchemy import insert

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
