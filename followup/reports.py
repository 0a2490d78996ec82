"""Reports for command staff: what happened to the calls closed in a period, aggregated in SQL.

One rule for every figure: a call counts when it closed inside the period (dates in the agency's
time zone), and everything that followed it (its check-in, delivery, replies, rating, callback)
counts with it, whenever that happened. The filters (district, call type, shift, language) narrow
the calls the same way for every figure, so the numbers of one page always add up. Opt-outs are
the exception: they belong to a number, not a call, so they count when they happened,
agency-wide.

Shifts follow the call's closed time in the agency's zone: day 07-15, evening 15-23, night 23-07.
(The roster's shift names are free text, so they cannot define one.)

Every query here groups and counts in the database; Python only ever sees a handful of rows
(the weekly series has one row per week, the median reads at most two values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from followup.models import (
    Agency,
    Call,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackStatus,
    Contact,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    MessageStatus,
)

SHIFTS = {"day": (7, 15), "evening": (15, 23), "night": (23, 7)}  # local hours, [start, end)
MAX_DAYS = 3 * 366  # a longer period is refused: each figure reads every call in it
DEFAULT_DAYS = 30
PAGE_SIZE = 25
# Keywords are not comments: STOP, START, HELP say nothing about the service.
NOT_COMMENTS = ("opt_out", "opt_in", "help")
SECONDS_PER_DAY = 86400


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


# --- time in the agency's zone, in SQL ------------------------------------------------------


class epoch_seconds(FunctionElement):  # noqa: N801 (an SQL function reads best in lower case)
    """Seconds since 1970 of a UTC timestamp column, as an integer, on SQLite and PostgreSQL."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # Stored as naive UTC text ("2026-11-23 15:00:00.000000"): strftime reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


def _offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) from ``start``, and each instant before ``end`` it
    changes (DST), as [(from, offset), ...]; found day by day, then to the minute."""

    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())

    spans = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != spans[-1][1]:
            low, high = day, following  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == spans[-1][1] else (low, middle)
            spans.append((high.replace(second=0, microsecond=0), offset(following)))
        day = following
    return spans


def local_seconds(column, zone: ZoneInfo, start: datetime, end: datetime):
    """``column`` as seconds since 1970 on the agency's wall clock (DST-correct in the period)."""
    spans = _offsets(zone, start, end)
    if len(spans) == 1:
        offset = literal(spans[0][1])
    else:
        # Each span's offset holds until the next span starts.
        whens = [(column < spans[i + 1][0], spans[i][1]) for i in range(len(spans) - 1)]
        offset = case(*whens, else_=spans[-1][1])
    return epoch_seconds(column) + offset


# --- the calls a report counts --------------------------------------------------------------


@dataclass
class Scope:
    """An agency's calls under a filter, as SQL conditions on Call and FollowUp."""

    agency: Agency
    filter: ReportFilter
    since: datetime = field(init=False)  # UTC
    until: datetime = field(init=False)

    def __post_init__(self):
        zone = self.agency.zone
        self.since = datetime.combine(self.filter.start, time(), zone).astimezone(UTC)
        self.until = datetime.combine(self.filter.end + timedelta(days=1), time(), zone).astimezone(
            UTC
        )

    def local(self, column):
        return local_seconds(column, self.agency.zone, self.since, self.until)

    def week_starts(self) -> list[datetime]:
        """Each Monday 00:00 (agency time) from the week holding the first day, in UTC."""
        zone = self.agency.zone
        first_monday = self.filter.start - timedelta(days=self.filter.start.weekday())
        weeks = (self.filter.end - first_monday).days // 7 + 1
        return [
            datetime.combine(first_monday + timedelta(weeks=n), time(), zone).astimezone(UTC)
            for n in range(weeks)
        ]

    def week(self, column):
        """The index of the week (in ``week_starts``) that ``column`` falls in: a binary search
        over the weeks' UTC starts as nested CASEs, a few comparisons of the stored value per
        row instead of time zone arithmetic (the period's bounds keep every row in range)."""
        starts = self.week_starts()

        def search(low: int, high: int):  # the week is in [low, high)
            if high - low == 1:
                return literal(low)
            middle = (low + high) // 2
            return case((column < starts[middle], search(low, middle)), else_=search(middle, high))

        return search(0, len(starts))

    def conditions(self) -> list:
        f = self.filter
        found = [
            Call.agency_id == self.agency.id,
            Call.closed_at >= self.since,
            Call.closed_at < self.until,
        ]
        if f.district:
            found.append(Call.district == f.district)
        if f.call_type:
            found.append(Call.call_type == f.call_type)
        if f.language:
            found.append(FollowUp.language == f.language)
        if f.shift:
            first, last = SHIFTS[f.shift]
            second_of_day = self.local(Call.closed_at) % SECONDS_PER_DAY
            after, before = second_of_day >= first * 3600, second_of_day < last * 3600
            found.append(and_(after, before) if first < last else or_(after, before))
        return found

    def calls(self, *columns):
        """SELECT ``columns`` FROM the scoped calls (outer-joined to their follow-up)."""
        return (
            select(*columns)
            .select_from(Call)
            .outerjoin(FollowUp, FollowUp.call_id == Call.id)
            .where(*self.conditions())
        )

    def conversations(self, *columns):
        """SELECT over the scoped calls' check-in conversations (calls that got a reply)."""
        return (
            select(*columns)
            .select_from(Conversation)
            .join(FollowUp, Conversation.followup_id == FollowUp.id)
            .join(Call, FollowUp.call_id == Call.id)
            .where(*self.conditions())
        )


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


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def figures(session: Session, agency: Agency, report_filter: ReportFilter) -> Figures:
    """Compute every figure of the report for ``agency`` under ``report_filter``."""
    scope = Scope(agency, report_filter)
    counts = _main_pass(session, scope)
    categories = dict(
        session.execute(
            scope.conversations(Message.category, func.count())
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.direction == MessageDirection.INBOUND)
            .group_by(Message.category)
        ).all()
    )
    failed = counts["refused"]  # refused by the gateway, and undelivered after it took them
    rated = sum(counts["ratings"].values())
    return Figures(
        calls=counts["calls"],
        scheduled=counts["calls"] - sum(counts["skipped"].values()),
        skipped=dict(sorted(counts["skipped"].items(), key=_by_count)),
        cancelled=counts["cancelled"],
        sent=counts["sent"],
        delivered=counts["delivered"],
        failed=dict(sorted(failed.items(), key=_by_count)),
        replied=counts["replied"],
        rating_mean=counts["rating_sum"] / rated if rated else None,
        ratings={r: counts["ratings"].get(r, 0) for r in range(1, 6)},
        categories={str(k or "none"): v for k, v in sorted(categories.items(), key=_by_count)},
        **_callbacks(session, scope),
        opt_outs=_opt_outs(session, scope),
        weeks=_week_list(scope, counts["weeks"]),
    )


def _main_pass(session: Session, scope: Scope) -> dict:
    """One pass over the calls, their follow-ups and conversations, grouped by week, outcome
    and rating: every count of the funnel, the ratings and the weekly series come from its
    few hundred rows at most. (Every call has a follow-up: intake creates one, skipped or
    scheduled, with the call.)"""
    week = scope.week(Call.closed_at).label("week")
    replied = Conversation.followup_id.is_not(None).label("replied")  # the covering index
    rows = session.execute(
        select(
            week,
            FollowUp.status,
            FollowUp.reason,
            FollowUp.error_code,
            replied,
            Conversation.rating,
            Message.status,
            Message.error_code,
            func.count(),
        )
        .select_from(FollowUp)
        .join(Call, FollowUp.call_id == Call.id)
        .outerjoin(Conversation, Conversation.followup_id == FollowUp.id)
        .outerjoin(Message, _delivery_outcome())
        .where(*scope.conditions())
        .group_by(
            week,
            FollowUp.status,
            FollowUp.reason,
            FollowUp.error_code,
            replied,
            Conversation.rating,
            Message.status,
            Message.error_code,
        )
    ).all()
    counts = {
        "delivered": 0,
        "calls": 0,
        "cancelled": 0,
        "sent": 0,
        "replied": 0,
        "rating_sum": 0,
        "skipped": {},
        "refused": {},
        "ratings": {},
        "weeks": {},
    }
    for week_index, status, reason, code, has_reply, rating, outcome, carrier_code, n in rows:
        counts["calls"] += n
        weekly = counts["weeks"].setdefault(week_index, [0, 0, 0, 0])  # sent, replied, Σ, rated
        if status == FollowUpStatus.SKIPPED:
            key = str(reason or "unknown")
            counts["skipped"][key] = counts["skipped"].get(key, 0) + n
        elif status == FollowUpStatus.CANCELLED:
            counts["cancelled"] += n
        elif status == FollowUpStatus.FAILED:
            key = str(code) if code is not None else (reason or "no code")
            counts["refused"][key] = counts["refused"].get(key, 0) + n
        elif status == FollowUpStatus.SENT:
            counts["sent"] += n
            weekly[0] += n
            if outcome == MessageStatus.DELIVERED:
                counts["delivered"] += n
            elif outcome is not None:
                key = str(carrier_code) if carrier_code is not None else "no code"
                counts["refused"][key] = counts["refused"].get(key, 0) + n
            if has_reply:
                counts["replied"] += n
                weekly[1] += n
        if has_reply and rating is not None:
            counts["ratings"][rating] = counts["ratings"].get(rating, 0) + n
            counts["rating_sum"] += rating * n
            weekly[2] += rating * n
            weekly[3] += n
    return counts


def _week_list(scope: Scope, found: dict) -> list[dict]:
    """Sent, replied and ratings per week (Mondays, agency time), empty weeks included."""
    first_monday = scope.filter.start - timedelta(days=scope.filter.start.weekday())
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


def _delivery_outcome():
    """Join a sent check-in to the text that says how it ended: delivered, or failed or
    undelivered after the gateway took it. A check-in tried again after a carrier error counts
    by its last accepted text; a delivered text is always the last (nothing follows delivery),
    so at most one text joins each check-in."""
    checkin = aliased(Message)
    latest = select(func.max(checkin.id)).where(
        checkin.followup_id == FollowUp.id, checkin.sid.is_not(None)
    )
    return and_(
        FollowUp.status == FollowUpStatus.SENT,
        Message.followup_id == FollowUp.id,
        Message.sid.is_not(None),
        Message.status.in_(
            (MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.UNDELIVERED)
        ),
        # Only failures need the (per-row) check that no later text was accepted.
        or_(Message.status == MessageStatus.DELIVERED, Message.id == latest.scalar_subquery()),
    )


def _callbacks(session: Session, scope: Scope) -> dict:
    resolved = Callback.status == CallbackStatus.RESOLVED
    opened, done, in_time = session.execute(
        scope.conversations(
            func.count(Callback.id),
            _sum(resolved),
            _sum(resolved & (Callback.resolved_at <= Callback.due_by)),
        ).join(Callback, Callback.conversation_id == Conversation.id)
    ).one()
    first = (
        select(
            CallbackEvent.callback_id.label("callback_id"),
            func.min(CallbackEvent.created_at).label("first_at"),
        )
        .where(CallbackEvent.kind == CallbackEventKind.ATTEMPT)
        .group_by(CallbackEvent.callback_id)
        .subquery()
    )
    waited = (epoch_seconds(first.c.first_at) - epoch_seconds(Callback.created_at)).label("s")
    attempted = (
        scope.conversations(waited)
        .join(Callback, Callback.conversation_id == Conversation.id)
        .join(first, first.c.callback_id == Callback.id)
    )
    return {
        "callbacks_opened": opened,
        "callbacks_resolved": done,
        "callbacks_within_sla": in_time,
        "first_attempt_median_minutes": _median(session, attempted, waited, scale=60),
    }


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


def _comments_query(scope: Scope, comment_filter: CommentFilter):
    query = scope.conversations(
        Message.id,
        Message.created_at,
        Message.body,
        Message.category,
        Conversation.rating,
        Message.commendation,
        Call.call_type,
        Call.district,
        Call.closed_at,
    ).join(Message, Message.conversation_id == Conversation.id)
    query = query.where(
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
    """One page of replies, newest first, and how many match in all. ``per_page=0``: all."""
    query = _comments_query(Scope(agency, report_filter), comment_filter)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    query = query.order_by(Message.created_at.desc(), Message.id.desc())
    if per_page:
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page)
    return [Comment(*row) for row in session.execute(query)], total


def categories_seen() -> list[str]:
    from followup.triage import Category

    return sorted(c.value for c in Category if c.value not in NOT_COMMENTS)
