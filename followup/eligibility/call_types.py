"""The call-type register's bookkeeping at intake: each label counted as calls come in, with
one upsert per call that also answers what IT decided about the label.

A label is matched case-insensitively, runs of white space as one (``label_key``); the row keeps
the label as first received. What the register shows and how a decision is made are in
``followup.eligibility.call_type_register``; how a decision counts, in ``rules.evaluate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from followup.models import Agency, CallType, CallTypeDecision

MAX_LABEL = 200  # the intake API's limit for a call type


def label_key(label: str) -> str:
    """How labels are matched: upper case, white space as one space (``Theft  -car``)."""
    return " ".join(label.split()).upper()[:MAX_LABEL]


def _upsert(session: Session):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CallType)


def record_many(
    session: Session, agency: Agency, labels: Iterable[str], *, now: datetime
) -> dict[str, CallTypeDecision]:
    """Count one call for each of ``labels`` (repeats count again) in one statement; return
    each label key's decision. The caller commits.

    The rows are written in key order, so two batches lock shared rows in the same order."""
    counted: dict[str, list] = {}
    for label in labels:
        key = label_key(label)
        if key:
            counted.setdefault(key, [label.strip()[:MAX_LABEL], 0])[1] += 1
    if not counted:
        return {}
    insert = _upsert(session).values(
        [
            {
                "agency_id": agency.id,
                "key": key,
                "label": label,
                "count": count,
                "first_seen_at": now,
                "last_seen_at": now,
                "decision": CallTypeDecision.UNREVIEWED,
            }
            for key, (label, count) in sorted(counted.items())
        ]
    )
    upsert = insert.on_conflict_do_update(
        index_elements=[CallType.agency_id, CallType.key],
        set_={
            "count": CallType.count + insert.excluded.count,
            "last_seen_at": insert.excluded.last_seen_at,
        },
    ).returning(CallType.key, CallType.decision)
    return {key: decision for key, decision in session.execute(upsert)}


def record(session: Session, agency: Agency, label: str, *, now: datetime) -> CallTypeDecision:
    """Count one call with ``label`` and return IT's decision about it (one statement)."""
    key = label_key(label)
    if not key:
        return CallTypeDecision.UNREVIEWED
    dialect = session.get_bind().dialect.name
    statement = _RECORD_ONE.get(dialect)
    if statement is None:
        statement = _RECORD_ONE[dialect] = _record_one(dialect)
    found = session.connection().execute(
        statement,
        {"agency": agency.id, "label_key": key, "label_text": label.strip()[:MAX_LABEL],
         "at": now},
    ).scalar()
    return CallTypeDecision(found) if found else CallTypeDecision.UNREVIEWED


# ``record``'s statement, built once per dialect: every intake of a new call runs it, and a
# Core statement of bound parameters is compiled once and then taken from the cache.
_RECORD_ONE: dict = {}


def _record_one(dialect: str):
    table = CallType.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        agency_id=bindparam("agency"),
        key=bindparam("label_key"),
        label=bindparam("label_text"),
        count=1,
        first_seen_at=bindparam("at", type_=table.c.first_seen_at.type),
        last_seen_at=bindparam("at", type_=table.c.last_seen_at.type),
        decision=CallTypeDecision.UNREVIEWED,
    )
    return insert.on_conflict_do_update(
        index_elements=[table.c.agency_id, table.c.key],
        set_={"count": table.c.count + 1, "last_seen_at": insert.excluded.last_seen_at},
    ).returning(table.c.decision)


def decision_of(session: Session, agency_id: int, label: str) -> CallTypeDecision:
    """IT's decision about ``label`` (unreviewed when the register does not have it)."""
    found = session.scalar(
        select(CallType.decision).where(
            CallType.agency_id == agency_id, CallType.key == label_key(label)
        )
    )
    return found or CallTypeDecision.UNREVIEWED


def decisions_for(
    session: Session, labels: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], CallTypeDecision]:
    """IT's decisions about (agency id, label) pairs, in one query, keyed by (agency id, key);
    a pair the register does not have is left out (it counts as unreviewed)."""
    wanted = {(agency_id, label_key(label)) for agency_id, label in labels}
    if not wanted:
        return {}
    rows = session.execute(
        select(CallType.agency_id, CallType.key, CallType.decision).where(
            CallType.agency_id.in_({agency_id for agency_id, _ in wanted}),
            CallType.key.in_({key for _, key in wanted}),
        )
    )
    return {
        (agency_id, key): decision
        for agency_id, key, decision in rows
        if (agency_id, key) in wanted
    }
