"""Report figures for command staff: what happened to the calls closed in a period.

Opt-outs are the exception to the period rule (``followup.reports.filters``): they belong to a
number, not a call, so they count when they happened, agency-wide.

The figures are read from the report facts (``followup.reports.facts``): one row per call, kept
current by database triggers, so a year of a large agency is one range of one index. Every query
groups and counts in the database, by day in the index's order; Python adds up those per-day
rows (a few thousand for a year) into weeks and totals, and the median reads at most two values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from followup.models import (
    Agency,
    Call,
    Contact,
    FollowUpStatus,
    ReportFact,
    ReportReply,
)
from followup.reports import facts
from followup.reports.filters import ReportFilter, Scope
from followup.reports.triage_review import TriageReview, triage_review
from followup.reports.whole_call import PurposeFigures, WholeCall, whole_call_figures

# --- the figures ----------------------------------------------------------------------------


@dataclass
class Figures:
    calls: int
    scheduled: int  # eligible: a check-in was scheduled (whatever became of it)
    skipped: dict[str, int]  # not eligible, by reason
    cancelled: int  # scheduled, then stopped (call reopened, number opted out)
    sent: int  # check-ins the gateway accepted
    delivered: int  # of those, the carrier confirmed delivery
    failed: dict[str, int]  # refused by the gateway or undelivered, by error code
    replied: int  # check-ins sent that got at least one reply
    rating_mean: float | None
    ratings: dict[int, int]  # 1-5 -> conversations that gave it
    categories: dict[str, int]  # replies by triage category
    callbacks_opened: int
    callbacks_resolved: int
    callbacks_within_sla: int  # resolved no later than due
    first_attempt_median_minutes: float | None  # callback opened -> first call attempt
    opt_outs: int  # numbers that opted out in the period (agency-wide)
    weeks: list[dict] = field(default_factory=list)
    # Triage as commanders see it: per category, replies corrected away, confirmed, left.
    triage: TriageReview = field(default_factory=TriageReview)
    uncounted: int = 0  # changes logged and not yet in the figures (more than a page works off)
    # The texts across the whole call: each purpose, confirmations, delay texts.
    whole_call: WholeCall = field(default_factory=WholeCall)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None

    @property
    def ratings_count(self) -> int:
        return sum(self.ratings.values())


def report_figures(session: Session, agency: Agency, report_filter: ReportFilter) -> Figures:
    """Compute every figure of the report for ``agency`` under ``report_filter``.

    Brings the report facts up to date first, in ``session``'s transaction (commit it to keep
    that work)."""
    uncounted = facts.catch_up(session)
    scope = Scope(agency, report_filter)
    counts = _main_pass(session, scope)
    categories: dict[str, int] = {}
    for category, replies in session.execute(
        # Grouped by day first, in the index's order: no sort of the period's rows.
        select(ReportReply.category, func.sum(ReportReply.replies))
        .where(*scope.where(ReportReply))
        .group_by(ReportReply.day, ReportReply.category)
    ):
        categories[category] = categories.get(category, 0) + replies
    rated = sum(counts["ratings"].values())
    attempted = select(ReportFact.first_attempt_seconds).where(
        *scope.where(ReportFact), ReportFact.first_attempt_seconds.is_not(None)
    )
    refused = dict(sorted(counts["refused"].items(), key=_by_count))
    checkin = PurposeFigures(
        "checkin",
        sent=counts["sent"],
        delivered=counts["delivered"],
        failed=sum(refused.values()),
        replied=counts["replied"],
        replies=sum(categories.values()),
    )
    return Figures(
        calls=counts["calls"],
        scheduled=counts["calls"] - sum(counts["skipped"].values()),
        skipped=dict(sorted(counts["skipped"].items(), key=_by_count)),
        cancelled=counts["cancelled"],
        sent=counts["sent"],
        delivered=counts["delivered"],
        failed=refused,
        replied=counts["replied"],
        rating_mean=counts["rating_sum"] / rated if rated else None,
        ratings={r: counts["ratings"].get(r, 0) for r in range(1, 6)},
        categories=dict(sorted(categories.items(), key=_by_count)),
        callbacks_opened=counts["callbacks"],
        callbacks_resolved=counts["callbacks_resolved"],
        callbacks_within_sla=counts["callbacks_in_sla"],
        first_attempt_median_minutes=_median(
            session, attempted, ReportFact.first_attempt_seconds, scale=60
        ),
        opt_outs=_opt_outs(session, scope),
        weeks=_week_list(scope, counts["weeks"]),
        triage=triage_review(session, scope, categories),
        uncounted=uncounted,
        whole_call=whole_call_figures(session, scope, checkin),
    )


# Long because every figure is one aggregate of the same pass over the facts.
def _main_pass(session: Session, scope: Scope) -> dict:
    """One pass over the period's facts, grouped by day and outcome in the order of their index
    (so the database streams them without sorting): every count of the funnel, the ratings, the
    callbacks and the weekly series add up from its rows (a few thousand for a year)."""
    fact = ReportFact
    rows = session.execute(
        select(
            fact.day,
            fact.status,
            fact.delivery,
            fact.detail,
            func.count(),
            func.sum(fact.replied),
            *(func.sum(case((fact.rating == r, 1), else_=0)) for r in range(1, 6)),
            func.sum(fact.callback),
            func.sum(fact.callback_resolved),
            func.sum(fact.callback_in_sla),
        )
        .where(*scope.where(fact))
        .group_by(fact.day, fact.status, fact.delivery, fact.detail)
    ).all()
    counts = {
        "calls": 0,
        "cancelled": 0,
        "sent": 0,
        "delivered": 0,
        "replied": 0,
        "rating_sum": 0,
        "callbacks": 0,
        "callbacks_resolved": 0,
        "callbacks_in_sla": 0,
        "skipped": {},
        "refused": {},
        "ratings": {},
        "weeks": {},
    }

    def add(kind: str, key: str, n: int) -> None:
        counts[kind][key] = counts[kind].get(key, 0) + n

    for day, status, delivery, detail, n, replied, *by_rating, opened, resolved, in_sla in rows:
        counts["calls"] += n
        # sent, replied, sum of ratings, ratings given
        weekly = counts["weeks"].setdefault(scope.week_of(day), [0, 0, 0, 0])
        if status == FollowUpStatus.SKIPPED:
            add("skipped", detail or "unknown", n)
        elif status == FollowUpStatus.CANCELLED:
            counts["cancelled"] += n
        elif status == FollowUpStatus.FAILED:
            add("refused", detail or "no code", n)
        elif status == FollowUpStatus.SENT:
            counts["sent"] += n
            weekly[0] += n
            if delivery == "delivered":
                counts["delivered"] += n
            elif delivery == "failed":  # undelivered after the gateway took it
                add("refused", detail or "no code", n)
            counts["replied"] += replied
            weekly[1] += replied
        for rating, given in enumerate(by_rating, start=1):
            if given:
                counts["ratings"][rating] = counts["ratings"].get(rating, 0) + given
                counts["rating_sum"] += rating * given
                weekly[2] += rating * given
                weekly[3] += given
        counts["callbacks"] += opened
        counts["callbacks_resolved"] += resolved
        counts["callbacks_in_sla"] += in_sla
    return counts


def _week_list(scope: Scope, found: dict) -> list[dict]:
    """Sent, replied and ratings per week (Mondays, agency time), empty weeks included."""
    first_monday = scope.first_monday
    weeks = []
    for index in range((scope.filter.end - first_monday).days // 7 + 1):
        sent, replied, rating_sum, rated = found.get(index, (0, 0, 0, 0))
        weeks.append(
            {
                "week": (first_monday + timedelta(weeks=index)).isoformat(),
                "sent": sent,
                "replied": replied,
                "reply_rate": round(replied / sent, 4) if sent else None,
                "rating_mean": round(rating_sum / rated, 2) if rated else None,
                "ratings": rated,
            }
        )
    return weeks


def _by_count(item):
    return (-item[1], str(item[0]))


def _median(session: Session, query, value, *, scale: float = 1) -> float | None:
    """The median of ``value`` over ``query``'s rows: a count, then the middle one or two
    values in order (OFFSET), so it works the same on SQLite (no percentile function)."""
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    if not count:
        return None
    middle = session.scalars(
        query.order_by(value).offset((count - 1) // 2).limit(2 - count % 2)
    ).all()
    return sum(middle) / len(middle) / scale


def _opt_outs(session: Session, scope: Scope) -> int:
    return session.scalar(
        select(func.count()).where(
            Contact.agency_id == scope.agency.id,
            Contact.opted_out_at >= scope.since,
            Contact.opted_out_at < scope.until,
        )
    )


RECENT_CALLS = 5000  # the filter form offers the districts and call types of this many


def choices(session: Session, agency: Agency, report_filter: ReportFilter) -> dict[str, list]:
    """Districts and call types for the filter form (those of the agency's latest calls, a
    bounded read whatever the table's size, plus any chosen now) and the agency's languages."""
    recent = (
        select(Call.district, Call.call_type)
        .where(Call.agency_id == agency.id)
        .order_by(Call.id.desc())
        .limit(RECENT_CALLS)
        .subquery()
    )

    def distinct(column, chosen: str | None) -> list[str]:
        found = set(session.scalars(select(column).where(column.is_not(None)).distinct()))
        return sorted(found | ({chosen} if chosen else set()))

    return {
        "districts": distinct(recent.c.district, report_filter.district),
        "call_types": distinct(recent.c.call_type, report_filter.call_type),
        "languages": sorted(set(agency.languages or []) | {agency.default_language}),
    }
