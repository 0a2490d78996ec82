"""The doctor's checks that read the database (schema, sender lag, rosters, texts) and call the
agencies' alert URLs (see ``followup.ops.doctor`` for what a finding is)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from followup.callbacks.alerts import SIGNATURE_HEADER, sign
from followup.core.config import Settings
from followup.core.db import Database
from followup.core.durations import format_duration
from followup.models import Agency, MessageTemplate, Purpose, RosterMember
from followup.ops import health
from followup.ops.doctor import Finding, Level
from followup.texts import editing

UPGRADE = "run `followup db upgrade` (stop the senders first, then start web and senders again)"


def missing_file(settings: Settings) -> Finding | None:
    """A SQLite database file that is not there (asked before opening it, which would create
    it)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return Finding("database", Level.FATAL, f"no database file at {url.database}", UPGRADE)
    return None


def database(settings: Settings, db: Database, *, now: datetime) -> list[Finding]:
    """Check the schema, the sender's lag, and each agency's roster and texts."""
    checks = health.readiness(db, now=now, max_lag=settings.sender_max_lag)
    if not checks["database"]["ok"]:
        return [
            Finding(
                "database",
                Level.FATAL,
                f"the database does not answer ({checks['database']['error']})",
                "check FOLLOWUP_DATABASE_URL (host, port, user, password, database name) and "
                "that the server runs and lets this host in",
            )
        ]
    found = [Finding("database", Level.OK, "the database answers")]
    migrations = checks["migrations"]
    if not migrations["ok"]:
        found.append(
            Finding(
                "migrations",
                Level.FATAL,
                f"migrations are pending: the database is at {migrations['current'] or 'empty'}, "
                f"this release needs {migrations['head']}",
                UPGRADE,
            )
        )
        return found
    found.append(Finding("migrations", Level.OK, f"the schema is current ({migrations['head']})"))
    found.append(_sender(checks["sender"], settings))
    with db.Session() as session:
        for agency in session.scalars(select(Agency).order_by(Agency.id)):
            found.append(_roster(session, agency))
            found += _texts(session, agency)
            if agency.case_page and not settings.public_url:
                found.append(_case_page_without_url(agency))
    return found


def _case_page_without_url(agency: Agency) -> Finding:
    """The case page is on, but no link can be written without the service's public address."""
    return Finding(
        "case_page",
        Level.WARNING,
        f"{agency.slug}: the case page is on but FOLLOWUP_PUBLIC_URL is not set, so case-update "
        "texts go without their link",
        "set FOLLOWUP_PUBLIC_URL to the https address residents reach, or turn the case page off "
        f"(followup agency configure --agency {agency.slug} --no-case-page)",
    )


def _sender(check: dict, settings: Settings) -> Finding:
    seconds = check["lag_seconds"]
    lag = format_duration(timedelta(seconds=round(seconds))) if seconds > 0 else "none due"
    if not check["ok"]:
        return Finding(
            "sender",
            Level.FATAL,
            f"the sender is lagging: a due check-in has waited {lag} "
            f"(FOLLOWUP_SENDER_MAX_LAG is {format_duration(settings.sender_max_lag)})",
            "start `followup sender` (or check why it stopped: its log says), and "
            "check that it reaches Twilio",
        )
    return Finding("sender", Level.OK, f"the sender keeps up (oldest due check-in: {lag})")


def _roster(session: Session, agency: Agency) -> Finding:
    on_duty = session.scalar(
        select(func.count())
        .select_from(RosterMember)
        .where(RosterMember.agency_id == agency.id, RosterMember.on_duty.is_(True))
    )
    if on_duty or agency.alert_url:
        channels = [f"{on_duty} on duty"] if on_duty else []
        channels += ["the alert URL"] if agency.alert_url else []
        return Finding(
            "roster", Level.OK, f"{agency.slug}: urgent alerts reach {', '.join(channels)}"
        )
    return Finding(
        "roster",
        Level.FATAL,
        f"{agency.slug}: nobody is on duty and there is no alert URL, so an urgent reply (a "
        "caller in danger now) would alert nobody",
        f"followup roster add --agency {agency.slug} --name 'Sgt. Lee' --phone ..., or "
        f"followup agency configure --agency {agency.slug} --alert-url https://...",
    )


def _texts(session: Session, agency: Agency) -> list[Finding]:
    """Every active text still renders, and the check-in exists in the default language."""
    fix = "edit it at /admin/templates, or `followup templates export`, fix, `import`"
    found = []
    templates = session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.agency_id == agency.id, MessageTemplate.active.is_(True))
        .order_by(MessageTemplate.purpose, MessageTemplate.language, MessageTemplate.call_type)
    ).all()
    for template in templates:
        preview = editing.preview(agency, template.body, template.language)
        if not preview.ok:
            which = f"{template.purpose} ({template.language}"
            which += f", {template.call_type})" if template.call_type else ")"
            found.append(
                Finding(
                    "texts",
                    Level.FATAL,
                    f"{agency.slug}: the {which} text no longer renders: {preview.error}",
                    fix,
                )
            )
    if not any(
        t.purpose == Purpose.CHECKIN and t.language == agency.default_language and not t.call_type
        for t in templates
    ):
        found.append(
            Finding(
                "texts",
                Level.FATAL,
                f"{agency.slug}: no check-in text in its default language "
                f"({agency.default_language}): no call would get a text",
                fix,
            )
        )
    return found or [Finding("texts", Level.OK, f"{agency.slug}: {len(templates)} texts render")]


def alert_urls(
    db: Database,
    *,
    now: datetime,
    post: Callable[..., requests.Response] | None = None,
    timeout: float = 4.0,
) -> list[Finding]:
    """POST a signed ``ping`` event to each agency's alert URL: it must answer, and 2xx."""
    with db.Session() as session:
        targets = session.execute(
            select(Agency.slug, Agency.alert_url, Agency.alert_secret)
            .where(Agency.alert_url.is_not(None))
            .order_by(Agency.id)
        ).all()
    return [
        _ping(slug, url, secret, now, post or requests.post, timeout)
        for slug, url, secret in targets
    ]


def _ping(slug, url, secret, now, post, timeout) -> Finding:
    body = json.dumps({"event": "ping", "agency": slug, "sent_by": "followup doctor"}).encode()
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "X-Followup-Timestamp": timestamp}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    fix = f"check the address (followup agency configure --agency {slug} --alert-url ...)"
    try:
        answer = post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return Finding(
            "alert_url",
            Level.FATAL,
            f"{slug}: the alert URL does not answer ({type(exc).__name__}): urgent alerts "
            "would not arrive there",
            fix + ", and that this host can reach it",
        )
    if 200 <= answer.status_code < 300:
        return Finding(
            "alert_url", Level.OK, f"{slug}: the alert URL answered {answer.status_code}"
        )
    level = Level.FATAL if answer.status_code >= 500 or answer.status_code == 404 else Level.WARNING
    return Finding(
        "alert_url",
        level,
        f"{slug}: the alert URL answered HTTP {answer.status_code} to a signed ping event",
        fix + "; it should answer 2xx to any event it receives",
    )
