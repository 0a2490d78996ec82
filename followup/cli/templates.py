"""`followup templates`: an agency's texts as a file (YAML or JSON), out and in."""

from __future__ import annotations

import click

from followup.agencies import registry
from followup.cli.context import Lazy, agency_option, pass_lazy


@click.group("templates")
def templates() -> None:
    """The texts an agency sends, as a file to keep in version control."""


@templates.command("export")
@agency_option
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@pass_lazy
def templates_export(lazy: Lazy, slug, fmt) -> None:
    """Print the active version of every text."""
    from followup.texts import template_files

    services = lazy.ready
    with services.db.Session() as session:
        agency = lazy.agency(session, slug)
        click.echo(template_files.export(session, agency, fmt), nl=False)


@templates.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"))
@agency_option
@click.option("--dry-run", is_flag=True, help="Check everything and say what would change.")
@pass_lazy
def templates_import(lazy: Lazy, source, slug, dry_run: bool) -> None:
    """Check every text in FILE, then save and activate the changed ones (all or nothing)."""
    from followup.texts import template_files

    services = lazy.ready
    with services.db.begin() as session:
        try:
            agency = lazy.agency(session, slug)
            entries = template_files.parse(source.read())
            result = (
                template_files.plan(session, agency, entries)
                if dry_run
                else template_files.apply(session, agency, entries, now=services.clock.now())
            )
        except template_files.ImportRejected as exc:
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            raise click.ClickException(
                f"{len(exc.problems)} problem(s); nothing was changed"
            ) from None
        except registry.AgencyError as exc:
            raise click.ClickException(str(exc)) from None
        verb = "would get" if dry_run else "got"
        for purpose, language, call_type in result.changed:
            click.echo(
                f"{purpose}/{language}{'/' + call_type if call_type else ''} {verb} a new version"
            )
        click.echo(f"{len(result.changed)} changed, {result.unchanged} unchanged")
        if dry_run:
            session.rollback()
