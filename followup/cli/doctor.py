"""`followup doctor`: check a configuration before it goes live."""

from __future__ import annotations

import json
import os

import click

from followup.core.config import ConfigError, Settings
from followup.ops.doctor import Finding, Level, configuration

LABELS = {Level.OK: "ok", Level.WARNING: "WARN", Level.FATAL: "FATAL"}


@click.command()
@click.option("--offline", is_flag=True, help="Do not call the agencies' alert URLs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding.")
@click.option("--quiet", "-q", is_flag=True, help="Show warnings and fatal findings only.")
def doctor(offline: bool, as_json: bool, quiet: bool) -> None:
    """Check this configuration before it goes live: what is wrong, and how to fix it.

    Reads the same FOLLOWUP_* and TWILIO_* variables every command reads; exits 1 on anything
    that must not go live."""
    findings = _findings(offline)
    shown = [f for f in findings if not (quiet and f.level == Level.OK)]
    for finding in shown:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "check": finding.check,
                        "level": finding.level,
                        "message": finding.message,
                        "fix": finding.fix,
                    }
                )
            )
            continue
        click.echo(f"{LABELS[finding.level]:<5}  {finding.check:<11}  {finding.message}")
        if finding.fix and finding.level != Level.OK:
            click.echo(f"{'':<5}  {'':<11}  fix: {finding.fix}")
    fatal = sum(f.fatal for f in findings)
    warnings = sum(f.level == Level.WARNING for f in findings)
    if not as_json:
        verdict = (
            f"{fatal} must be fixed before going live" if fatal else "nothing stops going live"
        )
        click.echo(f"\nfollowup doctor: {verdict}; {warnings} warning{'s' * (warnings != 1)}.")
    if fatal:
        raise SystemExit(1)


def _findings(offline: bool) -> list[Finding]:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return [Finding("settings", Level.FATAL, str(exc), "see README, Configuration")]
    # Imported here: the database checks bring SQLAlchemy's ORM and the models.
    from followup.core.clock import SystemClock
    from followup.core.db import Database
    from followup.ops import doctor_data

    findings = configuration(settings, os.environ)
    now = SystemClock().now()
    missing = doctor_data.missing_file(settings)
    if missing:
        return [*findings, missing]
    db = Database(settings.database_url)
    try:
        findings += doctor_data.database(settings, db, now=now)
        migrated = not any(f.check in ("database", "migrations") and f.fatal for f in findings)
        if migrated and not offline:
            findings += doctor_data.alert_urls(db, now=now)
    finally:
        db.dispose()
    return findings
