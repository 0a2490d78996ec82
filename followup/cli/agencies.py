"""`followup agency`: create, list and configure agencies."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select

from followup.agencies import registry
from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.core.durations import format_duration, parse_duration
from followup.core.phones import to_e164
from followup.eligibility.quiet_hours import QuietHours
from followup.models import Agency


@click.group()
def agency() -> None:
    """Agencies."""


@agency.command("create")
@click.option("--slug", required=True, help="Short id, e.g. westlake-pd.")
@click.option("--name", required=True, help="As callers know it, e.g. 'Westlake Police'.")
@click.option("--timezone", default="America/New_York", show_default=True)
@click.option("--send-delay", default="2h", show_default=True)
@click.option("--quiet-hours", default="21:00-09:00", show_default=True)
@click.option("--language", default="en", show_default=True, help="Default language.")
@click.option("--phone", default=None, help="Non-emergency number callers may use.")
@pass_lazy
def agency_create(lazy: Lazy, slug, name, timezone, send_delay, quiet_hours, language, phone):
    """Create an agency with the default texts."""
    services = lazy.ready
    try:
        options = registry.AgencySettings(
            name=name,
            timezone=timezone,
            send_delay=parse_duration(send_delay),
            quiet_hours=QuietHours.parse(quiet_hours),
            default_language=language,
            phone=phone,
        )
        with services.db.begin() as session:
            created = registry.create_agency(session, slug, options, now=services.clock.now())
            click.echo(f"created agency {created.slug!r} ({created.name})")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@agency.command("list")
@pass_lazy
def agency_list(lazy: Lazy) -> None:
    """List registry."""
    with lazy.ready.db.Session() as session:
        for row in session.scalars(select(Agency).order_by(Agency.slug)):
            click.echo(f"{row.slug}\t{row.name}\t{row.timezone}\tquiet {row.quiet_hours}")


def _minutes(text: str) -> int:
    return int(parse_duration(text).total_seconds() // 60)


@agency.command("configure")
@agency_option
@click.option(
    "--sms-number", help="The agency's texting number (E.164); replies to it are this agency's."
)
@click.option("--phone", help="Non-emergency number shown in the help text.")
@click.option("--reply-window", help="How long after a check-in a reply belongs to it, e.g. 7d.")
@click.option("--sla-urgent", help="Callback due time for danger, e.g. 15m.")
@click.option("--sla-high", help="Callback due time for misconduct allegations, e.g. 4h.")
@click.option("--sla-normal", help="Callback due time for everything else, e.g. 24h.")
@click.option(
    "--alert-url", help="HTTPS URL that receives urgent alerts as signed JSON ('' to clear)."
)
@click.option("--alert-secret", help="HMAC key for the alert URL's X-Followup-Signature.")
@click.option(
    "--advanced-opt-out/--no-advanced-opt-out",
    default=None,
    help="Twilio's Advanced Opt-Out answers STOP/START/HELP itself.",
)
@pass_lazy
def agency_configure(
    lazy: Lazy,
    slug,
    sms_number,
    phone,
    reply_window,
    sla_urgent,
    sla_high,
    sla_normal,
    alert_url,
    alert_secret,
    advanced_opt_out,
) -> None:
    """Change an agency's reply settings; show them when given no option."""
    with lazy.ready.db.begin() as session:
        agency = lazy.agency(session, slug)
        try:
            if sms_number is not None:
                agency.sms_number = to_e164(sms_number) if sms_number else None
                if sms_number and agency.sms_number is None:
                    raise ValueError(f"--sms-number {sms_number!r} is not a phone number")
            if phone is not None:
                agency.phone = phone or None
            if reply_window:
                agency.reply_window_hours = int(
                    parse_duration(reply_window).total_seconds() // 3600
                )
            for value, attribute in (
                (sla_urgent, "sla_urgent_minutes"),
                (sla_high, "sla_high_minutes"),
                (sla_normal, "sla_normal_minutes"),
            ):
                if value:
                    setattr(agency, attribute, _minutes(value))
            if alert_url is not None:
                if alert_url and not alert_url.startswith(("https://", "http://")):
                    raise ValueError("--alert-url must be an http(s) URL")
                agency.alert_url = alert_url or None
            if alert_secret is not None:
                agency.alert_secret = alert_secret or None
            if advanced_opt_out is not None:
                agency.advanced_opt_out = advanced_opt_out
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        window = format_duration(timedelta(hours=agency.reply_window_hours))
        click.echo(
            f"{agency.slug}: texting number {agency.sms_number or '(any)'}, reply window {window}, "
            f"SLAs urgent {agency.sla_urgent_minutes}m / high {agency.sla_high_minutes}m / "
            f"normal {agency.sla_normal_minutes}m, alert URL {agency.alert_url or '(none)'}"
            f"{' (signed)' if agency.alert_secret else ''}, advanced opt-out "
            f"{'on' if agency.advanced_opt_out else 'off'}"
        )
