"""`followup agency`: create, list and configure agencies."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select

from followup.agencies import registry
from followup.agencies import settings as agency_settings
from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.core.durations import format_duration, parse_duration
from followup.core.quiet_hours import QuietHours
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


# Long because each setting is one parameter and one line of the change it makes.
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
@click.option("--confirmation-texts/--no-confirmation-texts", default=None,
              help="Confirm each call when it is received, with its case number.")
@click.option("--delay-texts/--no-delay-texts", default=None,
              help="Text the caller when no unit is dispatched within the threshold.")
@click.option("--delay-threshold", help="How long a received call waits before the delay text.")
@click.option(
    "--delay-rules", help="Other thresholds, ';'-separated: 'priority 1 = 10m; BURGLARY = 45m'."
)
@click.option("--case-update-texts/--no-case-update-texts", default=None,
              help="Send case updates to victims who asked for them.")
@click.option("--case-update-offers/--no-case-update-offers", default=None,
              help="Offer case updates (reply YES) when an update comes without consent.")
@click.option("--case-page/--no-case-page", default=None,
              help="Case update texts carry a private link to the victim's case page.")
@click.option("--resources-url", help="The victim-services page texts may link ('' to clear).")
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
    confirmation_texts,
    delay_texts,
    delay_threshold,
    delay_rules,
    case_update_texts,
    case_update_offers,
    case_page,
    resources_url,
) -> None:
    """Change an agency's reply settings; show them when given no option.

    Checked, applied and audited like a change on the rules page (``agencies.settings``)."""
    given = {
        "sms_number": sms_number,
        "phone": phone,
        "reply_window": reply_window,
        "sla_urgent": sla_urgent,
        "sla_high": sla_high,
        "sla_normal": sla_normal,
        "alert_url": alert_url,
        "alert_secret": alert_secret,
        "advanced_opt_out": None if advanced_opt_out is None else "on" * advanced_opt_out,
        "confirmation_texts": None if confirmation_texts is None else "on" * confirmation_texts,
        "delay_texts": None if delay_texts is None else "on" * delay_texts,
        "delay_threshold": delay_threshold,
        "delay_rules": None if delay_rules is None else delay_rules.replace(";", "\n"),
        "case_update_texts": None if case_update_texts is None else "on" * case_update_texts,
        "case_update_offers": None if case_update_offers is None else "on" * case_update_offers,
        "case_page": None if case_page is None else "on" * case_page,
        "resources_url": resources_url,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    services = lazy.ready
    with services.db.begin() as session:
        agency = lazy.agency(session, slug)
        try:
            agency_settings.update(
                session, agency, changes, actor="cli", now=services.clock.now()
            )
        except agency_settings.RulesRejected as exc:
            raise click.ClickException(
                "; ".join(f"--{field.replace('_', '-')}: {problem}"
                          for field, problem in exc.errors.items())
            ) from None
        window = format_duration(timedelta(hours=agency.reply_window_hours))
        click.echo(
            f"{agency.slug}: texting number {agency.sms_number or '(any)'}, reply window {window}, "
            f"SLAs urgent {agency.sla_urgent_minutes}m / high {agency.sla_high_minutes}m / "
            f"normal {agency.sla_normal_minutes}m, alert URL {agency.alert_url or '(none)'}"
            f"{' (signed)' if agency.alert_secret else ''}, advanced opt-out "
            f"{'on' if agency.advanced_opt_out else 'off'}"
        )
        click.echo(
            f"texts: confirmation {'on' if agency.confirmation_texts else 'off'}, delay "
            f"{'on' if agency.delay_texts else 'off'} after {agency.delay_minutes}m"
            f" ({len(agency.delay_rules or [])} other thresholds), case updates "
            f"{'on' if agency.case_update_texts else 'off'}, offers of updates "
            f"{'on' if agency.case_update_offers else 'off'}, case page "
            f"{'on' if agency.case_page else 'off'}"
        )
