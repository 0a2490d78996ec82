"""`followup triage train` and `followup triage compare`: retrain the triage model on labelled
replies (and commanders' corrections), and measure a candidate against the model in use before
anyone switches. Training needs scikit-learn (`pip install -e '.[train]'`); answering does not."""

from __future__ import annotations

import json
from pathlib import Path

import click

from followup.cli.context import Lazy, pass_lazy

# The figures a person compares, in the order they matter.
_SHOWN = (
    ("crisis recall, English", "crisis_recall_en"),
    ("crisis recall, Spanish", "crisis_recall_es"),
    ("crisis recall, other languages", "crisis_recall_other"),
    ("false urgent (share of all)", "false_urgent_share"),
    ("callback recall", "callback_recall"),
    ("callback precision", "callback_precision"),
    ("opt-out recall", "opt_out_recall"),
    ("opt-out precision", "opt_out_precision"),
    ("accuracy, English and Spanish", "accuracy_en_es"),
    ("accuracy, other languages", "accuracy_other"),
)


@click.command("train")
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder with train/, validation/ and final/ (default: the repository's data/triage).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the candidate model (then `followup triage compare` it).",
)
@click.option(
    "--with-corrections",
    is_flag=True,
    help="Also train on commanders' corrections stored in the database.",
)
@pass_lazy
def train(lazy: Lazy, data: Path | None, output: Path, with_corrections: bool) -> None:
    """Train a candidate triage model: fit on train/, choose thresholds on validation/, and
    measure it on final/ (never trained on). The model in use is not touched."""
    from followup.replies.triage import training

    data = data or training.DATA
    if not output.parent.is_dir():
        raise click.BadParameter(f"{output.parent} is not a folder", param_hint="'--output'")
    corrections = _corrections(lazy) if with_corrections else []
    try:
        meta = training.train(
            data,
            output,
            corrections=corrections,
            trained_on=f"{data.name}" + (" + corrections" if corrections else ""),
            report=lambda line: click.echo(line, err=True),
        )
    except ImportError:
        raise click.ClickException(
            "training needs scikit-learn: pip install -e '.[train]'"
        ) from None
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"{data}: {exc}") from None
    click.echo(f"wrote {output}")
    click.echo(f"thresholds: {json.dumps(meta.get('thresholds', {}))}")
    for name, figures in meta.get("figures", {}).items():
        click.echo(f"\n{name} ({figures['rows']} replies)")
        click.echo(_table({"candidate": figures}))


@click.command("compare")
@click.argument("candidate", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder with final/ (default: the repository's data/triage).",
)
@click.option(
    "--with-corrections/--without-corrections",
    default=True,
    help="Also measure both on commanders' corrections in the database (default: yes).",
)
@pass_lazy
def compare(lazy: Lazy, candidate: Path, data: Path | None, with_corrections: bool) -> None:
    """Measure CANDIDATE against the model in use, side by side, on the final test set and on
    commanders' corrections, before anyone switches (FOLLOWUP_TRIAGE_MODEL names the model the
    service uses)."""
    from followup.replies.triage import model as models
    from followup.replies.triage import training, tuning

    try:
        new = models.Model(models.decode(candidate.read_bytes()))
    except Exception:
        raise click.ClickException(f"{candidate} is not a triage model file") from None
    current = models.load()
    data = data or training.DATA
    sets = {"final test set": tuning.read_sets(sorted((data / "final").glob("*.jsonl")))}
    if with_corrections:
        sets["commanders' corrections"] = _corrections(lazy)
    for name, rows in sets.items():
        if not rows:
            click.echo(f"\n{name}: none")
            continue
        click.echo(f"\n{name} ({len(rows)} replies)")
        click.echo(
            _table(
                {
                    "in use": tuning.figures(rows, tuning.classifier(current)),
                    "candidate": tuning.figures(rows, tuning.classifier(new)),
                }
            )
        )


def _corrections(lazy: Lazy) -> list[dict]:
    from followup.callbacks import corrections

    with lazy.ready.db.Session() as session:
        return corrections.export_rows(session)


def _table(columns: dict[str, dict]) -> str:
    width = max(len(label) for label, _ in _SHOWN)
    lines = [f"{'':<{width}}" + "".join(f"{name:>12}" for name in columns)]
    for label, key in _SHOWN:
        cells = [figures.get(key) for figures in columns.values()]
        lines.append(
            f"{label:<{width}}"
            + "".join(f"{'-':>12}" if c is None else f"{c:>12.3f}" for c in cells)
        )
    return "\n".join(lines)
