"""Quiet hours: no text between, by default, 21:00 and 09:00 in the agency's own time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class QuietHours:
    """A nightly window [start, end) in local wall-clock time; start > end wraps past midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Read ``21:00-09:00``; ``off`` (or empty) means no quiet hours and returns None."""
        cleaned = text.strip().lower()
        if cleaned in ("", "off", "none"):
            return None
        try:
            start_text, end_text = (part.strip() for part in cleaned.split("-"))
        except ValueError:
            raise ValueError(
                f"{text!r} is not a quiet-hours range: use HH:MM-HH:MM or off"
            ) from None
        start, end = _parse_time(start_text), _parse_time(end_text)
        if start == end:
            raise ValueError(f"{text!r} is empty: start and end are the same time")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def _parse_time(text: str) -> time:
    match = _HHMM.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time of day: use HH:MM (24-hour)")
    return time(int(match.group(1)), int(match.group(2)))


def next_allowed(at: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """Return the first moment at or after ``at`` that is outside quiet hours, in UTC.

    Rules are in wall-clock time, so the answer is computed in ``zone`` (DST-correct) and the
    result is returned as aware UTC. A moment inside quiet hours moves to the window's end,
    on the right local date.
    """
    at = at.astimezone(UTC)
    if quiet is None:
        return at
    local = at.astimezone(zone)
    if not quiet.contains(local.time()):
        return at
    end_date = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_date += timedelta(days=1)  # evening side of an overnight window: ends tomorrow
    end_local = datetime.combine(end_date, quiet.end, tzinfo=zone)
    allowed = end_local.astimezone(UTC)
    if allowed.astimezone(zone).time() != quiet.end:
        # The end time falls in a spring-forward gap (02:30 on a night that skips 02:00-03:00):
        # the window ends when the clocks jump past it, at the first minute whose wall time is
        # later. Step back minute by minute from the (too late) fold=0 reading to find it.
        while (earlier := allowed - timedelta(minutes=1)).astimezone(zone).time() > quiet.end:
            allowed = earlier
    if allowed < at:
        # The end time occurs twice (01:30 on the fall-back night) and ``at`` is already past
        # its first occurrence: the window ends at the second one, not in the past.
        allowed = end_local.replace(fold=1).astimezone(UTC)
    return allowed


def next_quiet_start(at: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime | None:
    """Return when the next quiet hours begin after ``at`` (aware UTC); None without quiet hours.

    Computed in ``zone``'s wall-clock time (DST-correct). A start time that occurs twice (the
    fall-back night) counts from its first occurrence; one that a spring-forward night skips,
    from the earlier of its two readings (at most an hour early: the safe side).
    """
    if quiet is None:
        return None
    at = at.astimezone(UTC)
    local_date = at.astimezone(zone).date()
    for days in range(3):
        start = datetime.combine(local_date + timedelta(days=days), quiet.start, tzinfo=zone)
        start_utc = min(
            start.replace(fold=0).astimezone(UTC), start.replace(fold=1).astimezone(UTC)
        )
        if start_utc > at:
            return start_utc
    raise AssertionError("quiet hours start once a day")
