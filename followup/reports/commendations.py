"""Who residents praised: commendations counted per officer, unit and call-taker, for a report's
calls (the same period and filters as the other reports)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followup.models import Agency, Commendation, CommendedRole, ReportFact
from followup.reports import facts
from followup.reports.filters import ReportFilter, Scope

# Headings of the tally, in the order the page shows them.
ROLE_LABELS = {
    CommendedRole.OFFICER: "Officers",
    CommendedRole.UNIT: "Units",
    CommendedRole.CALL_TAKER: "Call-takers (dispatchers)",
    CommendedRole.NAMED: "Named, but not on the call's record",
}


@dataclass(frozen=True)
class Commended:
    who: str  # "Maria Diaz", "2A14", "not recorded on the call"
    ident: str | None  # the officer's or call-taker's id, as the CAD sent it
    count: int  # replies that praised them


def _key_and_label(role: CommendedRole, row) -> tuple[str, str, str | None]:
    """Who a commendation row counts for: a grouping key, a name to show, an id."""
    if role == CommendedRole.OFFICER:
        person_id, name = row.officer_id, row.officer_name
    elif role == CommendedRole.CALL_TAKER:
        person_id, name = row.call_taker_id, row.call_taker_name
    elif role == CommendedRole.UNIT:
        return (row.unit or "").casefold(), row.unit or "not recorded on the call", None
    else:
        return row.named.casefold(), row.named, None
    # The same person under one id, whatever spelling of the name a call carried.
    key = f"id:{person_id}" if person_id else f"name:{(name or '').casefold()}"
    return key, name or (f"id {person_id}" if person_id else "not recorded on the call"), person_id


def tally(
    session: Session, agency: Agency, report_filter: ReportFilter
) -> dict[CommendedRole, list[Commended]]:
    """Each role's people, most praised first (then by name); a role nobody got is absent."""
    facts.catch_up(session)
    scope = Scope(agency, report_filter)
    who = (
        Commendation.role,
        Commendation.named,
        Commendation.officer_id,
        Commendation.officer_name,
        Commendation.unit,
        Commendation.call_taker_id,
        Commendation.call_taker_name,
    )
    rows = session.execute(
        select(*who, func.count().label("replies"))
        .join(ReportFact, ReportFact.call_id == Commendation.call_id)
        .where(Commendation.agency_id == agency.id, *scope.where(ReportFact))
        .group_by(*who)
    )
    counted: dict[CommendedRole, dict[str, list]] = {}
    for row in rows:
        role = CommendedRole(row.role)
        key, label, ident = _key_and_label(role, row)
        entry = counted.setdefault(role, {}).setdefault(key, [label, ident, 0])
        if len(label) > len(entry[0]):
            entry[0] = label  # one id, several spellings: show the fullest ("Maria Diaz")
        entry[2] += row.replies
    return {
        role: sorted(
            (Commended(label, ident, count) for label, ident, count in counted[role].values()),
            key=lambda c: (-c.count, c.who.casefold()),
        )
        for role in ROLE_LABELS
        if role in counted
    }
