"""Who did not answer: reply rates by group, and satisfaction weighted for non-response.

Of the check-ins sent (under a report's filter), the reply rate and the mean rating by
district, call type, language, shift and whether the carrier confirmed delivery: so command
staff see whose voices are missing.

The raw mean rating weighs each group by how many of its people answered. The weighted mean
weighs each group by how many were texted (post-stratification): cells are every combination
of the five groupings; cells with fewer than ``MIN_RATED`` ratings are pooled with the other
small cells that share the remaining groupings, dropping the least telling grouping first (call
type, then shift, language, district, delivery), until each has enough or all that is left is
one cell. Check-ins in a
pooled cell with no rating at all cannot be weighted and are counted apart. Weighting corrects
only for differences between these groups, not for differences within them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from followup.models import Agency, FollowUpStatus, ReportFact
from followup.reports.filters import ReportFilter, Scope

MIN_RATED = 10
DIMENSIONS = ("district", "call_type", "language", "shift", "delivered")
POOLING = ("call_type", "shift", "language", "district", "delivered")  # dropped in this order
ANY = "*"


@dataclass
class Group:
    sent: int = 0
    replied: int = 0
    rated: int = 0
    rating_sum: int = 0
    satisfied: int = 0  # ratings of 4 or 5

    def add(self, other: Group) -> None:
        self.sent += other.sent
        self.replied += other.replied
        self.rated += other.rated
        self.rating_sum += other.rating_sum
        self.satisfied += other.satisfied

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None

    @property
    def rating_mean(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None


@dataclass
class NonResponse:
    by: dict[str, dict[str, Group]]  # dimension -> value -> counts
    total: Group
    weighted_mean: float | None
    weighted_satisfied: float | None
    cells: int  # cells after pooling
    pooled: int  # cells of the full cross that were too small and pooled
    unweighted_sent: int  # check-ins in pooled cells with no rating at all
    sentence: str = ""
    caveat: str = field(
        default=(
            "Weighting corrects only for differences between these groups: people who did not "
            "answer may still differ from those who did within a group."
        )
    )

    @property
    def raw_mean(self) -> float | None:
        return self.total.rating_mean

    @property
    def raw_satisfied(self) -> float | None:
        return self.total.satisfied / self.total.rated if self.total.rated else None


def _rows(session: Session, scope: Scope):
    fact = ReportFact
    delivered = case((fact.delivery == "delivered", "delivered"), else_="not confirmed")
    return session.execute(
        select(
            fact.district,
            fact.call_type,
            fact.language,
            fact.shift,
            delivered,
            func.count(),
            func.sum(fact.replied),
            func.sum(case((fact.rating.is_not(None), 1), else_=0)),
            func.sum(func.coalesce(fact.rating, 0)),
            func.sum(case((fact.rating >= 4, 1), else_=0)),
        )
        .where(*scope.where(fact), fact.status == str(FollowUpStatus.SENT))
        .group_by(fact.district, fact.call_type, fact.language, fact.shift, delivered)
    ).all()


def post_stratify(cells: dict[tuple, Group]) -> tuple[list[Group], int, int]:
    """Pool small cells (keys in ``DIMENSIONS`` order) until each has ``MIN_RATED`` ratings;
    return the final cells, how many of the first cells were pooled, and the check-ins left in
    a pooled cell without any rating."""
    final: list[Group] = []
    pending = dict(cells)
    pooled = sum(1 for g in cells.values() if g.rated < MIN_RATED)
    for level in range(len(POOLING) + 1):
        last = level == len(POOLING)
        small: dict[tuple, Group] = {}
        for key, group in pending.items():
            if group.rated >= MIN_RATED or (last and group.rated > 0):
                final.append(group)
            else:
                small[key] = group
        if last:
            return final, pooled, sum(g.sent for g in small.values())
        dropped = DIMENSIONS.index(POOLING[level])
        pending = {}
        for key, group in small.items():
            coarser = key[:dropped] + (ANY,) + key[dropped + 1 :]
            pending.setdefault(coarser, Group()).add(group)
    raise AssertionError("unreachable")


def explain(raw: float | None, weighted: float | None) -> str:
    """One sentence on what the difference between the two means says."""
    if raw is None or weighted is None:
        return "Too few ratings to weigh: the weighted mean needs ratings in the groups."
    difference = weighted - raw
    if abs(difference) < 0.05:
        return (
            f"Weighted by who was texted rather than by who answered, the mean rating is "
            f"{weighted:.2f}, close to the raw {raw:.2f}: as far as these groups show, those who "
            f"answered rated as the others would have."
        )
    direction = "lower" if difference < 0 else "higher"
    effect = "overstates" if difference < 0 else "understates"
    return (
        f"Weighted by who was texted rather than by who answered, the mean rating is "
        f"{weighted:.2f}, not {raw:.2f}: groups that answer less often gave {direction} ratings, "
        f"so the raw mean {effect} satisfaction by {abs(difference):.2f}."
    )


def nonresponse(session: Session, agency: Agency, report_filter: ReportFilter) -> NonResponse:
    """Reply rates by group and the weighted satisfaction, for the report's check-ins sent."""
    by: dict[str, dict[str, Group]] = {name: {} for name in DIMENSIONS}
    cells: dict[tuple, Group] = {}
    total = Group()
    for *key, sent, replied, rated, rating_sum, satisfied in _rows(
        session, Scope(agency, report_filter)
    ):
        key = tuple("(none)" if value is None else str(value) for value in key)
        group = Group(sent, int(replied or 0), int(rated or 0), int(rating_sum or 0),
                      int(satisfied or 0))
        total.add(group)
        cells.setdefault(key, Group()).add(group)
        for name, value in zip(DIMENSIONS, key, strict=True):
            by[name].setdefault(value, Group()).add(group)
    final, pooled, unweighted = post_stratify(cells)
    weight = sum(g.sent for g in final)
    weighted_mean = (
        sum(g.sent * g.rating_sum / g.rated for g in final) / weight if weight else None
    )
    weighted_satisfied = (
        sum(g.sent * g.satisfied / g.rated for g in final) / weight if weight else None
    )
    result = NonResponse(
        by={name: dict(sorted(values.items())) for name, values in by.items()},
        total=total,
        weighted_mean=weighted_mean,
        weighted_satisfied=weighted_satisfied,
        cells=len(final),
        pooled=pooled,
        unweighted_sent=unweighted,
    )
    result.sentence = explain(result.raw_mean, weighted_mean)
    return result
