"""What a report covers: the period and filters a reader chose, and the calls they select.

One rule for every figure: a call counts when it closed inside the period (dates in the agency's
time zone), and everything that followed it (its check-in, delivery, replies, rating, callback)
counts with it, whenever that happened. The filters (district, call type, shift, language) narrow
the calls the same way for every figure, so the numbers of one page always add up.

Shifts follow the call's closed time in the agency's zone: day 07-15, evening 15-23, night 23-07.
(The roster's shift names are free text, so they cannot define one.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from followup.models import (
    Agency,
)
from followup.reports.facts import SHIFTS, day_number

FIRST_DAY = date(2000, 1, 1)  # intake refuses calls closed earlier
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
            found = date.fromisoformat(raw)
        except ValueError:
            raise ReportError(f"'{raw}' is not a date: use YYYY-MM-DD.") from None
        if not FIRST_DAY <= found <= today + timedelta(days=366):
            raise ReportError(
                f"'{raw}' is outside the dates reports cover ({FIRST_DAY:%Y} to next year)."
            )
        return found

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
    if not FIRST_DAY <= first <= date(9000, 1, 1):
        raise ReportError(f"'{month}' is outside the months reports cover.")
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
