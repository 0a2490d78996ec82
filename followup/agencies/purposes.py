"""An agency's settings for the texts across the whole call: which purposes it sends
(confirmation, delay, case updates), when a call has waited too long for a unit, the victim
services page, the offer of case updates (reply YES) and the private case page. Read and checked
here for ``agencies.settings``."""

from __future__ import annotations

import re
from datetime import timedelta

from followup.core.durations import format_duration, parse_duration
from followup.core.urls import url_problem
from followup.eligibility.sensitive import validate_agency_pattern
from followup.models import Agency

_ON = ("on", "1", "true", "yes")
SWITCHES = (
    "confirmation_texts", "delay_texts", "case_update_texts", "case_update_offers", "case_page",
)
_PRIORITY = re.compile(r"^priority\s+(\S{1,16})$", re.IGNORECASE)


def form_values(agency: Agency) -> dict[str, str]:
    values = {name: "on" if getattr(agency, name) else "" for name in SWITCHES}
    values["delay_threshold"] = format_duration(timedelta(minutes=agency.delay_minutes or 30))
    values["delay_rules"] = "\n".join(
        (f"priority {rule['priority']}" if "priority" in rule else rule["pattern"])
        + f" = {format_duration(timedelta(minutes=rule['minutes']))}"
        for rule in agency.delay_rules or []
    )
    values["resources_url"] = agency.resources_url or ""
    return values


def check(check) -> None:
    """Check the purpose fields of a change (an ``agencies.settings._Checker``)."""
    for name in SWITCHES:
        if check.given(name):
            check.values[name] = check.text(name).lower() in _ON
    if check.given("delay_threshold"):
        check.duration("delay_threshold", "delay_minutes", timedelta(minutes=1),
                       low=timedelta(minutes=5), high=timedelta(hours=12))
    if check.given("delay_rules"):
        rules = []
        lines = [line.strip() for line in check.changes["delay_rules"].splitlines()]
        for number, line in enumerate((line for line in lines if line), 1):
            key, _, wait = line.rpartition("=")
            key = key.strip()
            try:
                minutes = int(parse_duration(wait).total_seconds() // 60)
                if not 5 <= minutes <= 720:
                    raise ValueError("must be between 5m and 12h")
                if priority := _PRIORITY.match(key):
                    rules.append({"priority": priority.group(1), "minutes": minutes})
                elif key and not validate_agency_pattern(key):
                    rules.append({"pattern": key, "minutes": minutes})
                else:
                    raise ValueError("write it as: priority 1 = 15m, or CALL TYPE WORDS = 45m")
            except ValueError as exc:
                check.errors["delay_rules"] = f"line {number} ({line!r}): {exc}"
        check.values["delay_rules"] = rules
    if check.given("resources_url"):
        url = check.text("resources_url")
        if url and (problem := url_problem(url)):
            check.errors["resources_url"] = problem
        check.values["resources_url"] = url or None
