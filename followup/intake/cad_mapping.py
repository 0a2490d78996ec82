"""How a dispatch system's CSV export maps onto the intake API's fields (a TOML mapping file).

The mapping only translates: which column holds which field, how dates and yes/no words are
written. Whether an event is valid, new, a repeat or eligible for a text is decided by the same
code the intake API uses (``intake_schema.CallEvent`` and ``intake.record_call_event``).

    [columns]                       # intake field = "the CSV column's header"
    call_id = "Incident No"
    closed_at = "Closed"
    call_type = "Call Type"
    caller_phone = "RP Phone"

    [constants]                     # the same value on every row
    language = "en"

    [dates]
    format = "%m/%d/%Y %H:%M"       # strptime; omit for ISO 8601
    timezone = "America/Chicago"    # for times without an offset; default: the agency's zone

    [booleans]                      # words of the boolean columns (any case)
    true = ["Y", "YES", "1"]
    false = ["N", "NO", "0"]

    [statuses]                      # the CAD's words for each stage (any case); default: the
    received = ["PENDING", "RCVD"]  # API's own names (received, dispatched, arrived, closed,
    dispatched = ["DISP", "ENRT"]   # reopened). A stage left out keeps its own name.
    closed = ["CLOSED", "CLR"]

    [csv]
    delimiter = ","
    encoding = "utf-8-sig"
"""

from __future__ import annotations

import codecs
import difflib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime

from followup.intake.schema import TIME_OF_STATUS, CallEvent

FIELDS = tuple(CallEvent.model_fields)
REQUIRED = tuple(name for name, info in CallEvent.model_fields.items() if info.is_required())
BOOLEAN_FIELDS = frozenset(
    name for name, info in CallEvent.model_fields.items() if info.annotation is bool
)
DATE_FIELDS = frozenset(
    name
    for name, info in CallEvent.model_fields.items()
    if info.annotation in (datetime, AwareDatetime)
    or any(arg in (datetime, AwareDatetime) for arg in get_args(info.annotation))
)
# One value for every row would make every row the same call.
_NOT_CONSTANT = frozenset({"call_id"})

DEFAULT_TRUE = ("true", "t", "yes", "y", "1", "x")
DEFAULT_FALSE = ("false", "f", "no", "n", "0")
STATUSES = (*TIME_OF_STATUS, "reopened")  # the API's status names
_SECTIONS = {
    "columns": None,
    "constants": None,
    "dates": {"format", "timezone"},
    "booleans": {"true", "false"},
    "statuses": set(STATUSES),
    "csv": {"delimiter", "encoding"},
}


class MappingError(ValueError):
    """The mapping (or the file's header against it) cannot be used; nothing was imported."""


class RowError(ValueError):
    """One row cannot become an event; the message names the field and column, never a value."""


@dataclass(frozen=True)
class CallMapping:
    columns: dict[str, str]  # intake field -> CSV column header
    constants: dict[str, str | bool] = field(default_factory=dict)
    date_format: str | None = None  # None: ISO 8601
    timezone: str | None = None  # None: the agency's zone
    true_words: frozenset[str] = frozenset(DEFAULT_TRUE)
    false_words: frozenset[str] = frozenset(DEFAULT_FALSE)
    # The CAD's word (lower case) -> the API's status name.
    status_words: dict[str, str] = field(default_factory=lambda: {s: s for s in STATUSES})
    delimiter: str = ","
    encoding: str = "utf-8-sig"

    def zone(self, default: ZoneInfo) -> ZoneInfo:
        return ZoneInfo(self.timezone) if self.timezone else default


def load_mapping(path: Path) -> CallMapping:
    """Read and check a mapping file; raise MappingError saying what to fix."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping {path} is not valid TOML: {exc}") from None
    return parse_mapping(raw)


# Long because each section of the mapping file is checked in turn, with its own message.
def parse_mapping(raw: dict) -> CallMapping:
    for section, value in raw.items():
        if section not in _SECTIONS:
            raise MappingError(
                f"unknown section [{section}] in the mapping; known: {', '.join(_SECTIONS)}"
            )
        if not isinstance(value, dict):
            raise MappingError(f"[{section}] must be a table of key = value lines")
        allowed = _SECTIONS[section]
        for key in value:
            if allowed is not None and key not in allowed:
                raise MappingError(
                    f"unknown key {key!r} in [{section}]; known: {', '.join(sorted(allowed))}"
                )
    columns = _field_table(raw.get("columns", {}), "columns")
    constants = _field_table(raw.get("constants", {}), "constants")
    for name, column in columns.items():
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"[columns] {name} must be a column header in quotes")
    for name, value in constants.items():
        if name in _NOT_CONSTANT:
            raise MappingError(f"[constants] {name} cannot be a constant: each row needs its own")
        if name in columns:
            raise MappingError(f"{name} is both in [columns] and in [constants]: keep one")
        expected = bool if name in BOOLEAN_FIELDS else str
        if not isinstance(value, expected):
            kind = "true or false" if expected is bool else "a string in quotes"
            raise MappingError(f"[constants] {name} must be {kind}")
        if name == "status" and value not in STATUSES:
            raise MappingError(f"[constants] status must be one of {', '.join(STATUSES)}")
    # Without a status every row is a closed call, which needs its closing time.
    required = REQUIRED if "status" in columns or "status" in constants else (
        *REQUIRED, "closed_at"
    )
    missing = [name for name in required if name not in columns and name not in constants]
    if missing:
        raise MappingError(
            "the mapping names no column for the required field(s) "
            + ", ".join(missing)
            + ": add them under [columns]"
        )
    dates = raw.get("dates", {})
    date_format = _check_date_format(dates.get("format"))
    timezone = dates.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise MappingError(
                f"[dates] timezone {timezone!r} is not a time zone name such as 'America/Chicago'"
            ) from None
    booleans = raw.get("booleans", {})
    true_words = _words(booleans.get("true", list(DEFAULT_TRUE)), "true")
    false_words = _words(booleans.get("false", list(DEFAULT_FALSE)), "false")
    if true_words & false_words:
        both = ", ".join(sorted(true_words & false_words))
        raise MappingError(f"[booleans] {both} is both a true and a false word")
    status_words = _status_words(raw.get("statuses", {}))
    csv_options = raw.get("csv", {})
    delimiter = csv_options.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise MappingError('[csv] delimiter must be one character, e.g. "," or ";" or "\\t"')
    encoding = csv_options.get("encoding", "utf-8-sig")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise MappingError(f"[csv] encoding {encoding!r} is not a known text encoding") from None
    return CallMapping(
        columns={name: column.strip() for name, column in columns.items()},
        constants=constants,
        date_format=date_format,
        timezone=timezone,
        true_words=true_words,
        false_words=false_words,
        status_words=status_words,
        delimiter=delimiter,
        encoding=encoding,
    )


def _field_table(table: dict, section: str) -> dict:
    for name in table:
        if name not in FIELDS:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise MappingError(
                f"[{section}] {name!r} is not an intake field{hint}; fields: {', '.join(FIELDS)}"
            )
    return dict(table)


def _check_date_format(date_format) -> str | None:
    if date_format is None:
        return None
    if not isinstance(date_format, str) or "%" not in date_format:
        raise MappingError("[dates] format must be a strptime format such as '%m/%d/%Y %H:%M'")
    sample = datetime(2026, 11, 23, 14, 5, 9)
    try:
        datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError as exc:
        raise MappingError(f"[dates] format {date_format!r} cannot be read back: {exc}") from None
    return date_format


def _words(value, kind: str, section: str = "booleans") -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        example = '["Y", "YES"]' if section == "booleans" else '["DISP", "ENRT"]'
        raise MappingError(f"[{section}] {kind} must be a list of words, e.g. {example}")
    return frozenset(w.strip().lower() for w in value)


def _status_words(table: dict) -> dict[str, str]:
    """The CAD's word for each stage -> the API's status; a stage not listed keeps its name."""
    found: dict[str, str] = {}
    for status in STATUSES:
        for word in _words(table[status], status, "statuses") if status in table else {status}:
            if found.get(word, status) != status:
                raise MappingError(
                    f"[statuses] {word!r} is both a {found[word]!r} and a {status!r} word"
                )
            found[word] = status
    return found


@dataclass(frozen=True)
class RowReader:
    """Turns one CSV record into the payload the intake API would receive."""

    mapping: CallMapping
    zone: ZoneInfo
    width: int  # the header's number of columns
    positions: dict[str, int]  # intake field -> column index

    @classmethod
    def for_header(cls, mapping: CallMapping, header: list[str], zone: ZoneInfo) -> RowReader:
        """Check the header against the mapping; raise MappingError naming missing columns."""
        names = [name.strip() for name in header]
        positions = {}
        for field_name, column in mapping.columns.items():
            found = [i for i, name in enumerate(names) if name == column]
            if not found:
                close = difflib.get_close_matches(column, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise MappingError(
                    f"[columns] {field_name} = {column!r}: the file has no such column{hint}; "
                    f"its columns: {', '.join(repr(n) for n in names)}"
                )
            if len(found) > 1:
                raise MappingError(
                    f"[columns] {field_name} = {column!r}: the file has {len(found)} columns "
                    "with that header, so which one is meant is unclear"
                )
            positions[field_name] = found[0]
        return cls(mapping, zone, len(header), positions)

    def payload(self, record: list[str]) -> dict:
        """Return the event's fields as the API's JSON body would carry them."""
        if len(record) != self.width:
            raise RowError(
                f"has {len(record)} fields where the header has {self.width} "
                "(a delimiter or quote out of place?)"
            )
        body: dict = dict(self.mapping.constants)
        for name, index in self.positions.items():
            value = record[index]
            where = f"{name} (column {self.mapping.columns[name]!r})"
            if not value.strip():
                if name in REQUIRED:
                    raise RowError(f"{where}: is empty")
                if name in BOOLEAN_FIELDS or name in DATE_FIELDS or name == "status":
                    # Not given: the API's default, and its rule for a time the status needs
                    # ("closed_at: is required when status is 'closed'").
                    continue
            if name in BOOLEAN_FIELDS:
                body[name] = self._boolean(value, where)
            elif name == "status":
                body[name] = self._status(value, where)
            elif name in DATE_FIELDS:
                body[name] = self._moment(value.strip(), where)
            else:
                body[name] = value
        return body

    def _boolean(self, value: str, where: str) -> bool:
        word = value.strip().lower()
        if word in self.mapping.true_words:
            return True
        if word in self.mapping.false_words:
            return False
        raise RowError(f"{where}: is not one of the mapping's true or false words")

    def _status(self, value: str, where: str) -> str:
        status = self.mapping.status_words.get(value.strip().lower())
        if status is None:
            words = sorted(self.mapping.status_words)
            raise RowError(
                f"{where}: is not one of the mapping's status words ({', '.join(words)})"
            )
        return status

    def _moment(self, value: str, where: str) -> str:
        fmt = self.mapping.date_format
        try:
            moment = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
        except ValueError:
            if fmt:
                raise RowError(f"{where}: does not match the date format {fmt!r}") from None
            raise RowError(f"{where}: is not an ISO 8601 date and time") from None
        if moment.tzinfo is None:
            # Wall-clock time in the export's zone; an hour that occurs twice (autumn) is read
            # as its first occurrence.
            moment = moment.replace(tzinfo=self.zone)
        return moment.isoformat()
