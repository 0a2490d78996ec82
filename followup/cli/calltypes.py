"""`followup calltypes`: which call-type labels would never get a text, and why."""

from __future__ import annotations

import json
from pathlib import Path

import click

from followup.cli.context import Lazy, agency_option, pass_lazy


@click.group()
def calltypes() -> None:
    """Call-type labels, the sensitive list and the register."""


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


@calltypes.command("list")
@agency_option
@click.option("--unreviewed", is_flag=True, help="Only the labels nobody has reviewed yet.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_lazy
def calltypes_list(lazy: Lazy, slug: str | None, unreviewed: bool, as_json: bool) -> None:
    """List every call-type label the agency has sent: count, built-in verdict and why, and
    IT's decision (the register on the rules page)."""
    from followup.eligibility import call_type_register

    with lazy.ready.db.Session() as session:
        agency = lazy.agency(session, slug)
        entries = call_type_register.register(session, agency, unreviewed_only=unreviewed)
        for entry in entries:
            row = entry.row
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "label": row.label,
                            "count": row.count,
                            "first_seen": row.first_seen_at.isoformat(),
                            "last_seen": row.last_seen_at.isoformat(),
                            "builtin": entry.builtin_verdict,
                            "why": entry.why,
                            "decision": str(row.decision),
                            "decided_by": row.decided_by,
                            "decided_at": row.decided_at.isoformat() if row.decided_at else None,
                            "held": entry.held,
                            "next_call": entry.outcome(agency),
                        }
                    )
                )
            else:
                click.echo(
                    f"{row.count:>7}  {entry.builtin_verdict:<9}  {str(row.decision):<10}  "
                    f"{row.label}  ({entry.why}; next call: {entry.outcome(agency)})"
                )
        if not as_json:
            waiting = sum(1 for entry in entries if not entry.row.decision.reviewed)
            click.echo(f"{len(entries)} labels, {waiting} not reviewed.", err=True)


@calltypes.command("decide")
@click.argument("label")
@click.argument("decision", type=click.Choice(["confirm", "sensitive", "ordinary"]))
@agency_option
@pass_lazy
def calltypes_decide(lazy: Lazy, label: str, decision: str, slug: str | None) -> None:
    """Decide about one label: confirm the built-in verdict, or mark it sensitive or ordinary.

    Check-ins held for the label are decided again at once (audited as "cli").
    """
    from followup.eligibility import call_type_register

    services = lazy.ready
    with services.db.begin() as session:
        agency = lazy.agency(session, slug)
        try:
            row = call_type_register.find(session, agency, label)
            released = call_type_register.decide(
                session, agency, row, decision, actor="cli", now=services.clock.now()
            )
        except call_type_register.DecisionRejected as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{row.label}: {row.decision}. {call_type_register.describe(released)}.")


@calltypes.command("hold")
@click.argument("state", type=click.Choice(["on", "off"]))
@agency_option
@pass_lazy
def calltypes_hold(lazy: Lazy, state: str, slug: str | None) -> None:
    """Hold check-ins for call types nobody has reviewed (on), or stop (off: held check-ins
    are decided again at once)."""
    from collections import Counter

    from followup.agencies import settings as agency_settings

    services = lazy.ready
    released: Counter[str] = Counter()
    with services.db.begin() as session:
        agency = lazy.agency(session, slug)
        changed = agency_settings.update(
            session,
            agency,
            {"hold_unreviewed_call_types": state},
            actor="cli",
            now=services.clock.now(),
            released=released,
        )
    if not changed:
        click.echo(f"Holding was already {state}.")
    elif state == "on":
        click.echo("Check-ins for call types nobody has reviewed now wait for a decision.")
    else:
        from followup.eligibility import call_type_register

        click.echo(f"Holding is off: {call_type_register.describe(released)}.")


@calltypes.command("train")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the model (default: the shipped label_model.json.gz).",
)
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder with cad_call_types*.tsv and calltypes/*.tsv (default: the repository's).",
)
def calltypes_train(output: Path | None, data: Path | None) -> None:
    """Train the call-type model from the labelled corpora (needs scikit-learn:
    pip install -e '.[train]'): choose its bar one corpus out at a time, fit, save."""
    from datetime import UTC, datetime

    from followup.eligibility import label_model, label_training

    try:
        meta = label_training.train(
            output or label_model.MODEL_PATH,
            data=data or label_training.DATA,
            trained_on=datetime.now(UTC).date().isoformat(),
            report=click.echo,
        )
    except ImportError as exc:
        raise click.ClickException(f"training needs scikit-learn ({exc})") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for name, figures in meta["held_out"].items():
        alone, model = figures["list"], figures["model"]
        click.echo(
            f"{name}: list alone {alone['recall']:.3f} recall, {alone['false_skips']:.2%} false"
            f" skips; with the model {model['recall']:.3f}, {model['false_skips']:.2%}"
        )
    click.echo(f"bar {meta['threshold']}; wrote {output or label_model.MODEL_PATH}")
