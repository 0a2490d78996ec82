"""Peer benchmarking: an agency's figures beside the other opted-in agencies' quartiles.

For agencies on one installation that switched it on (``agencies.peer_benchmark``), and only
for them: an agency that does not share sees nothing of the others. For the same period (the
same calendar dates, each in its own agency's zone), each figure shows the median and the
quartiles of the other agencies, never a name or a count. A figure counts for an agency only
from ``MIN_REPLIES`` replies (its own base, as the public board's); a figure is shown only when
at least ``MIN_PEERS`` other agencies contribute to it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from followup.models import Agency, FollowUpStatus, ReportFact, ReportReply
from followup.reports.facts import day_number
from followup.reports.public import MIN_REPLIES, Cell

MIN_PEERS = 3
METRICS = ("reply_rate", "rating_mean", "satisfied_share", "sla_share")


@dataclass(frozen=True)
class Quartiles:
    q1: float
    median: float
    q3: float
    agencies: int  # how many other agencies contributed


@dataclass
class Comparison:
    own: dict[str, float | None]
    peers: dict[str, Quartiles | None]
    own_mix: dict[str, float]  # share of replies per category
    peer_mix: dict[str, Quartiles | None]
    opted_in: int  # other agencies sharing (whether or not they contribute to a figure)
    categories: list[str] = field(default_factory=list)


def _value(cell: Cell, metric: str) -> float | None:
    """The figure unrounded, or None below the bound (as the public board counts it)."""
    if cell.replied < MIN_REPLIES or cell.base(metric) < MIN_REPLIES:
        return None
    if metric == "reply_rate":
        return cell.replied / cell.sent if cell.sent else None
    if metric == "rating_mean":
        return sum(n * r for r, n in enumerate(cell.ratings, start=1)) / cell.rated
    if metric == "satisfied_share":
        return (cell.ratings[3] + cell.ratings[4]) / cell.rated
    return cell.in_sla / cell.callbacks


def quartiles(values: list[float]) -> Quartiles | None:
    if len(values) < MIN_PEERS:
        return None
    q1, median, q3 = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return Quartiles(q1, median, q3, len(values))


def _cells(session: Session, agency_ids: list[int], start: date, end: date) -> dict[int, Cell]:
    fact = ReportFact
    sent = fact.status == str(FollowUpStatus.SENT)
    rows = session.execute(
        select(
            fact.agency_id,
            func.sum(case((sent, 1), else_=0)),
            func.sum(case((sent, fact.replied), else_=0)),
            *(func.sum(case((fact.rating == r, 1), else_=0)) for r in range(1, 6)),
            func.sum(fact.callback),
            func.sum(fact.callback_in_sla),
        )
        .where(
            fact.agency_id.in_(agency_ids),
            fact.day >= day_number(start),
            fact.day <= day_number(end),
        )
        .group_by(fact.agency_id)
    ).all()
    cells = {}
    for agency_id, *counts in rows:
        n_sent, replied, *rest = (int(v or 0) for v in counts)
        *ratings, callbacks, in_sla = rest
        cells[agency_id] = Cell(n_sent, replied, ratings, callbacks, in_sla)
    return cells


def _mixes(session: Session, agency_ids: list[int], start: date, end: date) -> dict:
    """Each agency's replies by category, as shares (agencies with enough replies only)."""
    counts: dict[int, dict[str, int]] = {}
    for agency_id, category, replies in session.execute(
        select(ReportReply.agency_id, ReportReply.category, func.sum(ReportReply.replies))
        .where(
            ReportReply.agency_id.in_(agency_ids),
            ReportReply.day >= day_number(start),
            ReportReply.day <= day_number(end),
        )
        .group_by(ReportReply.agency_id, ReportReply.category)
    ):
        counts.setdefault(agency_id, {})[category] = int(replies or 0)
    mixes = {}
    for agency_id, found in counts.items():
        total = sum(found.values())
        if total >= MIN_REPLIES:
            mixes[agency_id] = {category: n / total for category, n in found.items()}
    return mixes


def compare(session: Session, agency: Agency, start: date, end: date) -> Comparison | None:
    """``agency``'s figures beside its peers' quartiles for ``start``..``end``; None when the
    agency does not take part."""
    if not agency.peer_benchmark:
        return None
    ids = list(
        session.scalars(
            select(Agency.id).where(Agency.peer_benchmark.is_(True)).order_by(Agency.id)
        )
    )
    others = [i for i in ids if i != agency.id]
    cells = _cells(session, ids, start, end)
    own = cells.get(agency.id, Cell())
    mixes = _mixes(session, ids, start, end)
    own_mix = mixes.get(agency.id, {})
    categories = sorted({c for i in ids for c in mixes.get(i, {})})
    return Comparison(
        own={metric: _value(own, metric) for metric in METRICS},
        peers={
            metric: quartiles(
                [v for i in others if i in cells and (v := _value(cells[i], metric)) is not None]
            )
            for metric in METRICS
        },
        own_mix=own_mix,
        peer_mix={
            category: quartiles([mixes[i].get(category, 0.0) for i in others if i in mixes])
            for category in categories
        },
        opted_in=len(others),
        categories=categories,
    )
