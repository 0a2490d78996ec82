"""Parse the short durations IT staff write in settings: ``2h``, ``90m``, ``1h30m``, ``0``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
LONGEST = timedelta(days=3650)  # no setting of this service waits longer than ten years


def parse_duration(text: str) -> timedelta:
    """Return the duration ``text`` names; raise ValueError with the accepted forms otherwise."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        seconds = int(cleaned)
    else:
        parts = _PART.findall(cleaned)
        if not parts or _PART.sub("", cleaned).strip():
            raise ValueError(
                f"{text!r} is not a duration: use seconds (e.g. 0, 900)"
                " or units d/h/m/s (e.g. 2h, 1h30m)"
            )
        seconds = sum(int(n) * _UNITS[unit] for n, unit in parts)
    if seconds > LONGEST.total_seconds():
        raise ValueError(f"{text!r} is longer than any setting allows (ten years)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Return ``value`` in the same short form ``parse_duration`` reads (``1h30m``, ``0``)."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0"
    out = []
    for unit, size in _UNITS.items():
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)
