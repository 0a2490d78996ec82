"""When a check-in goes out: the agency's delay after the call closed (or its call type's own),
never in the past, moved out of quiet hours in the agency's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.core.quiet_hours import next_allowed
from followup.eligibility.sensitive import matches_any
from followup.models import Agency


def send_time(
    agency: Agency, closed_at: datetime, *, now: datetime, call_type: str = ""
) -> datetime:
    """Return when the check-in for a call closed at ``closed_at`` should go out.

    The agency's delay after closing (or the call type's own), never in the past, moved out of
    quiet hours in the agency's own time zone.
    """
    return next_allowed(
        max(closed_at + delay_for(agency, call_type), now), agency.zone, agency.quiet
    )


def delay_for(agency: Agency, call_type: str) -> timedelta:
    """The agency's send delay for ``call_type``: its own rule if one matches, else the default."""
    for rule in agency.call_type_delays or ():
        if matches_any(call_type, [rule["pattern"]]):
            return timedelta(seconds=int(rule["delay_seconds"]))
    return agency.send_delay
