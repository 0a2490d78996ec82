"""`followup db`: the database schema."""

from __future__ import annotations

import click

from followup.cli.context import Lazy, pass_lazy
from followup.core import migrate
from followup.setup import prepare_database


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_lazy
def db_upgrade(lazy: Lazy) -> None:
    """Apply migrations and create the default agency if it does not exist."""
    services = lazy.services
    before = migrate.current_revision(services.db.engine)
    agency = prepare_database(services)
    after = migrate.current_revision(services.db.engine)
    change = f"migrated {before or 'empty'} -> {after}" if before != after else "up to date"
    click.echo(f"database {change}; default agency {agency.slug!r} ({agency.name})")


@db.command("revision")
@click.option("-m", "--message", required=True)
@pass_lazy
def db_revision(lazy: Lazy, message: str) -> None:
    """Write a new migration comparing the models with the database (for developers)."""
    migrate.revision(lazy.services.settings.database_url, message)
