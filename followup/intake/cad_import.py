"""Import calls from a dispatch system's CSV export, for agencies whose CAD cannot post.

Each row becomes the payload the intake API would receive and goes through the API's own code:
``CallEvent`` validation, then ``record_call_events`` (the batch form of the API's
``record_call_event``, same decisions: idempotency, stages, update, eligibility).
So a row is scheduled, skipped with a named reason, a stage before closing (received,
dispatched, arrived: a new call recorded with no check-in yet), a duplicate (the call is known
and unchanged), an update of a known call, or rejected (with its physical line number, the
header being line 1, and why; a rejected row changes nothing). Re-importing a file schedules
nothing twice.

Before any row is recorded the whole file is read once: a mapping that does not fit the header, a
file in another encoding or a broken CSV is an error that changes nothing. Rows are then
recorded in batches, each one transaction; a dry run records them all in one transaction and
rolls it back.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.core.clock import Clock
from followup.core.db import Database
from followup.intake.batch import record_call_events
from followup.intake.cad_mapping import CallMapping, MappingError, RowError, RowReader
from followup.intake.calls import EventRejected
from followup.intake.schema import CallEvent
from followup.models import Agency, FollowUpStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A quote left open swallows the rest of the file into one field; stop at a size no real field has.
_FIELD_LIMIT = 1 << 20


class ImportFileError(MappingError):
    """The file cannot be read as the mapping says (encoding, CSV structure, no header)."""


class ImportStopped(RuntimeError):
    """An unexpected error stopped the import; batches before ``line`` are kept (committed)."""

    def __init__(self, line: int, committed_rows: int, cause: BaseException):
        super().__init__(
            f"stopped at the batch starting on line {line} by an unexpected error "
            f"({type(cause).__name__}); the {committed_rows} rows before it were imported. "
            "Run the same file again to finish: rows already imported count as duplicates."
        )
        self.line = line
        self.committed_rows = committed_rows


@dataclass(frozen=True)
class Rejected:
    line: int  # physical line where the row starts; the header is line 1
    record: list[str]
    error: str  # field, column and rule; never the value


@dataclass
class ImportReport:
    rows: int = 0
    scheduled: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    open_calls: int = 0  # new calls at a stage before closing: no check-in yet
    duplicates: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "scheduled": self.scheduled,
            "skipped": dict(self.skipped),
            "open_calls": self.open_calls,
            "duplicates": self.duplicates,
            "updated": self.updated,
            "rejected": len(self.rejected),
        }


@dataclass(frozen=True)
class CsvFile:
    """A CSV export that has been read once and found readable; ``rows`` counts data records."""

    path: Path
    mapping: CallMapping
    header: list[str]
    rows: int

    @classmethod
    def open(cls, path: Path, mapping: CallMapping) -> CsvFile:
        """Read the whole file once: decodable, well-formed CSV, a header; else ImportFileError."""
        header: list[str] | None = None
        rows = 0
        try:
            for _line, record in _records(path, mapping):
                if header is None:
                    header = record
                else:
                    rows += 1
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{path} is not {mapping.encoding} text (byte {exc.start} cannot be decoded): "
                'set [csv] encoding in the mapping, e.g. "cp1252"'
            ) from None
        except csv.Error as exc:
            raise ImportFileError(f"{path} is not readable CSV: {exc}") from None
        if header is None:
            raise ImportFileError(f"{path} is empty: expected a header line and rows")
        return cls(path, mapping, header, rows)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (line, record) for each data row; blank lines are passed over."""
        rows = _records(self.path, self.mapping)
        next(rows)  # the header
        return rows


def _records(path: Path, mapping: CallMapping) -> Iterator[tuple[int, list[str]]]:
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    # newline="" lets csv see "\r\n" and newlines inside quotes as they are, and line_num count
    # physical lines.
    with open(path, encoding=mapping.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=mapping.delimiter, strict=True)
        last = 0
        for record in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                yield start, record


def import_calls(
    db: Database,
    agency_slug: str,
    source: CsvFile,
    *,
    clock: Clock,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Record every row of ``source`` for the agency; return what happened to each.

    Raises MappingError (before any row is recorded) when the header does not fit the mapping.
    ``progress`` is told how many rows each batch finished.
    """
    report = ImportReport(dry_run=dry_run)
    with db.Session() as session:
        agency = session.scalar(select(Agency).where(Agency.slug == agency_slug))
        if agency is None:
            raise MappingError(f"no agency with slug {agency_slug!r}")
        zone = source.mapping.zone(agency.zone)
        reader = RowReader.for_header(source.mapping, source.header, zone)
        committed = 0
        try:
            for batch in _batches(source.records(), batch_size):
                try:
                    _import_batch(session, agency, reader, batch, report, clock)
                    if not dry_run:
                        session.commit()
                        committed = report.rows
                except Exception as exc:
                    if dry_run:
                        raise
                    session.rollback()
                    raise ImportStopped(batch[0][0], committed, exc) from exc
                if progress:
                    progress(len(batch))
        finally:
            # A dry run's one transaction holds every row: roll it all back.
            session.rollback()
    logger.info(
        "CAD import%s: agency=%s rows=%d scheduled=%d skipped=%d duplicates=%d updated=%d "
        "rejected=%d",
        " (dry run, rolled back)" if dry_run else "",
        agency_slug,
        report.rows,
        report.scheduled,
        report.skipped_total,
        report.duplicates,
        report.updated,
        len(report.rejected),
    )
    return report


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(items, size)):
        yield batch


def _import_batch(
    session: Session,
    agency: Agency,
    reader: RowReader,
    batch: list[tuple[int, list[str]]],
    report: ImportReport,
    clock: Clock,
) -> None:
    events: list[tuple[int, list[str], CallEvent]] = []
    for line, record in batch:
        report.rows += 1
        try:
            events.append((line, record, CallEvent.model_validate(reader.payload(record))))
        except RowError as exc:
            report.rejected.append(Rejected(line, record, str(exc)))
        except ValidationError as exc:
            report.rejected.append(Rejected(line, record, _describe(exc, reader)))
    # One batch of statements for the whole batch, deciding each row as the API would.
    results = record_call_events(
        session, agency, [event for _, _, event in events], now=clock.now()
    )
    for (line, record, _event), result in zip(events, results, strict=True):
        if isinstance(result, EventRejected):
            # Checked before anything is written, as the API relies on too.
            report.rejected.append(
                Rejected(line, record, _join(((e.field, e.message) for e in result.errors), reader))
            )
        elif not result.changed:
            report.duplicates += 1
        elif not result.created:
            report.updated += 1
        elif result.followup is None:
            report.open_calls += 1  # received, dispatched or arrived: its check-in comes later
        elif result.followup.status == FollowUpStatus.SCHEDULED:
            report.scheduled += 1
        else:
            report.skipped[str(result.followup.reason or result.followup.status)] += 1


def _describe(exc: ValidationError, reader: RowReader) -> str:
    """The API's field errors (its messages, never the input values)."""
    return _join(
        (
            (".".join(str(part) for part in error["loc"]) or "(row)", error["msg"])
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ),
        reader,
    )


def _join(errors, reader: RowReader) -> str:
    """'field (column 'X'): message; ...' with the CSV column beside each mapped field."""
    parts = []
    for name, message in errors:
        column = reader.mapping.columns.get(name)
        parts.append(f"{name} (column {column!r}): {message}" if column else f"{name}: {message}")
    return "; ".join(parts)


def write_rejects(path: Path, header: list[str], rejected: list[Rejected], encoding: str) -> None:
    """Write the rejected rows as they were, with their line number and error appended."""
    extra = [_free_name("line", header), _free_name("error", header)]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, *extra])
        for row in rejected:
            writer.writerow([*row.record, row.line, row.error])


def _free_name(name: str, header: list[str]) -> str:
    while name in header:
        name = f"_{name}"
    return name


def default_rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.csv")
