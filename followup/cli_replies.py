"""Commands for replies: callbacks, conversations, the on-duty roster, agency reply settings.

Operators use these when the dashboard is not at hand. They print what staff would see on the
dashboard (reply texts included); phone numbers are masked unless asked for.
"""

from __future__ import annotations

import json
from datetime import timedelta

import click
from sqlalchemy import select

from followup import agencies
from followup.cli_context import _Lazy, pass_lazy
from followup.durations import format_duration, parse_duration
from followup.models import (
    Agency,
    Call,
    Callback,
    CallbackStatus,
    Conversation,
    FollowUp,
    Message,
    RosterMember,
)
from followup.phones import mask, to_e164


def _agency(session, lazy: _Lazy, slug: str | None) -> Agency:
    try:
        return agencies.get_agency(session, slug or lazy.ready.settings.agency_slug)
    except agencies.AgencyError as exc:
        raise click.ClickException(str(exc)) from None


agency_option = click.option(
    "--agency", "slug", default=None, help="Agency slug (default: the default agency)."
)


# --- callbacks ---------------------------------------------------------------------------


@click.group()
def callbacks() -> None:
    """Callbacks: replies a watch commander must answer."""


@callbacks.command("list")
@click.option("--status", type=click.Choice([s.value for s in CallbackStatus]), default=None)
@agency_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=50, show_default=True, type=int)
@pass_lazy
def callbacks_list(lazy: _Lazy, status, slug, as_json: bool, limit: int) -> None:
    """List callbacks, urgent first, then by due time."""
    with lazy.ready.db.Session() as session:
        agency = _agency(session, lazy, slug)
        query = select(Callback).where(Callback.agency_id == agency.id)
        if status:
            query = query.where(Callback.status == status)
        rows = session.scalars(
            query.order_by((Callback.priority != "urgent"), Callback.due_by).limit(limit)
        ).all()
        for row in rows:
            followup = row.conversation.followup
            item = {
                "id": row.id,
                "priority": row.priority,
                "category": row.category,
                "status": row.status,
                "due_by": row.due_by.isoformat(),
                "call_id": followup.call.external_id if followup else None,
                "reply": row.message.body,
                "reasons": row.reasons,
            }
            if as_json:
                click.echo(json.dumps(item, ensure_ascii=False))
            else:
                click.echo(
                    f"#{row.id} {row.priority.upper():<7} {row.category:<13} {row.status:<8} "
                    f"due {row.due_by:%Y-%m-%d %H:%M} UTC  "
                    f"call {item['call_id'] or '(unsolicited)'}"
                )
                click.echo(f"    {row.message.body}")
        if not rows and not as_json:
            click.echo("No callbacks.")


# --- conversations -------------------------------------------------------------------------


@click.group()
def conversations() -> None:
    """Conversations: the texts about one check-in."""


@conversations.command("show")
@click.argument("call_id")
@agency_option
@click.option("--show-numbers", is_flag=True, help="Print the full phone number.")
@pass_lazy
def conversations_show(lazy: _Lazy, call_id: str, slug, show_numbers: bool) -> None:
    """Print the conversation about a call: every text both ways, with triage."""
    with lazy.ready.db.Session() as session:
        agency = _agency(session, lazy, slug)
        followup = session.scalar(
            select(FollowUp)
            .join(Call)
            .where(Call.agency_id == agency.id, Call.external_id == call_id)
        )
        if followup is None:
            raise click.ClickException(f"no call {call_id!r} for agency {agency.slug!r}")
        conversation = session.scalar(
            select(Conversation).where(Conversation.followup_id == followup.id)
        )
        number = followup.phone if show_numbers else mask(followup.phone)
        click.echo(
            f"call {call_id}: follow-up {followup.status}"
            f"{' (' + followup.reason + ')' if followup.reason else ''}, to {number}"
        )
        if conversation is not None:
            click.echo(
                f"conversation #{conversation.id}: {conversation.step}, "
                f"rating {conversation.rating or '-'}, language {conversation.language}"
            )
        messages = session.scalars(
            select(Message)
            .where(
                (Message.followup_id == followup.id)
                | (Message.conversation_id == (conversation.id if conversation else -1))
            )
            .order_by(Message.created_at, Message.id)
        ).all()
        for message in messages:
            arrow = "<-" if message.direction == "inbound" else "->"
            label = message.category or message.status
            click.echo(f"  {message.created_at:%Y-%m-%d %H:%M} {arrow} [{label}] {message.body}")
            if message.triage:
                click.echo(f"      reasons: {'; '.join(message.triage.get('reasons', []))}")
            for url in message.media_urls or []:
                click.echo(f"      media (not fetched): {url}")
        if conversation is not None:
            callback = session.scalar(
                select(Callback).where(Callback.conversation_id == conversation.id)
            )
            if callback:
                click.echo(
                    f"callback #{callback.id}: {callback.priority}, {callback.status}, "
                    f"due {callback.due_by:%Y-%m-%d %H:%M} UTC"
                )


# --- the on-duty roster --------------------------------------------------------------------


@click.group()
def roster() -> None:
    """The on-duty commanders who get urgent alerts by text."""


@roster.command("add")
@click.option("--name", required=True)
@click.option("--phone", required=True)
@agency_option
@click.option("--off-duty", is_flag=True, help="Add without putting on duty.")
@pass_lazy
def roster_add(lazy: _Lazy, name: str, phone: str, slug, off_duty: bool) -> None:
    """Add a commander to the roster."""
    services = lazy.ready
    with services.db.begin() as session:
        agency = _agency(session, lazy, slug)
        number = to_e164(phone, agency.default_region)
        if number is None:
            raise click.ClickException(f"{phone!r} is not a number that can receive texts")
        member = RosterMember(
            agency_id=agency.id,
            name=name.strip(),
            phone=number,
            on_duty=not off_duty,
            created_at=services.clock.now(),
        )
        session.add(member)
        session.flush()
        click.echo(
            f"roster member {member.id} ({member.name}) added, "
            f"{'on' if member.on_duty else 'off'} duty"
        )


@roster.command("list")
@agency_option
@pass_lazy
def roster_list(lazy: _Lazy, slug) -> None:
    """List the roster."""
    with lazy.ready.db.Session() as session:
        agency = _agency(session, lazy, slug)
        for member in session.scalars(
            select(RosterMember)
            .where(RosterMember.agency_id == agency.id)
            .order_by(RosterMember.id)
        ):
            state = "on duty" if member.on_duty else "off duty"
            click.echo(f"{member.id}\t{member.name}\t{mask(member.phone)}\t{state}")


@roster.command("duty")
@click.argument("member_id", type=int)
@click.argument("state", type=click.Choice(["on", "off"]))
@pass_lazy
def roster_duty(lazy: _Lazy, member_id: int, state: str) -> None:
    """Put a roster member on or off duty."""
    with lazy.ready.db.begin() as session:
        member = session.get(RosterMember, member_id)
        if member is None:
            raise click.ClickException(f"no roster member {member_id}")
        member.on_duty = state == "on"
        click.echo(f"{member.name} is {state} duty")


@roster.command("remove")
@click.argument("member_id", type=int)
@pass_lazy
def roster_remove(lazy: _Lazy, member_id: int) -> None:
    """Remove a roster member."""
    with lazy.ready.db.begin() as session:
        member = session.get(RosterMember, member_id)
        if member is None:
            raise click.ClickException(f"no roster member {member_id}")
        session.delete(member)
        click.echo(f"roster member {member_id} removed")


# --- agency reply settings ---------------------------------------------------------------


def _minutes(text: str) -> int:
    return int(parse_duration(text).total_seconds() // 60)


@click.command("configure")
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
    lazy: _Lazy,
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
        agency = _agency(session, lazy, slug)
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


def register(main: click.Group, agency_group: click.Group) -> None:
    main.add_command(callbacks)
    main.add_command(conversations)
    main.add_command(roster)
    agency_group.add_command(agency_configure)
