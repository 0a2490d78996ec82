"""An agency's sending rules, changed by IT staff: every field checked, every change audited.

A change to the timing rules (time zone, delays, quiet hours) moves the check-ins already
scheduled, so what the page says will happen is what happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from followup.core.durations import format_duration, parse_duration
from followup.core.phones import to_e164
from followup.eligibility.quiet_hours import QuietHours
from followup.eligibility.sensitive import validate_agency_pattern
from followup.eligibility.timing import send_time
from followup.models import Agency, Call, FollowUp, FollowUpStatus, User
from followup.staff import audit


class RulesRejected(ValueError):
    """Some fields are not usable; ``errors`` maps each field to what is wrong. Nothing changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


TIMING = {"timezone", "send_delay_seconds", "quiet_hours", "call_type_delays"}


def form_values(agency: Agency) -> dict[str, str]:
    """The agency's rules as the form shows them."""
    return {
        "timezone": agency.timezone,
        "send_delay": format_duration(agency.send_delay),
        "call_type_delays": "\n".join(
            f"{rule['pattern']} = {format_duration(timedelta(seconds=rule['delay_seconds']))}"
            for rule in agency.call_type_delays or []
        ),
        "quiet_hours": agency.quiet_hours,
        "reply_window": format_duration(timedelta(hours=agency.reply_window_hours)),
        "frequency_cap_days": str(agency.frequency_cap_days),
        "max_age_days": str(agency.max_age_days),
        "default_language": agency.default_language,
        "languages": ", ".join(agency.languages or []),
        "sensitive_patterns": "\n".join(agency.sensitive_patterns or []),
        "excluded_dispositions": "\n".join(agency.excluded_dispositions or []),
        "sla_urgent": format_duration(timedelta(minutes=agency.sla_urgent_minutes)),
        "sla_high": format_duration(timedelta(minutes=agency.sla_high_minutes)),
        "sla_normal": format_duration(timedelta(minutes=agency.sla_normal_minutes)),
        "advanced_opt_out": "on" if agency.advanced_opt_out else "",
        "alert_url": agency.alert_url or "",
        "phone": agency.phone or "",
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse(form: Mapping[str, str], languages_with_texts: set[str]) -> tuple[dict, dict[str, str]]:
    """Turn the form into column values; return (values, errors)."""
    values: dict = {}
    errors: dict[str, str] = {}

    def duration(
        field: str, *, minimum: timedelta = timedelta(0), maximum: timedelta | None = None
    ):
        try:
            value = parse_duration(form.get(field, ""))
        except ValueError as exc:
            errors[field] = str(exc)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            top = f" and {format_duration(maximum)}" if maximum else ""
            errors[field] = f"must be between {format_duration(minimum)}{top}"
            return None
        return value

    def whole(field: str, low: int, high: int):
        text = (form.get(field) or "").strip()
        if not text.isdigit() or not low <= int(text) <= high:
            errors[field] = f"a whole number from {low} to {high}"
            return None
        return int(text)

    zone = (form.get("timezone") or "").strip()
    try:
        ZoneInfo(zone)
        values["timezone"] = zone
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"{zone!r} is not an IANA time zone (e.g. America/Chicago)"
    if (delay := duration("send_delay", maximum=timedelta(days=3))) is not None:
        values["send_delay_seconds"] = int(delay.total_seconds())
    rules = []
    for number, line in enumerate(_lines(form.get("call_type_delays", "")), 1):
        pattern, _, wait = line.rpartition("=")
        try:
            seconds = int(parse_duration(wait).total_seconds())
            if not pattern.strip() or validate_agency_pattern(pattern):
                raise ValueError("write it as: CALL TYPE WORDS = 4h")
            rules.append({"pattern": pattern.strip(), "delay_seconds": seconds})
        except ValueError as exc:
            errors["call_type_delays"] = f"line {number} ({line!r}): {exc}"
    values["call_type_delays"] = rules
    try:
        quiet = QuietHours.parse(form.get("quiet_hours", ""))
        values["quiet_hours"] = str(quiet) if quiet else "off"
    except ValueError as exc:
        errors["quiet_hours"] = str(exc)
    if (
        window := duration("reply_window", minimum=timedelta(hours=1), maximum=timedelta(days=30))
    ) is not None:
        values["reply_window_hours"] = int(window.total_seconds() // 3600)
    if (cap := whole("frequency_cap_days", 0, 365)) is not None:
        values["frequency_cap_days"] = cap
    if (age := whole("max_age_days", 1, 30)) is not None:
        values["max_age_days"] = age
    languages = [
        code.strip().lower() for code in (form.get("languages") or "").split(",") if code.strip()
    ]
    missing = [code for code in languages if code not in languages_with_texts]
    if not languages:
        errors["languages"] = "list at least one language, e.g. en, es"
    elif missing:
        errors["languages"] = f"no check-in text in {', '.join(missing)} yet: write one first"
    else:
        values["languages"] = languages
    default = (form.get("default_language") or "").strip().lower()
    if default not in languages:
        errors["default_language"] = "must be one of the supported languages"
    else:
        values["default_language"] = default
    patterns = _lines(form.get("sensitive_patterns", ""))
    for pattern in patterns:
        if problem := validate_agency_pattern(pattern):
            errors["sensitive_patterns"] = f"{pattern!r}: {problem}"
    values["sensitive_patterns"] = patterns
    values["excluded_dispositions"] = _lines(form.get("excluded_dispositions", ""))
    for field, column, low in (
        ("sla_urgent", "sla_urgent_minutes", 5),
        ("sla_high", "sla_high_minutes", 15),
        ("sla_normal", "sla_normal_minutes", 60),
    ):
        if (
            sla := duration(field, minimum=timedelta(minutes=low), maximum=timedelta(days=14))
        ) is not None:
            values[column] = int(sla.total_seconds() // 60)
    values["advanced_opt_out"] = bool(form.get("advanced_opt_out"))
    url = (form.get("alert_url") or "").strip()
    if url and not url.startswith("https://"):
        errors["alert_url"] = "must be an https:// URL (alerts carry callback details)"
    values["alert_url"] = url or None
    phone = (form.get("phone") or "").strip()
    if phone and to_e164(phone) is None and not phone.replace("-", "").isdigit():
        errors["phone"] = "not a phone number"
    values["phone"] = phone or None
    return values, errors


def update(
    session: Session,
    agency: Agency,
    form: Mapping[str, str],
    *,
    languages_with_texts: set[str],
    user: User,
    now: datetime,
) -> list[str]:
    """Apply the form to ``agency``; return the names of changed fields. Refuses all or nothing."""
    values, errors = parse(form, languages_with_texts)
    if errors:
        raise RulesRejected(errors)
    changed = [name for name, value in values.items() if getattr(agency, name) != value]
    for name in changed:
        setattr(agency, name, values[name])
    if changed:
        audit.record(
            session,
            "rules_changed",
            now=now,
            user=user,
            object_type="agency",
            object_id=agency.id,
            detail={"fields": ",".join(sorted(changed))},
        )
    if TIMING & set(changed):
        reschedule(session, agency, now=now)
    return changed


def reschedule(session: Session, agency: Agency, *, now: datetime) -> int:
    """Move the agency's scheduled first attempts to what the current rules say; return how many."""
    moved = 0
    for followup in session.scalars(
        select(FollowUp)
        .where(
            FollowUp.agency_id == agency.id,
            FollowUp.status == FollowUpStatus.SCHEDULED,
            FollowUp.attempts == 0,
        )
        .options(joinedload(FollowUp.call))
    ):
        call: Call = followup.call
        send_at = send_time(agency, call.closed_at, now=now, call_type=call.call_type)
        if send_at != followup.send_at:
            followup.send_at, followup.updated_at = send_at, now
            moved += 1
    return moved


def next_scheduled(session: Session, agency: Agency) -> datetime | None:
    from sqlalchemy import func

    return session.scalar(
        select(func.min(FollowUp.send_at)).where(
            FollowUp.agency_id == agency.id, FollowUp.status == FollowUpStatus.SCHEDULED
        )
    )
