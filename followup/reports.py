"""Reports for command staff: what happened to the calls closed in a period, aggregated in SQL.

One rule for every figure: a call counts when it closed inside the period (dates in the agency's
time zone), and everything that followed it (its check-in, delivery, replies, rating, callback)
counts with it, whenever that happened. The filters (district, call type, shift, language) narrow
the calls the same way for every figure, so the numbers of one page always add up. Opt-outs are
the exception: they belong to a number, not a call, so they count when they happened,
agency-wide.

Shifts follow the call's closed time in the agency's zone: day 07-15, evening 15-23, night 23-07.
(The roster's shift names are free text, so they cannot define one.)

The figures are read from the report facts (``followup.report_facts``): one row per call, kept
current by database triggers, so a year of a large agency is one range of one index. Every query
groups and counts in the database, by day in the index's order; Python adds up those per-day
rows (a few thousand for a year) into weeks and totals, and the median reads at most two values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from followup import report_facts
from followup.models import (
    Agency,
    Call,
    Contact,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    ReportFact,
    ReportReply,
)
from followup.report_facts import SHIFTS, day_number

MAX_DAYS = 3 * 366  # a longer period is refused: each figure reads every call in it
DEFAULT_DAYS = 30
PAGE_SIZE = 25
# Keywords are not comments: STOP, START, HELP say nothing about the service.
NOT_COMMENTS = ("opt_out", "opt_in", "help")


class ReportError(ValueError):
    """A filter that cannot be used; the message says why, in words for the reader."""


@dataclass(frozen=True)
class ReportFilter:
    start: date  # first day, in the agency's zone
    end: date  # last day, inclusive
    district: str | None = None
    call_type: str | None = None
    shift: str | None = None  # a key of SHIFTS
    language: str | None = None  # the check-in's language (ISO 639-1)

    def as_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for links and exports)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for key in ("district", "call_type", "shift", "language"):
            if getattr(self, key):
                args[key] = getattr(self, key)
        return args

    def describe(self) -> dict[str, str]:
        return self.as_args()


def parse_filter(args: Mapping[str, str], today: date) -> ReportFilter:
    """Read the filter from a request's arguments; ReportError for anything unusable."""

    def day(name: str, default: date) -> date:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ReportError(f"'{raw}' is not a date: use YYYY-MM-DD.") from None

    end = day("to", today)
    start = day("from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise ReportError("The period starts after it ends.")
    if (end - start).days + 1 > MAX_DAYS:
        raise ReportError("A report covers at most three years.")
    shift = (args.get("shift") or "").strip() or None
    if shift is not None and shift not in SHIFTS:
        raise ReportError(f"Shift must be one of: {', '.join(SHIFTS)}.")

    def text(name: str, limit: int) -> str | None:
        value = (args.get(name) or "").strip() or None
        if value is not None and len(value) > limit:
            raise ReportError(f"The {name.replace('_', ' ')} filter is too long.")
        return value

    return ReportFilter(
        start, end, text("district", 64), text("call_type", 200), shift, text("language", 8)
    )


def month_filter(month: str) -> ReportFilter:
    """The whole calendar month ``YYYY-MM``."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ReportError(f"'{month}' is not a month: use YYYY-MM.") from None
    following = (first + timedelta(days=32)).replace(day=1)
    return ReportFilter(first, following - timedelta(days=1))


# --- the calls a report counts --------------------------------------------------------------


@dataclass
class Scope:
    """An agency's calls under a filter, as conditions on the report facts (``ReportFact`` or
    ``ReportReply``: both carry the call's agency, day, shift, district, type and language)."""

    agency: Agency
    filter: ReportFilter
    since: datetime = field(init=False)  # UTC: the period's bounds, for opt-outs
    until: datetime = field(init=False)

    def __post_init__(self):
        zone = self.agency.zone
        self.since = datetime.combine(self.filter.start, time(), zone).astimezone(UTC)
        self.until = datetime.combine(self.filter.end + timedelta(days=1), time(), zone).astimezone(
            UTC
        )

    @cached_property
    def first_monday(self) -> date:
        """The Monday of the week holding the period's first day (the weekly series starts)."""
        return self.filter.start - timedelta(days=self.filter.start.weekday())

    @cached_property
    def _first_monday_number(self) -> int:
        return day_number(self.first_monday)

    def week_of(self, day: int) -> int:
        """The index of the week (from ``first_monday``) of a fact's day number."""
        return (day - self._first_monday_number) // 7

    def where(self, table, *, by_index: bool = True) -> list:
        """The scope's conditions. ``by_index=False`` writes the period as expressions no index
        serves, so the database walks another table's index instead (newest replies first) and
        checks each row's fact by its key."""
        f = self.filter
        agency_id, day = (
            (table.agency_id, table.day) if by_index else (table.agency_id + 0, table.day + 0)
        )
        found = [
            agency_id == self.agency.id,
            day >= day_number(f.start),
            day <= day_number(f.end),
        ]
        for name in ("district", "call_type", "shift", "language"):
            if getattr(f, name):
                found.append(getattr(table, name) == getattr(f, name))
        return found


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
    uncounted: int = 0  # changes logged and not yet in the figures (more than a page works off)

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


def figures(session: Session, agency: Agency, report_filter: ReportFilter) -> Figures:
    """Compute every figure of the report for ``agency`` under ``report_filter``.

    Brings the report facts up to date first, in ``session``'s transaction (commit it to keep
    that work)."""
    uncounted = report_facts.catch_up(session)
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
    return Figures(
        calls=counts["calls"],
        scheduled=counts["calls"] - sum(counts["skipped"].values()),
        skipped=dict(sorted(counts["skipped"].items(), key=_by_count)),
        cancelled=counts["cancelled"],
        sent=counts["sent"],
        delivered=counts["delivered"],
        failed=dict(sorted(counts["refused"].items(), key=_by_count)),
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
        uncounted=uncounted,
    )


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


# --- comments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFilter:
    text: str | None = None  # the reply contains this (case-insensitive)
    category: str | None = None
    rating: int | None = None  # the rating the caller gave in that conversation
    commendations: bool = False  # only replies that name an officer or unit


def parse_comment_filter(args: Mapping[str, str]) -> CommentFilter:
    text = (args.get("q") or "").strip() or None
    if text is not None and len(text) > 200:
        raise ReportError("Search for at most 200 characters.")
    category = (args.get("category") or "").strip() or None
    if category is not None and len(category) > 16:
        raise ReportError("That category does not exist.")
    raw = (args.get("rating") or "").strip()
    if raw and raw not in {"1", "2", "3", "4", "5"}:
        raise ReportError("Rating must be 1 to 5.")
    return CommentFilter(text, category, int(raw) if raw else None)


@dataclass(frozen=True)
class Comment:
    id: int
    received_at: datetime
    body: str
    category: str | None
    rating: int | None
    commendation: str | None
    call_type: str
    district: str | None
    closed_at: datetime


def _comments_query(scope: Scope, comment_filter: CommentFilter, *, newest_first: bool = False):
    """The matching replies. ``newest_first``: for a page of them in time order, walked from
    the newest reply of the agency (a page needs a few rows, not the whole period sorted);
    otherwise from the period's facts (to count them all)."""
    query = (
        select(
            Message.id,
            Message.created_at,
            Message.body,
            Message.category,
            Conversation.rating,
            Message.commendation,
            Call.call_type,
            Call.district,
            Call.closed_at,
        )
        .select_from(Message)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .join(FollowUp, Conversation.followup_id == FollowUp.id)
        .join(Call, FollowUp.call_id == Call.id)
        .join(ReportFact, ReportFact.call_id == Call.id)
        .where(*scope.where(ReportFact, by_index=not newest_first), ReportFact.replied == 1)
    )
    query = query.where(
        Message.agency_id == scope.agency.id,  # newest first: the agency's replies by time
        Message.direction == MessageDirection.INBOUND,
        or_(Message.category.is_(None), Message.category.not_in(NOT_COMMENTS)),
    )
    if comment_filter.text:
        escaped = (
            comment_filter.text.lower()
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
        )
        query = query.where(func.lower(Message.body).like(f"%{escaped}%", escape="\\"))
    if comment_filter.category:
        query = query.where(Message.category == comment_filter.category)
    if comment_filter.rating is not None:
        query = query.where(Conversation.rating == comment_filter.rating)
    if comment_filter.commendations:
        query = query.where(Message.commendation.is_not(None))
    return query


def comments(
    session: Session,
    agency: Agency,
    report_filter: ReportFilter,
    comment_filter: CommentFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> tuple[list[Comment], int]:
    """One page of replies, newest first, and how many match in all. ``per_page=0``: all.
    (Brings the report facts up to date first, as ``figures`` does.)"""
    report_facts.catch_up(session)
    scope = Scope(agency, report_filter)
    query = _comments_query(scope, comment_filter)
    if comment_filter.text or comment_filter.rating is not None or comment_filter.commendations:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
    else:  # replies by category are counted already
        counted = select(func.coalesce(func.sum(ReportReply.replies), 0)).where(
            *scope.where(ReportReply)
        )
        if comment_filter.category:
            counted = counted.where(ReportReply.category == comment_filter.category)
        else:  # "none": a reply not triaged is a comment too
            counted = counted.where(ReportReply.category.not_in(NOT_COMMENTS))
        total = session.scalar(counted)
    # SQLite walks the newest replies only when told to; PostgreSQL plans that itself, and the
    # conditions that steer SQLite make it misjudge the facts' rows (a plan 1000x slower).
    walk = session.get_bind().dialect.name == "sqlite"
    query = _comments_query(scope, comment_filter, newest_first=walk)
    query = query.order_by(Message.created_at.desc(), Message.id.desc())
    if per_page:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page)
    return [Comment(*row) for row in session.execute(query)], total


def categories_seen() -> list[str]:
    from followup.triage import Category

    return sorted(c.value for c in Category if c.value not in NOT_COMMENTS)
