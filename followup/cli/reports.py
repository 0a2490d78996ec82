"""Commands for the report facts: count what changed now, or recount an agency's history.

The sender's scheduler keeps the facts current every minute and a report page counts what is
left before it reads; these are for operators (after an upgrade, a restore, or a suspicion).
"""

from __future__ import annotations

import click

from followup.cli.context import Lazy, pass_lazy
from followup.reports import facts


@click.group("reports")
def reports_group() -> None:
    """Report facts: what the report pages count."""


@reports_group.command("refresh")
@pass_lazy
def reports_refresh(lazy: Lazy) -> None:
    """Count every change logged since the last refresh."""
    services = lazy.ready
    taken = facts.refresh_all(services.db)
    with services.db.begin() as session:
        waiting = facts.pending(session)
    click.echo(f"counted {taken} logged change(s); {waiting} waiting")


@reports_group.command("rebuild")
@click.option("--agency", "slug", default=None, help="One agency's slug (default: every agency).")
@pass_lazy
def reports_rebuild(lazy: Lazy, slug: str | None) -> None:
    """Recount every call (of one agency) from the tables: after a restore, or to check."""
    services = lazy.ready
    with services.db.begin() as session:
        agency_id = None
        if slug is not None:
            agency_id = lazy.agency(session, slug).id
        logged = facts.log_all(session, agency_id)
    facts.refresh_all(services.db)
    click.echo(f"recounted {logged} call(s)")
