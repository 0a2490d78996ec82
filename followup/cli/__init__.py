"""The ``followup`` command: one module per command group, all sharing ``followup.cli.context``.

A command's module is imported only when that command runs, so `followup --help` and a quick
command start in a fraction of a second (the web app, the sender and triage bring a lot).
"""

from __future__ import annotations

import importlib

import click

# name: (module under followup.cli, attribute, the first line of its docstring for --help).
# tests/cli/test_cli.py checks that each help line matches its command.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "agency": ("agencies", "agency", "Agencies."),
    "callbacks": ("callbacks", "callbacks", "Callbacks: replies a watch commander must answer."),
    "calltypes": (
        "calltypes",
        "calltypes",
        "Call-type labels, the sensitive list and the register.",
    ),
    "conversations": (
        "callbacks",
        "conversations",
        "Conversations: the texts about one check-in.",
    ),
    "db": ("database", "db", "Database schema."),
    "doctor": (
        "doctor",
        "doctor",
        "Check this configuration before it goes live: what is wrong, and how to fix it.",
    ),
    "import": ("imports", "import_", "Import files exported by the dispatch system."),
    "outbox": (
        "outbox",
        "outbox",
        "List every text the service sent, newest first, with its purpose.",
    ),
    "purge": (
        "retention",
        "purge",
        "Remove callers' numbers, names and words older than each agency's retention period.",
    ),
    "reports": ("reports", "reports_group", "Report facts: what the report pages count."),
    "roster": ("roster", "roster", "The on-duty commanders who get urgent alerts by text."),
    "run": (
        "service",
        "run",
        "Run the web app and the sender in one process, for trying the service out.",
    ),
    "send-due": (
        "service",
        "send_due",
        "Send what is due now and exit (for cron, scripts and tests).",
    ),
    "sender": (
        "service",
        "sender",
        "Run the sending loop alone (several may run against PostgreSQL).",
    ),
    "spool": ("spool", "spool", "Twilio webhooks kept on disk while the database was down."),
    "templates": (
        "templates",
        "templates",
        "The texts an agency sends, as a file to keep in version control.",
    ),
    "token": ("tokens", "token", "Intake API tokens."),
    "triage": (
        "triage",
        "triage_command",
        "Triage replies read from standard input, one per line; write one JSON object per line.",
    ),
    "user": ("users", "user", "Staff accounts: commanders, admins, viewers."),
    "web": ("service", "web", "Serve the web app with gunicorn (production)."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"followup.cli.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from COMMANDS, without importing any of them."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=line).get_short_help_str(limit))
            for name, (_, _, line) in sorted(COMMANDS.items())
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Follow-up texting after a call for service. Configuration comes from FOLLOWUP_* variables."""
    from followup import configure_logging
    from followup.cli.context import Lazy

    configure_logging()
    context = click.get_current_context()
    context.call_on_close(context.ensure_object(Lazy).close)
