"""`followup purge`: remove callers' numbers, names and words past retention."""

from __future__ import annotations

import click

from followup.cli.context import Lazy, pass_lazy

# --- retention -----------------------------------------------------------------------------


@click.command()
@click.option("--agency", "slug", default=None, help="One agency's slug (default: every agency).")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
@pass_lazy
def purge(lazy: Lazy, slug: str | None, dry_run: bool) -> None:
    """Remove callers' numbers, names and words older than each agency's retention period.

    The rows stay (counts, ratings and categories are unchanged) and so does the opt-out list.
    The sender runs this once a day by itself; each purge is audited.
    """
    from followup.retention import PurgeError
    from followup.retention import purge as run_purge

    services = lazy.ready
    try:
        reports = run_purge(services.db, services.clock, agency_slug=slug, dry_run=dry_run,
                            actor="cli")
    except PurgeError as exc:
        raise click.ClickException(str(exc)) from None
    for report in reports:
        click.echo(str(report))
    if dry_run:
        click.echo("dry run: nothing was changed", err=True)


