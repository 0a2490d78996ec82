"""`followup import calls`: a CAD's CSV export, recorded as if each row were posted."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from followup.cli.context import Lazy, agency_option, pass_lazy

# --- importing files -----------------------------------------------------------------------

# `followup import calls` ends with this code when some rows were rejected and the rest imported.
EXIT_ROWS_REJECTED = 3


@click.group("import")
def import_() -> None:
    """Import files exported by the dispatch system."""


@import_.command("calls")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file naming the column of each intake field, the date format and time zone.",
)
@agency_option
@click.option("--dry-run", is_flag=True, help="Check every row and report; change nothing.")
@click.option(
    "--rejects",
    "rejects_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rejected rows (default: FILE.rejects.csv beside the file).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_lazy
def import_calls(lazy: Lazy, source, mapping_path, slug, dry_run, rejects_path, quiet) -> None:
    """Import calls from a CAD export (CSV), as if each row were posted to the API.

    Every row is validated, de-duplicated and checked for eligibility exactly as the intake API
    does; re-importing a file schedules nothing twice. Exits 3 when some rows were rejected
    (they are written, with their line number and error, to the rejects file), 1 when the
    mapping or the file cannot be used (then nothing is imported).
    """
    from followup.intake import cad_import
    from followup.intake.cad_mapping import MappingError, load_mapping

    services = lazy.ready
    slug = slug or services.settings.agency_slug
    try:
        csv_file = cad_import.CsvFile.open(source, load_mapping(mapping_path))
        bar = _progress_bar(
            csv_file.rows, quiet or not sys.stderr.isatty(), "dry run" if dry_run else "importing"
        )
        # The summary says what happened to every row; a log line per row would bury it.
        intake_logger = logging.getLogger("followup.intake")
        level = intake_logger.level
        intake_logger.setLevel(logging.WARNING)
        try:
            report = cad_import.import_calls(
                services.db,
                slug,
                csv_file,
                clock=services.clock,
                dry_run=dry_run,
                progress=bar.update,
            )
        finally:
            intake_logger.setLevel(level)
            bar.close()
    except MappingError as exc:
        raise click.ClickException(f"{exc}\nNothing was imported.") from None
    except cad_import.ImportStopped as exc:
        raise click.ClickException(str(exc)) from None
    rejects = None
    if report.rejected:
        rejects = rejects_path or cad_import.default_rejects_path(source)
        cad_import.write_rejects(rejects, csv_file.header, report.rejected, "utf-8-sig")
    click.echo(_import_summary(report, source, slug, rejects))
    if report.rejected:
        click.get_current_context().exit(EXIT_ROWS_REJECTED)


def _progress_bar(total: int, disable: bool, label: str):
    """A tqdm bar on stderr; a silent stand-in when disabled or tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        disable = True
    if disable:
        return _NoBar()
    return tqdm(total=total, unit=" rows", file=sys.stderr, desc=label)


class _NoBar:
    def update(self, _n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _import_summary(report, source: Path, slug: str, rejects: Path | None) -> str:
    """Counts, skip reasons and rejected lines; no phone numbers or names."""
    title = f"{'Dry run of' if report.dry_run else 'Imported'} {source.name} for agency {slug!r}"
    lines = [title]
    if report.dry_run:
        lines.append("  (dry run: nothing was changed; this is what an import would do)")
    rows = [
        ("rows read", report.rows),
        ("scheduled", report.scheduled),
        ("skipped", report.skipped_total),
        *((f"  {reason}", n) for reason, n in sorted(report.skipped.items())),
        ("new calls not closed yet", report.open_calls),
        ("duplicates (known, unchanged)", report.duplicates),
        ("updated (known, changed)", report.updated),
        ("rejected", len(report.rejected)),
    ]
    lines += [f"  {label:<32}{count:>8,}" for label, count in rows]
    shown = report.rejected[:50]
    lines += [f"    line {r.line}: {r.error}" for r in shown]
    if len(report.rejected) > len(shown):
        lines.append(f"    ... and {len(report.rejected) - len(shown):,} more in the rejects file")
    if rejects:
        lines.append(f"rejected rows (with line and error columns) written to {rejects}")
    return "\n".join(lines)
