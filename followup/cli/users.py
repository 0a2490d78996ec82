"""`followup user ...`: staff accounts from the command line (admins also use the web)."""

from __future__ import annotations

import secrets
import sys

import click
from sqlalchemy import select

from followup.agencies import registry
from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.models import Agency, Role, User
from followup.staff import audit, users


@click.group("user")
def user() -> None:
    """Staff accounts: commanders, admins, viewers."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", "display_name", default=None, help="As colleagues know them.")
@agency_option
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_lazy
def user_create(lazy: Lazy, username, role, display_name, slug, password_stdin) -> None:
    """Create an account; asks for the password unless --password-stdin."""
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else click.prompt("Password (12+ characters)", hide_input=True, confirmation_prompt=True)
    )
    services = lazy.ready
    with services.db.begin() as session:
        try:
            agency = lazy.agency(session, slug)
            created = users.create_user(
                session,
                agency,
                username,
                role,
                password,
                now=services.clock.now(),
                display_name=display_name,
            )
        except (registry.AgencyError, users.UserError) as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(
            session,
            "user_created",
            now=services.clock.now(),
            username="cli",
            agency_id=agency.id,
            object_type="user",
            object_id=created.id,
            detail={"username": created.username, "role": created.role},
        )
        click.echo(f"created {created.role} {created.username!r} for {agency.slug!r}")


@user.command("list")
@pass_lazy
def user_list(lazy: Lazy) -> None:
    """List accounts."""
    with lazy.ready.db.Session() as session:
        for row in session.scalars(select(User).order_by(User.username)):
            state = "active" if row.active else "disabled"
            factor = "2fa" if row.totp_secret else "-"
            click.echo(f"{row.username}\t{row.role}\t{row.agency.slug}\t{state}\t{factor}")


def _audited(session, services, action: str, row: User) -> None:
    """Record an account change made from the command line."""
    audit.record(
        session,
        action,
        now=services.clock.now(),
        username="cli",
        agency_id=row.agency_id,
        object_type="user",
        object_id=row.id,
    )


def _user(session, username: str) -> User:
    row = session.scalar(select(User).where(User.username == username.strip().lower()))
    if row is None:
        raise click.ClickException(f"no user {username!r}")
    return row


@user.command("disable")
@click.argument("username")
@pass_lazy
def user_disable(lazy: Lazy, username: str) -> None:
    """Disable an account at once (it can no longer sign in)."""
    services = lazy.ready
    with services.db.begin() as session:
        row = _user(session, username)
        row.active = False
        users.end_sessions(row)  # its open sessions end now, and stay ended if re-enabled
        _audited(session, services, "user_disable", row)
        click.echo(f"{row.username} disabled")


@user.command("reset-password")
@click.argument("username")
@pass_lazy
def user_reset_password(lazy: Lazy, username: str) -> None:
    """Set a new random password and print it once."""
    services = lazy.ready
    password = secrets.token_urlsafe(12)
    with services.db.begin() as session:
        row = _user(session, username)
        users.set_password(session, row, password)
        _audited(session, services, "user_reset_password", row)
    click.echo(password)


@user.command("totp")
@click.argument("username")
@click.option("--off", is_flag=True, help="Remove the second factor.")
@pass_lazy
def user_totp(lazy: Lazy, username: str, off: bool) -> None:
    """Give an account a new authenticator secret (prints the otpauth:// link), or remove it."""
    services = lazy.ready
    with services.db.begin() as session:
        row = _user(session, username)
        if off:
            row.totp_secret = None
            uri = None
        else:
            uri = users.enable_totp(row, issuer=session.get(Agency, row.agency_id).name)
        _audited(session, services, "user_totp_off" if off else "user_totp", row)
    click.echo(uri or f"second factor removed for {username}")
