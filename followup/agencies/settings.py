"""An agency's settings: the one place that checks a change, applies it and audits it.

Every way of changing an agency goes through :func:`update`: the rules page (the whole form),
``followup agency configure`` (a few fields) and agency creation (its first values). A change is
a mapping of field names to text as a person typed it; every field is checked, and either all
of them are applied or none is. A change to the timing rules (time zone, delays, quiet hours)
moves the check-ins already scheduled, so what the page says will happen is what happens.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from followup.agencies import purposes
from followup.core.durations import format_duration, parse_duration
from followup.core.phones import to_e164
from followup.core.quiet_hours import QuietHours
from followup.core.urls import url_problem
from followup.eligibility import call_type_register
from followup.eligibility.sensitive import validate_agency_pattern
from followup.eligibility.timing import send_time
from followup.models import Agency, Call, FollowUp, FollowUpStatus, User
from followup.models.calls import CHECKIN
from followup.staff import audit
from followup.texts import message_templates


class RulesRejected(ValueError):
    """Some fields are not usable; ``errors`` maps each field to what is wrong. Nothing changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# Columns whose change moves the check-ins already scheduled.
TIMING = {"timezone", "send_delay_seconds", "quiet_hours", "call_type_delays"}


def form_values(agency: Agency) -> dict[str, str]:
    """The agency's settings as the form shows them (and as ``update`` reads them back)."""
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
        "public_board": "on" if agency.public_board else "",
        "peer_benchmark": "on" if agency.peer_benchmark else "",
        "board_embed_origins": "\n".join(agency.board_embed_origins or []),
        "hold_unreviewed_call_types": "on" if agency.hold_unreviewed_call_types else "",
    } | purposes.form_values(agency)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class _Checker:
    """Check the fields of one change, collecting column values and errors by field."""

    def __init__(self, changes: Mapping[str, str]):
        self.changes = changes
        self.values: dict = {}
        self.errors: dict[str, str] = {}

    def given(self, field: str) -> bool:
        return field in self.changes

    def text(self, field: str) -> str:
        return (self.changes.get(field) or "").strip()

    def duration(
        self, field: str, column: str, unit: timedelta, *, low: timedelta, high: timedelta
    ) -> None:
        try:
            value = parse_duration(self.text(field))
        except ValueError as exc:
            self.errors[field] = str(exc)
            return
        if not low <= value <= high:
            self.errors[field] = (
                f"must be between {format_duration(low)} and {format_duration(high)}"
            )
            return
        self.values[column] = int(value / unit)

    def whole(self, field: str, low: int, high: int) -> None:
        text = self.text(field)
        if not text.isdigit() or not low <= int(text) <= high:
            self.errors[field] = f"a whole number from {low} to {high}"
            return
        self.values[field] = int(text)


def _timing(check: _Checker) -> None:
    if check.given("timezone"):
        zone = check.text("timezone")
        try:
            ZoneInfo(zone)
            check.values["timezone"] = zone
        except (ZoneInfoNotFoundError, ValueError):
            check.errors["timezone"] = f"{zone!r} is not an IANA time zone (e.g. America/Chicago)"
    if check.given("send_delay"):
        check.duration("send_delay", "send_delay_seconds", timedelta(seconds=1),
                       low=timedelta(0), high=timedelta(days=3))
    if check.given("call_type_delays"):
        rules = []
        for number, line in enumerate(_lines(check.changes["call_type_delays"]), 1):
            pattern, _, wait = line.rpartition("=")
            try:
                seconds = int(parse_duration(wait).total_seconds())
                if not pattern.strip() or validate_agency_pattern(pattern):
                    raise ValueError("write it as: CALL TYPE WORDS = 4h")
                rules.append({"pattern": pattern.strip(), "delay_seconds": seconds})
            except ValueError as exc:
                check.errors["call_type_delays"] = f"line {number} ({line!r}): {exc}"
        check.values["call_type_delays"] = rules
    if check.given("quiet_hours"):
        try:
            quiet = QuietHours.parse(check.text("quiet_hours"))
            check.values["quiet_hours"] = str(quiet) if quiet else "off"
        except ValueError as exc:
            check.errors["quiet_hours"] = str(exc)
    if check.given("frequency_cap_days"):
        check.whole("frequency_cap_days", 0, 365)
    if check.given("max_age_days"):
        check.whole("max_age_days", 1, 30)


def _languages(check: _Checker, agency: Agency, with_texts: Callable[[], set[str]]) -> None:
    if check.given("languages"):
        languages = [
            code.strip().lower() for code in check.text("languages").split(",") if code.strip()
        ]
        missing = [code for code in languages if code not in with_texts()]
        if not languages:
            check.errors["languages"] = "list at least one language, e.g. en, es"
        elif missing:
            check.errors["languages"] = (
                f"no check-in text in {', '.join(missing)} yet: write one first"
            )
        else:
            check.values["languages"] = languages
    if check.given("default_language") or "languages" in check.values:
        default = (
            check.text("default_language") if check.given("default_language")
            else agency.default_language
        ).lower()
        supported = check.values.get("languages", agency.languages or [])
        if default not in with_texts():
            check.errors["default_language"] = f"{default!r} has no check-in text yet"
        elif default not in supported:
            check.errors["default_language"] = "must be one of the supported languages"
        else:
            check.values["default_language"] = default


def _lists(check: _Checker) -> None:
    if check.given("sensitive_patterns"):
        patterns = _lines(check.changes["sensitive_patterns"])
        for pattern in patterns:
            if problem := validate_agency_pattern(pattern):
                check.errors["sensitive_patterns"] = f"{pattern!r}: {problem}"
        check.values["sensitive_patterns"] = patterns
    if check.given("excluded_dispositions"):
        check.values["excluded_dispositions"] = _lines(check.changes["excluded_dispositions"])


def _replies(check: _Checker) -> None:
    if check.given("reply_window"):
        check.duration("reply_window", "reply_window_hours", timedelta(hours=1),
                       low=timedelta(hours=1), high=timedelta(days=30))
    for field, column, low in (
        ("sla_urgent", "sla_urgent_minutes", 5),
        ("sla_high", "sla_high_minutes", 15),
        ("sla_normal", "sla_normal_minutes", 60),
    ):
        if check.given(field):
            check.duration(field, column, timedelta(minutes=1),
                           low=timedelta(minutes=low), high=timedelta(days=14))
    if check.given("advanced_opt_out"):
        check.values["advanced_opt_out"] = check.text("advanced_opt_out").lower() in (
            "on", "1", "true", "yes",
        )
    if check.given("alert_url"):
        url = check.text("alert_url")
        if url and (problem := url_problem(url)):
            check.errors["alert_url"] = problem
        check.values["alert_url"] = url or None
    if check.given("alert_secret"):
        secret = check.text("alert_secret")
        if len(secret) > 200:
            check.errors["alert_secret"] = "at most 200 characters"
        check.values["alert_secret"] = secret or None


def _contact_details(check: _Checker) -> None:
    if check.given("phone"):
        phone = check.text("phone")
        if phone and to_e164(phone) is None and not phone.replace("-", "").isdigit():
            check.errors["phone"] = "not a phone number"
        check.values["phone"] = phone or None
    if check.given("sms_number"):
        raw = check.text("sms_number")
        number = to_e164(raw) if raw else None
        if raw and number is None:
            check.errors["sms_number"] = f"{raw!r} is not a phone number that can send texts"
        check.values["sms_number"] = number


# An https origin; plain http only for this machine (trying the embed out locally).
_ORIGIN = re.compile(
    r"https://[a-z0-9.-]+(?::\d{1,5})?|http://(?:localhost|127\.0\.0\.1)(?::\d{1,5})?"
)
_ON = ("on", "1", "true", "yes")


def _publishing(check: _Checker) -> None:
    """The public board and peer benchmarking (both opt-in), and who may frame the board."""
    for field in ("public_board", "peer_benchmark"):
        if check.given(field):
            check.values[field] = check.text(field).lower() in _ON
    if check.given("board_embed_origins"):
        origins = []
        for line in _lines(check.changes["board_embed_origins"]):
            origin = line.lower().rstrip("/")
            if not _ORIGIN.fullmatch(origin):
                check.errors["board_embed_origins"] = (
                    f"{line!r}: write a site's https origin, e.g. https://www.westlake.gov"
                )
            origins.append(origin)
        if len(origins) > 10:
            check.errors["board_embed_origins"] = "at most 10 sites"
        check.values["board_embed_origins"] = origins


_OFF = ("off", "0", "false", "no", "")


def _holds(check: _Checker) -> None:
    """Whether check-ins wait for IT to review their call type (off by default)."""
    field = "hold_unreviewed_call_types"
    if check.given(field):
        value = check.text(field).lower()
        if value not in _ON + _OFF:
            check.errors[field] = "on or off"
        check.values[field] = value in _ON


def parse(
    changes: Mapping[str, str],
    *,
    agency: Agency | None = None,
    languages_with_texts: set[str] | Callable[[], set[str]] = frozenset(),
) -> tuple[dict, dict[str, str]]:
    """Check the fields ``changes`` names; return (column values, errors by field).

    Fields not named are left alone; ``agency`` supplies what a field is checked against
    (its languages, for a new default language).
    """
    with_texts = (
        languages_with_texts if callable(languages_with_texts) else lambda: languages_with_texts
    )
    check = _Checker(changes)
    _timing(check)
    _languages(check, agency or Agency(languages=[], default_language="en"), with_texts)
    _lists(check)
    _replies(check)
    _contact_details(check)
    _publishing(check)
    _holds(check)
    purposes.check(check)
    return check.values, check.errors


def update(
    session: Session,
    agency: Agency,
    changes: Mapping[str, str],
    *,
    actor: User | str,
    now: datetime,
    action: str = "rules_changed",
    released: Counter[str] | None = None,
) -> list[str]:
    """Check ``changes`` and apply them to ``agency``, all or nothing; return the changed
    columns. Audited as ``action`` by ``actor`` (a signed-in user, or "cli" for the command
    line); moves scheduled check-ins when the timing rules changed; releases the held ones when
    the agency stops holding unreviewed call types (adding what became of them to
    ``released``, when given)."""
    cached: set[str] | None = None

    def with_texts() -> set[str]:
        nonlocal cached
        if cached is None:
            cached = message_templates.languages_for(session, agency)
        return cached

    values, errors = parse(changes, agency=agency, languages_with_texts=with_texts)
    if errors:
        raise RulesRejected(errors)
    changed = [name for name, value in values.items() if getattr(agency, name) != value]
    for name in changed:
        setattr(agency, name, values[name])
    if changed:
        user = actor if isinstance(actor, User) else None
        audit.record(
            session,
            action,
            now=now,
            user=user,
            username=None if user else str(actor),
            agency_id=agency.id,
            object_type="agency",
            object_id=agency.id,
            detail={"fields": ",".join(sorted(changed))},
        )
    if TIMING & set(changed):
        reschedule(session, agency, now=now)
    if "hold_unreviewed_call_types" in changed and not agency.hold_unreviewed_call_types:
        outcomes = call_type_register.release_held(session, agency, now=now)
        if released is not None:
            released.update(outcomes)
    return changed


def reschedule(session: Session, agency: Agency, *, now: datetime) -> int:
    """Move the agency's scheduled first attempts to what the current rules say; return how many."""
    moved = 0
    for followup in session.scalars(
        select(FollowUp)
        .where(
            FollowUp.agency_id == agency.id,
            FollowUp.purpose == CHECKIN,  # the other texts do not follow the check-in's timing
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
    return session.scalar(
        select(func.min(FollowUp.send_at)).where(
            FollowUp.agency_id == agency.id, FollowUp.status == FollowUpStatus.SCHEDULED
        )
    )
