"""`followup calltypes`: which call-type labels would never get a text, and why."""

from __future__ import annotations

import json

import click

from followup.cli.context import Lazy, pass_lazy


@click.group()
def calltypes() -> None:
    """Call-type labels and the sensitive list."""


@calltypes.command("check")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--agency", "slug", default=None, help="Also apply this agency's own patterns.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_lazy
def calltypes_check(lazy: Lazy, source, slug: str | None, as_json: bool) -> None:
    """Show which call-type labels (one per line) would never get a text, and why.

    Paste the list of call types from the dispatch system to review the sensitive list before
    going live: `followup calltypes check call_types.txt`.
    """
    from followup.eligibility.sensitive import match_sensitive

    extra: list[str] = []
    if slug:
        with lazy.ready.db.Session() as session:
            extra = list(lazy.agency(session, slug).sensitive_patterns or [])
    skipped = total = 0
    for raw in source:
        label = raw.strip()
        if not label:
            continue
        total += 1
        found = match_sensitive(label, extra)
        skipped += found is not None
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "label": label,
                        "sensitive": found is not None,
                        "group": found.group if found else None,
                        "matched": found.matched if found else None,
                    }
                )
            )
        else:
            verdict = f"SKIP  {found.group:<13} ({found.matched})" if found else "text"
            click.echo(f"{verdict:<40} {label}")
    if not as_json:
        click.echo(f"{skipped} of {total} call types would never get a text.", err=True)
