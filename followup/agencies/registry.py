"""Agencies: creating them with valid settings, and the default agency a fresh install has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.core.config import Settings
from followup.core.durations import format_duration
from followup.core.quiet_hours import QuietHours
from followup.models import Agency
from followup.texts import message_templates

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# Dispositions after which a check-in would be wrong by default: the caller may be the person
# arrested, or the event was not a real contact. Agencies edit this list.
DEFAULT_EXCLUDED_DISPOSITIONS = [
    "ARREST",
    "ARRESTED",
    "ARREST MADE",
    "CUSTODY",
    "BOOKED",
    "DUPLICATE",
    "DUP",
    "TEST",
]


class AgencyError(ValueError):
    """An agency setting is not usable; the message names the setting."""


@dataclass(frozen=True)
class AgencySettings:
    """The settings an agency is created with (issue 7's admin screens edit the same columns)."""

    name: str
    timezone: str = "America/New_York"
    send_delay: timedelta = timedelta(hours=2)
    quiet_hours: QuietHours | None = QuietHours.parse("21:00-09:00")
    default_language: str = "en"
    phone: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AgencySettings:
        return cls(
            name=settings.agency_name,
            timezone=settings.timezone,
            send_delay=settings.send_delay,
            quiet_hours=settings.quiet_hours,
        )


# Long because an agency starts with every setting spelled out, then its checked first values.
def create_agency(
    session: Session, slug: str, options: AgencySettings, *, now: datetime, actor: str = "setup"
) -> Agency:
    """Create an agency with its default texts; raise AgencyError when a setting is invalid.

    Its first settings go through ``agencies.settings.update`` like every later change (checked
    the same way, audited as ``agency_created``)."""
    from followup.agencies import settings as agency_settings

    if not _SLUG.match(slug):
        raise AgencyError(
            f"slug {slug!r}: use lower-case letters, digits and dashes (e.g. westlake-pd)"
        )
    if session.scalar(select(Agency.id).where(Agency.slug == slug)) is not None:
        raise AgencyError(f"slug {slug!r}: an agency with this slug already exists")
    if not options.name.strip():
        raise AgencyError("name: must not be empty")
    agency = Agency(
        slug=slug,
        name=options.name.strip(),
        timezone="America/New_York",
        default_region="US",
        send_delay_seconds=7200,
        quiet_hours="21:00-09:00",
        reply_window_hours=168,
        frequency_cap_days=30,
        max_age_days=7,
        default_language="en",
        sensitive_patterns=[],
        call_type_delays=[],
        languages=sorted(
            {lang for purpose, lang in message_templates.default_bodies() if purpose == "checkin"}
        ),
        excluded_dispositions=list(DEFAULT_EXCLUDED_DISPOSITIONS),
        # Texts across the whole call: a confirmation and a delay text by default; case
        # updates once the agency connects its records system.
        confirmation_texts=True,
        delay_texts=True,
        delay_minutes=30,
        delay_rules=[],
        case_update_texts=False,
        case_update_offers=False,
        case_page=False,
        created_at=now,
    )
    session.add(agency)
    session.flush()
    message_templates.seed_defaults(session, agency, now=now)
    first = {
        "timezone": options.timezone,
        "send_delay": format_duration(options.send_delay),
        "quiet_hours": str(options.quiet_hours) if options.quiet_hours else "off",
        "default_language": options.default_language,
        "phone": options.phone or "",
    }
    try:
        agency_settings.update(
            session, agency, first, actor=actor, now=now, action="agency_created"
        )
    except agency_settings.RulesRejected as exc:
        field, problem = next(iter(exc.errors.items()))
        raise AgencyError(f"{field.replace('_', ' ')}: {problem}") from None
    return agency


def ensure_default_agency(session: Session, settings: Settings, *, now: datetime) -> Agency:
    """Return the default agency, creating it from the environment's defaults the first time."""
    agency = session.scalar(select(Agency).where(Agency.slug == settings.agency_slug))
    if agency is None:
        agency = create_agency(
            session, settings.agency_slug, AgencySettings.from_settings(settings), now=now
        )
    else:
        message_templates.seed_defaults(session, agency, now=now)
    return agency


def get_agency(session: Session, slug: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        raise AgencyError(f"no agency with slug {slug!r}")
    return agency
