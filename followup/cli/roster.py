"""`followup roster`: the on-duty commanders who get urgent alerts by text."""

from __future__ import annotations

import click
from sqlalchemy import select

from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.core.phones import mask, to_e164
from followup.models import RosterMember

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
def roster_add(lazy: Lazy, name: str, phone: str, slug, off_duty: bool) -> None:
    """Add a commander to the roster."""
    services = lazy.ready
    with services.db.begin() as session:
        agency = lazy.agency(session, slug)
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
def roster_list(lazy: Lazy, slug) -> None:
    """List the roster."""
    with lazy.ready.db.Session() as session:
        agency = lazy.agency(session, slug)
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
def roster_duty(lazy: Lazy, member_id: int, state: str) -> None:
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
def roster_remove(lazy: Lazy, member_id: int) -> None:
    """Remove a roster member."""
    with lazy.ready.db.begin() as session:
        member = session.get(RosterMember, member_id)
        if member is None:
            raise click.ClickException(f"no roster member {member_id}")
        session.delete(member)
        click.echo(f"roster member {member_id} removed")
