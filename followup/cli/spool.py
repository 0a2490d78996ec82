"""`followup spool`: Twilio webhooks kept on disk while the database was down."""

from __future__ import annotations

import click

from followup.cli.context import Lazy, pass_lazy


@click.group()
def spool() -> None:
    """Twilio webhooks kept on disk while the database was down."""


@spool.command("replay")
@pass_lazy
def spool_replay(lazy: Lazy) -> None:
    """Store and triage every spooled webhook once (the sender also does this every sweep)."""
    from followup.replies.spool import replay_for

    report = replay_for(lazy.ready)
    click.echo(str(report))
    if report.busy:
        raise click.ClickException("another replay is running; try again when it has finished")
    if report.database_error:
        raise click.ClickException(
            f"the database is still unavailable ({report.database_error}); "
            f"{report.remaining} webhook(s) wait for the next replay"
        )


@spool.command("status")
@pass_lazy
def spool_status(lazy: Lazy) -> None:
    """Count spooled webhooks (waiting, and set aside for a person); never shows their content."""
    from followup.replies.spool import Spool

    folder = Spool(lazy.services.settings.spool_path)
    click.echo(f"waiting={folder.waiting()} rejected={folder.rejected_count()} "
               f"folder={folder.directory}")
