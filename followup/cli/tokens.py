"""`followup token`: intake API tokens and signing keys."""

from __future__ import annotations

import click
from sqlalchemy import select

from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.intake import tokens
from followup.models import ApiToken


@click.group()
def token() -> None:
    """Intake API tokens."""


@token.command("create")
@agency_option
@click.option("--name", default="cad", show_default=True, help="What uses it, e.g. 'cad'.")
@pass_lazy
def token_create(lazy: Lazy, slug: str | None, name: str) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    services = lazy.ready
    with services.db.begin() as session:
        owner = lazy.agency(session, slug)
        row, plain = tokens.create_token(session, owner, name, now=services.clock.now())
        click.echo(plain)
        click.echo(
            f"token {row.id} for {owner.slug!r}: store it now, it cannot be shown again", err=True
        )


@token.command("create-signing")
@agency_option
@click.option("--name", default="cad", show_default=True, help="What uses it, e.g. 'cad'.")
@pass_lazy
def token_create_signing(lazy: Lazy, slug: str | None, name: str) -> None:
    """Create a signing key for a CAD that signs requests (X-Followup-Signature) instead of
    sending a bearer token; its key id and secret are printed once."""
    services = lazy.ready
    with services.db.begin() as session:
        owner = lazy.agency(session, slug)
        row, key_id, secret = tokens.create_signing_key(
            session, owner, name, now=services.clock.now(),
            server_secret=services.settings.secret_key,
        )
        click.echo(f"key id:  {key_id}")
        click.echo(f"secret:  {secret}")
        click.echo(
            f"signing key {row.id} for {owner.slug!r}: store both now, they cannot be shown "
            "again; the secret changes if FOLLOWUP_SECRET_KEY changes",
            err=True,
        )


@token.command("list")
@pass_lazy
def token_list(lazy: Lazy) -> None:
    """List tokens (prefix, agency, state)."""
    with lazy.ready.db.Session() as session:
        for row in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            used = (
                f"last used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
            )
            click.echo(f"{row.id}\t{row.prefix}…\t{row.agency.slug}\t{row.name}\t{state}\t{used}")


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_lazy
def token_revoke(lazy: Lazy, token_id: int) -> None:
    """Revoke a token at once."""
    services = lazy.ready
    with services.db.begin() as session:
        row = tokens.revoke_token(session, token_id, now=services.clock.now())
        if row is None:
            raise click.ClickException(f"no token {token_id}")
        click.echo(f"token {token_id} revoked")
