"""Stamps: per-agency counters that move when what the public board shows may have changed.

``facts.rebuild`` moves ``facts_version`` for the agencies whose calls it recounted; every
moderation decision moves ``comments_version``. A cache keyed by both (with the agency's own
settings) is right without ever being told: one indexed read says whether a copy is current.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from followup.models import ReportStamp


def _bump(session: Session, agency_ids: Iterable[int], column: str) -> None:
    rows = [
        {"agency_id": agency_id, "facts_version": 0, "comments_version": 0, column: 1}
        for agency_id in sorted(set(agency_ids))
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(ReportStamp.__table__)
    table = ReportStamp.__table__
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.agency_id],
        set_={column: table.c[column] + 1},
    )
    session.execute(statement, rows)


def facts_changed(session: Session, agency_ids: Iterable[int]) -> None:
    """The report facts of these agencies were rebuilt (in the caller's transaction)."""
    _bump(session, agency_ids, "facts_version")


def comments_changed(session: Session, agency_id: int) -> None:
    """A review was decided: what the agency's board shows of comments may differ."""
    _bump(session, [agency_id], "comments_version")


def read(session: Session, agency_id: int) -> tuple[int, int]:
    """(facts_version, comments_version), (0, 0) before anything moved them."""
    row = session.execute(
        select(ReportStamp.facts_version, ReportStamp.comments_version).where(
            ReportStamp.agency_id == agency_id
        )
    ).first()
    return (row[0], row[1]) if row else (0, 0)
