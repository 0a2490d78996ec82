"""Times as people read them: the agency's local time with its zone's abbreviation.

Every time a page shows goes through the ``local`` filter (``{{ message.created_at | local }}``
gives "Dec 03 14:05 EST"), in the signed-in user's agency's zone (its ``timezone`` setting). Files
that hold UTC say so in their header instead (the audit CSV's ``at_utc``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from flask import Flask, g

SHORT = "%b %d %H:%M"  # "Dec 03 14:05"
LONG = "%a %b %d, %H:%M"  # "Thu Dec 03, 14:05"
FULL = "%Y-%m-%d %H:%M"  # "2026-12-03 14:05"
DAY = "%Y-%m-%d"


def agency_zone() -> tzinfo:
    """The signed-in user's agency's zone, read once a request; UTC where nobody is signed in."""
    zone = g.get("agency_zone")
    if zone is None:
        user = g.get("user")
        zone = UTC
        if user is not None and getattr(user, "agency", None) is not None:
            zone = user.agency.zone
        g.agency_zone = zone
    return zone


def local(
    moment: datetime | None, fmt: str = SHORT, zone: tzinfo | None = None, missing: str = "—"
) -> str:
    """``moment`` in ``zone`` (the agency's by default) as ``fmt`` followed by the zone's
    abbreviation ("Dec 03 14:05 EST"); a date-only format gets no zone; ``missing`` for None."""
    if moment is None:
        return missing
    if isinstance(moment, datetime):
        if moment.tzinfo is None:  # stored times are UTC
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(zone or agency_zone())
        text = moment.strftime(fmt)
        return text if fmt == DAY else f"{text} {moment.strftime('%Z')}"
    if isinstance(moment, date):
        return moment.strftime(DAY)
    return str(moment)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = local
    app.jinja_env.globals.update(TIME_SHORT=SHORT, TIME_LONG=LONG, TIME_FULL=FULL, TIME_DAY=DAY)
