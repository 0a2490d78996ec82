"""The ``followup`` command: one module per command group, all sharing ``followup.cli.context``."""

from __future__ import annotations

import click

from followup.cli import (
    agencies,
    callbacks,
    calltypes,
    database,
    doctor,
    imports,
    outbox,
    reports,
    retention,
    roster,
    service,
    spool,
    templates,
    tokens,
    triage,
    users,
)
from followup.cli.context import Lazy


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Follow-up texting after a call for service. Configuration comes from FOLLOWUP_* variables."""
    from followup import configure_logging

    configure_logging()
    context = click.get_current_context()
    context.call_on_close(context.ensure_object(Lazy).close)


for command in (
    service.run,
    service.web,
    service.sender,
    service.send_due,
    spool.spool,
    database.db,
    doctor.doctor,
    agencies.agency,
    tokens.token,
    calltypes.calltypes,
    outbox.outbox,
    imports.import_,
    retention.purge,
    callbacks.callbacks,
    callbacks.conversations,
    roster.roster,
    users.user,
    templates.templates,
    reports.reports_group,
    triage.triage_command,
):
    main.add_command(command)
