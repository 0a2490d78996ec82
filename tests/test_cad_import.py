"""`followup import calls`: a CAD's CSV export recorded as if each row were posted to the API.

The fixture tests/data/cad/calls_export.csv is shaped like a real export: UTF-8 with a BOM,
Windows line endings, quoted fields with commas and a newline, blank lines, one impossible date
and one bad language tag. Its expected outcome, row by row (line numbers count the header as 1):

  line  2  26-0001 theft, (202) 555-0101          scheduled
  line  3  26-0002 noise, es, narrative to line 4 scheduled
  line  6  26-0003 domestic disturbance           skipped: sensitive_call_type
  line  7  26-0004 no phone                       skipped: no_phone
  line  8  26-0005 closed 11/31/2026              rejected (no such date)
  line  9  26-0006 officer-initiated              skipped: self_initiated
  line 10  26-0007 same number as 26-0001         skipped: recently_contacted
  line 11  26-0001 again, unchanged               duplicate
  line 12  26-0002 again, new disposition         updated
  line 14  26-0008 do not contact                 skipped: do_not_contact
  line 15  26-0009 phone "12345"                  skipped: invalid_phone
  line 16  26-0010 language "english!"            rejected (not BCP 47)
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from followup.cad_import import CsvFile, import_calls
from followup.cad_mapping import MappingError, load_mapping
from followup.cli import EXIT_ROWS_REJECTED, main
from followup.cli_context import _Lazy
from followup.models import Call, FollowUp, FollowUpStatus

DATA = Path(__file__).parent / "data" / "cad"
EXPECTED_FIRST = {
    "rows": 12,
    "scheduled": 2,
    "skipped": {
        "sensitive_call_type": 1,
        "no_phone": 1,
        "self_initiated": 1,
        "recently_contacted": 1,
        "do_not_contact": 1,
        "invalid_phone": 1,
    },
    "duplicates": 1,
    "updated": 1,
    "rejected": 2,
}


@pytest.fixture
def export(tmp_path) -> Path:
    """The fixture export and its mapping, copied where the rejects file may be written."""
    for name in ("calls_export.csv", "mapping.toml"):
        shutil.copyfile(DATA / name, tmp_path / name)
    return tmp_path / "calls_export.csv"


def run_import(services, export: Path, *, dry_run: bool = False):
    source = CsvFile.open(export, load_mapping(export.with_name("mapping.toml")))
    return import_calls(
        services.db, services.settings.agency_slug, source, clock=services.clock, dry_run=dry_run
    )


def stored(db) -> dict:
    with db.Session() as session:
        return {
            "calls": session.scalar(select(func.count()).select_from(Call)),
            "followups": session.scalar(select(func.count()).select_from(FollowUp)),
            "scheduled": session.scalar(
                select(func.count())
                .select_from(FollowUp)
                .where(FollowUp.status == FollowUpStatus.SCHEDULED)
            ),
        }


def invoke(services, *args: str):
    """Run `followup ...` in-process over the test's services (their frozen clock)."""
    lazy = _Lazy()
    lazy._services = services
    return CliRunner().invoke(main, list(args), obj=lazy)


def test_real_shaped_export_gives_the_counts_worked_out_by_hand(services, export):
    report = run_import(services, export)

    assert report.counts() == EXPECTED_FIRST
    assert [(r.line, r.record[0]) for r in report.rejected] == [(8, "26-0005"), (16, "26-0010")]
    assert "closed_at (column 'Closed'): does not match the date format" in report.rejected[0].error
    assert "language (column 'Lang')" in report.rejected[1].error
    assert "BCP 47" in report.rejected[1].error
    assert stored(services.db) == {"calls": 8, "followups": 8, "scheduled": 2}


def test_rows_keep_the_quoted_commas_newlines_and_local_times(services, export):
    run_import(services, export)

    with services.db.Session() as session:
        first = session.scalar(select(Call).where(Call.external_id == "26-0001"))
        second = session.scalar(select(Call).where(Call.external_id == "26-0002"))
        assert first.caller_name == "Rivera, Alex"
        assert first.caller_phone == "+12025550101"
        # 08:15 in New York in November (EST, UTC-5).
        assert first.closed_at.isoformat() == "2026-11-23T13:15:00+00:00"
        # The second event for 26-0002 (line 12) replaced the first one's disposition.
        assert second.disposition == "REPORT TAKEN"
        assert second.followup.language == "es"  # the agency has Spanish texts


def test_importing_the_same_file_again_schedules_nothing_twice(services, export):
    run_import(services, export)
    again = run_import(services, export)

    # 26-0002 appears twice with different dispositions, so each of its rows changes the call
    # back and forth (2 updates); everything else is known and unchanged.
    assert again.counts() == {
        "rows": 12,
        "scheduled": 0,
        "skipped": {},
        "duplicates": 8,
        "updated": 2,
        "rejected": 2,
    }
    assert stored(services.db) == {"calls": 8, "followups": 8, "scheduled": 2}


def test_dry_run_reports_what_would_happen_and_changes_nothing(services, export):
    report = run_import(services, export, dry_run=True)

    assert report.counts() == EXPECTED_FIRST
    assert stored(services.db) == {"calls": 0, "followups": 0, "scheduled": 0}


def test_command_prints_the_summary_and_writes_the_rejected_rows(services, export):
    result = invoke(
        services, "import", "calls", str(export), "--mapping", str(export.with_name("mapping.toml"))
    )

    assert result.exit_code == EXIT_ROWS_REJECTED, result.output
    out = result.output
    for label, count in (
        ("rows read", 12),
        ("scheduled", 2),
        ("skipped", 6),
        ("recently_contacted", 1),
        ("duplicates (known, unchanged)", 1),
        ("updated (known, changed)", 1),
        ("rejected", 2),
    ):
        assert any(
            line.strip().startswith(label) and line.split()[-1] == str(count)
            for line in out.splitlines()
        ), (label, out)
    assert "line 8: closed_at" in out and "line 16: language" in out
    # No caller's number or name in what is printed.
    assert "555-01" not in out and "Rivera" not in out and "Lee" not in out

    rejects = export.with_name("calls_export.rejects.csv")
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["Incident No"], row["line"]) for row in rows] == [
        ("26-0005", "8"),
        ("26-0010", "16"),
    ]
    assert rows[0]["RP Name"] == "Nguyen, Chris"  # the original row, as it was
    assert "date format" in rows[0]["error"]


def test_command_dry_run_says_so_and_leaves_the_database_alone(services, export):
    result = invoke(
        services,
        "import",
        "calls",
        str(export),
        "--mapping",
        str(export.with_name("mapping.toml")),
        "--dry-run",
        "--rejects",
        str(export.with_name("checked.csv")),
    )

    assert result.exit_code == EXIT_ROWS_REJECTED, result.output
    assert "dry run: nothing was changed" in result.output
    assert export.with_name("checked.csv").exists()
    assert stored(services.db)["calls"] == 0


BAD_MAPPINGS = [
    ("[columns]\ncall_id = 'Incident No'\ncalltype = 'Call Type'\n", "did you mean 'call_type'"),
    ("[columns]\ncall_id = 'Incident No'\nclosed_at = 'Closed'\n", "required field(s) call_type"),
    (
        "[columns]\ncall_id = 'Incident No'\nclosed_at = 'Closed'\ncall_type = 'Type'\n",
        "call_type = 'Type': the file has no such column",
    ),
    (
        "[columns]\ncall_id = 'Incident No'\nclosed_at = 'Closed'\ncall_type = 'Call Type'\n"
        "[dates]\nformat = '%m/%d/%Y %H:%M'\ntimezone = 'America/Gotham'\n",
        "'America/Gotham' is not a time zone",
    ),
    ("[columns\ncall_id = 'Incident No'\n", "is not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_MAPPINGS)
def test_a_bad_mapping_is_a_clear_error_and_imports_nothing(services, export, text, message):
    mapping = export.with_name("bad.toml")
    mapping.write_text(text)

    result = invoke(services, "import", "calls", str(export), "--mapping", str(mapping))

    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was imported." in result.output
    assert stored(services.db)["calls"] == 0
    assert not export.with_name("calls_export.rejects.csv").exists()


def test_a_file_in_another_encoding_is_refused_before_any_row(services, export):
    export.write_bytes(
        export.read_bytes()
        + "26-0011,VANDALISM,ADVISED,11/23/2026 01:00,,Zoë,,,,,,N,N,\r\n".encode("cp1252")
    )

    with pytest.raises(MappingError, match="is not utf-8-sig text"):
        run_import(services, export)
    assert stored(services.db)["calls"] == 0
