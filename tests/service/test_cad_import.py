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
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from followup.cli import main
from followup.cli.context import Lazy
from followup.cli.imports import EXIT_ROWS_REJECTED
from followup.eligibility import contacts
from followup.intake import batch as intake_batch
from followup.intake.batch import record_call_events
from followup.intake.cad_import import CsvFile, import_calls
from followup.intake.cad_mapping import MappingError, load_mapping
from followup.intake.calls import EventRejected, record_call_event
from followup.intake.schema import CallEvent
from followup.models import Agency, Call, FollowUp, FollowUpStatus
from tests.support.factories import call_event

DATA = Path(__file__).parents[1] / "data" / "cad"
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
    "open_calls": 0,
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
    lazy = Lazy()
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
        "open_calls": 0,
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


# The batch path (record_call_events, which the import uses) and the API's one-by-one path
# (record_call_event) on the same mixed rows, from the same database state.
OPTED_OUT, UNREACHABLE, SCHEDULED_BEFORE = "202-555-0150", "202-555-0151", "202-555-0152"
UPDATED_NUMBER, REOPENED_NUMBER, FRESH, SPANISH = (
    "202-555-0153",
    "202-555-0154",
    "202-555-0160",
    "202-555-0161",
)


def mixed_events() -> list[CallEvent]:
    def event(call_id, **overrides):
        return CallEvent.model_validate(call_event(call_id=call_id, **overrides))

    return [
        event("m-01", caller_phone=OPTED_OUT),  # opted_out
        event("m-02", caller_phone=UNREACHABLE),  # unreachable
        event("m-03", caller_phone=SCHEDULED_BEFORE),  # recently_contacted (scheduled before)
        event("m-04", caller_phone=FRESH, closed_at="2026-11-23T08:05:00-05:00"),  # scheduled
        event("m-05", caller_phone=FRESH),  # recently_contacted: m-04, earlier in the batch
        event("m-06", caller_phone=...),  # no_phone
        event("m-07", caller_phone="12345"),  # invalid_phone
        event("m-08", call_type="DV A/B I/P", caller_phone="202-555-0162"),  # sensitive
        event("m-09", self_initiated=True, caller_phone="202-555-0163"),  # self_initiated
        event("m-10", caller_phone=SPANISH, language="es-MX"),  # scheduled, in Spanish
        event("old-update", caller_phone=UPDATED_NUMBER, disposition="ADVISED"),  # updated
        event("m-11", caller_phone=REOPENED_NUMBER),  # recently_contacted: old-reopen scheduled
        event("old-reopen", caller_phone=REOPENED_NUMBER, status="reopened"),  # cancelled
        event("m-12", caller_phone=REOPENED_NUMBER),  # scheduled: the reopen freed the number
        event("m-13", caller_phone="202-555-0164"),  # scheduled
        event("m-13", caller_phone="202-555-0164", disposition="ADVISED"),  # updated, in batch
        event("old-dup", caller_phone="202-555-0165"),  # duplicate
        event("m-14", caller_phone="202-555-0166", status="reopened"),  # call_reopened
        event("m-15", closed_at="2026-11-24T09:30:00-05:00"),  # rejected: in the future
        event("m-16", caller_phone="202-555-0167", closed_at="2026-11-01T09:30:00-05:00"),  # old
        event("m-17", caller_phone="202-555-0168", closed_at="2026-11-23T09:55:00-05:00"),
    ]


def seed_before(services):
    """Committed state the rows meet: contacts, and calls recorded earlier through the API path."""
    now = services.clock.now()
    with services.db.begin() as session:
        agency = session.scalar(select(Agency))
        contacts.opt_out(session, agency.id, "+12025550150", source="reply", now=now)
        contacts.get_or_create(session, agency.id, "+12025550151", now=now).unreachable_code = 30004
        for call_id, phone in (
            ("old-sched", SCHEDULED_BEFORE),
            ("old-update", UPDATED_NUMBER),
            ("old-reopen", REOPENED_NUMBER),
            ("old-dup", "202-555-0165"),
        ):
            event = CallEvent.model_validate(call_event(call_id=call_id, caller_phone=phone))
            record_call_event(session, agency, event, now=now)


def outcomes(session, results) -> tuple[list, dict]:
    """Per row: what happened and the check-in it left; per call: its check-in at the end."""
    rows = []
    for result in results:
        if isinstance(result, EventRejected):
            rows.append(("rejected", [e.field for e in result.errors]))
        else:
            followup = result.followup
            kind = "duplicate" if not result.changed else "new" if result.created else "updated"
            rows.append((kind, followup.status, followup.reason, followup.send_at))
    calls = {
        call.external_id: (
            call.followup.status,
            call.followup.reason,
            call.followup.send_at,
            call.followup.language,
            call.followup.phone,
            call.fingerprint,
        )
        for call in session.scalars(select(Call))
    }
    return rows, calls


def test_batch_and_one_by_one_make_the_same_decisions(services):
    seed_before(services)
    events, now = mixed_events(), services.clock.now()

    with services.db.Session() as session:
        agency = session.scalar(select(Agency))
        one_by_one = []
        for event in events:
            try:
                one_by_one.append(record_call_event(session, agency, event, now=now))
            except EventRejected as exc:
                one_by_one.append(exc)
        session.flush()
        expected_rows, expected_calls = outcomes(session, one_by_one)
        session.rollback()
    with services.db.Session() as session:
        agency = session.scalar(select(Agency))
        batch = record_call_events(session, agency, events, now=now)
        session.flush()
        rows, calls = outcomes(session, batch)
        session.rollback()

    assert rows == expected_rows
    assert calls == expected_calls
    # The mix covers what it is meant to (else agreeing would prove little).
    reasons = [row[2] if row[0] != "rejected" else "rejected" for row in rows]
    assert reasons[:10] == [
        "opted_out",
        "unreachable",
        "recently_contacted",
        None,
        "recently_contacted",
        "no_phone",
        "invalid_phone",
        "sensitive_call_type",
        "self_initiated",
        None,
    ]
    assert [row[0] for row in rows[10:17]] == [
        "updated",
        "new",
        "updated",
        "new",
        "new",
        "updated",
        "duplicate",
    ]
    assert reasons[11:14] == ["recently_contacted", "call_reopened", None]
    assert reasons[17:] == ["call_reopened", "rejected", "too_old", None]
    assert calls["old-reopen"][0] == FollowUpStatus.CANCELLED
    assert calls["m-10"][3] == "es"
    assert len({row[3] for row in rows if row[0] == "new" and row[3] is not None}) >= 2


def test_a_batch_of_new_calls_takes_a_few_statements_not_some_per_row(services):
    events = [
        CallEvent.model_validate(
            call_event(call_id=f"s-{i:03d}", caller_phone=f"202-555-01{i:02d}")
        )
        for i in range(100)
    ]
    statements = []
    with services.db.Session() as session:
        agency = session.scalar(select(Agency))
        listen = lambda *args: statements.append(1)  # noqa: E731
        sa_event.listen(session.get_bind(), "before_cursor_execute", listen)
        try:
            results = record_call_events(session, agency, events, now=services.clock.now())
        finally:
            sa_event.remove(session.get_bind(), "before_cursor_execute", listen)
        session.commit()

    assert [r.followup.status for r in results].count(FollowUpStatus.SCHEDULED) == 100
    assert len(statements) <= 12
    assert stored(services.db) == {"calls": 100, "followups": 100, "scheduled": 100}


def test_a_call_inserted_since_the_batch_looked_it_up_falls_back_to_one_by_one(
    services, monkeypatch
):
    # Another writer (the API) recorded old-dup after the batch read which calls exist: the
    # batch's INSERT meets the unique index, keeps none of its new rows and redoes them singly.
    seed_before(services)
    monkeypatch.setattr(intake_batch, "_calls_with_followups", lambda *args: {})
    events = [
        CallEvent.model_validate(call_event(call_id="late-1", caller_phone="202-555-0170")),
        CallEvent.model_validate(call_event(call_id="old-dup", caller_phone="202-555-0165")),
    ]
    with services.db.Session() as session:
        agency = session.scalar(select(Agency))
        results = record_call_events(session, agency, events, now=services.clock.now())
        session.commit()

    assert [(r.changed, r.created) for r in results] == [(True, True), (False, False)]
    assert results[0].followup.status == FollowUpStatus.SCHEDULED
    assert stored(services.db)["calls"] == 5  # the 4 seeded and late-1, old-dup once


def test_a_row_closed_in_year_one_or_past_retention_is_rejected_and_the_rest_imported(
    services, tmp_path
):
    mapping = tmp_path / "mapping.toml"
    shutil.copyfile(DATA / "mapping.toml", mapping)
    header = (
        "Incident No,Call Type,Disposition,Closed,RP Phone,RP Name,Lang,District,Beat,Unit,"
        "Officer,OI,DNC"
    )
    rows = [
        "26-9001,THEFT,REPORT TAKEN,01/01/0001 00:00,202-555-0141,,,North,N1,1A,1,N,N",
        "26-9002,THEFT,REPORT TAKEN,01/05/2020 10:00,202-555-0142,,,North,N1,1A,1,N,N",
        "26-9003,THEFT,REPORT TAKEN,11/23/2026 09:30,202-555-0143,,,North,N1,1A,1,N,N",
    ]
    export = tmp_path / "old.csv"
    export.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    source = CsvFile.open(export, load_mapping(mapping))
    report = import_calls(
        services.db, services.settings.agency_slug, source, clock=services.clock
    )

    assert [r.line for r in report.rejected] == [2, 3]
    assert all(r.error.startswith("closed_at") for r in report.rejected)
    assert "365 days" in report.rejected[1].error
    assert stored(services.db)["calls"] == 1
