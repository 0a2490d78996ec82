"""The file import maps the call's stages as the API does: `status` (through the mapping's own
words for it), `received_at`, `dispatched_at` and `arrived_at`, with the API's rules for each.

The test clock is Monday 2026-11-23 10:00 in New York. The export below, line by line (the
header is line 1):

  line  2  26-0101 RCVD 09:40                      new call, not closed: confirmation + delay
  line  3  26-0101 DISP 09:50                      updated: the delay text is cancelled
  line  4  26-0102 ONSCENE 09:30 (arrived only)    new call, not closed
  line  5  26-0103 CLR, every time given           check-in scheduled
  line  6  26-0104 CLR with no closing time        rejected: closed_at required
  line  7  26-0105 DISP with no dispatch time      rejected: dispatched_at required
  line  8  26-0106 "ENROUTE" (not a mapped word)   rejected: status word
  line  9  26-0107 RCVD tomorrow                   rejected: received_at in the future
  line 10  26-0101 CLR tomorrow                    rejected: changes nothing of 26-0101
  line 11  26-0103 RCVD 08:00, after it closed     duplicate: an earlier stage adds nothing
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from followup.intake.cad_import import CsvFile, import_calls
from followup.intake.cad_mapping import MappingError, parse_mapping
from followup.models import Call, FollowUp

MAPPING = {
    "columns": {
        "call_id": "Incident",
        "call_type": "Type",
        "status": "Status",
        "received_at": "Received",
        "dispatched_at": "Dispatched",
        "arrived_at": "Arrived",
        "closed_at": "Closed",
        "caller_phone": "Phone",
        "priority": "Pri",
    },
    "dates": {"format": "%m/%d/%Y %H:%M"},
    "statuses": {
        "received": ["RCVD", "PENDING"],
        "dispatched": ["DISP"],
        "arrived": ["ONSCENE"],
        "closed": ["CLR"],
    },
}
D = "11/23/2026"
ROWS = [
    "Incident,Type,Status,Received,Dispatched,Arrived,Closed,Phone,Pri",
    f"26-0101,NOISE COMPLAINT,rcvd,{D} 09:40,,,,202-555-0111,2",
    f"26-0101,NOISE COMPLAINT,DISP,{D} 09:40,{D} 09:50,,,202-555-0111,2",
    f"26-0102,THEFT - CAR PROWL,ONSCENE,,,{D} 09:30,,202-555-0112,",
    f"26-0103,THEFT - CAR PROWL,CLR,{D} 08:00,{D} 08:10,{D} 08:20,{D} 09:00,202-555-0113,3",
    "26-0104,THEFT - CAR PROWL,CLR,,,,,202-555-0114,",
    "26-0105,THEFT - CAR PROWL,DISP,,,,,202-555-0115,",
    f"26-0106,THEFT - CAR PROWL,ENROUTE,{D} 09:00,,,,202-555-0116,",
    "26-0107,THEFT - CAR PROWL,RCVD,11/24/2026 09:00,,,,202-555-0117,",
    "26-0101,NOISE COMPLAINT,CLR,,,,11/24/2026 09:00,202-555-0111,2",
    f"26-0103,THEFT - CAR PROWL,RCVD,{D} 08:00,,,,202-555-0113,3",
]


def run(services, tmp_path: Path, rows=ROWS, mapping=MAPPING):
    path = tmp_path / "stages.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return import_calls(
        services.db,
        services.settings.agency_slug,
        CsvFile.open(path, parse_mapping(mapping)),
        clock=services.clock,
    )


def texts(db, call_id: str) -> dict[str, tuple[str, str | None]]:
    with db.Session() as session:
        return {
            f.purpose: (str(f.status), f.reason)
            for f in session.scalars(
                select(FollowUp).join(Call, FollowUp.call_id == Call.id).where(
                    Call.external_id == call_id
                )
            )
        }


def test_stages_in_a_file_are_counted_as_the_api_decides_them(services, tmp_path):
    report = run(services, tmp_path)

    assert report.counts() == {
        "rows": 10,
        "scheduled": 1,  # 26-0103's check-in
        "skipped": {},
        "open_calls": 2,  # 26-0101 received, 26-0102 arrived
        "duplicates": 1,  # 26-0103 received, after it closed
        "updated": 1,  # 26-0101 dispatched
        "rejected": 5,
    }


def test_each_rejected_row_says_which_field_and_rule(services, tmp_path):
    report = run(services, tmp_path)

    errors = {r.line: r.error for r in report.rejected}
    assert errors == {
        6: "closed_at (column 'Closed'): is required when status is 'closed'",
        7: "dispatched_at (column 'Dispatched'): is required when status is 'dispatched'",
        8: "status (column 'Status'): is not one of the mapping's status words "
        "(clr, disp, onscene, pending, rcvd, reopened)",
        9: "received_at (column 'Received'): is in the future; send it once it has happened",
        10: "closed_at (column 'Closed'): is in the future; send it once it has happened",
    }


def test_stage_times_are_stored_and_the_texts_follow_them(services, tmp_path):
    run(services, tmp_path)

    with services.db.Session() as session:
        calls = {c.external_id: c for c in session.scalars(select(Call))}
    assert sorted(calls) == ["26-0101", "26-0102", "26-0103"]  # nothing of a rejected row
    first, second, third = calls["26-0101"], calls["26-0102"], calls["26-0103"]
    # 26-0101 stays dispatched: the rejected closing on line 10 changed nothing.
    assert (first.status, first.closed_at, first.priority) == ("dispatched", None, "2")
    assert first.created_at_cad.isoformat() == "2026-11-23T14:40:00+00:00"  # 09:40 EST
    assert first.dispatched_at.isoformat() == "2026-11-23T14:50:00+00:00"
    assert (second.status, second.arrived_at.isoformat()) == (
        "arrived",
        "2026-11-23T14:30:00+00:00",
    )
    assert third.status == "closed"
    assert [t.isoformat()[11:16] for t in (
        third.created_at_cad, third.dispatched_at, third.arrived_at, third.closed_at
    )] == ["13:00", "13:10", "13:20", "14:00"]
    assert texts(services.db, "26-0101") == {
        "confirmation": ("scheduled", None),
        "delay": ("cancelled", "call_dispatched"),
    }
    assert texts(services.db, "26-0102") == {}  # no received stage: nothing to confirm
    assert texts(services.db, "26-0103") == {"checkin": ("scheduled", None)}


def test_without_a_statuses_table_the_api_names_are_the_words(services, tmp_path):
    mapping = {key: value for key, value in MAPPING.items() if key != "statuses"}
    rows = [ROWS[0], f"26-0201,NOISE COMPLAINT,Received,{D} 09:45,,,,202-555-0121,"]
    rows.append(f"26-0202,NOISE COMPLAINT,RCVD,{D} 09:45,,,,202-555-0122,")

    report = run(services, tmp_path, rows, mapping)

    assert report.open_calls == 1
    assert [r.line for r in report.rejected] == [3]
    assert "arrived, closed, dispatched, received, reopened" in report.rejected[0].error


@pytest.mark.parametrize(
    ("statuses", "constants", "message"),
    [
        ({"received": ["RCVD"], "closed": ["rcvd"]}, {}, "'rcvd' is both a 'received'"),
        ({"opened": ["OPEN"]}, {}, "unknown key 'opened' in [statuses]"),
        ({"closed": "CLR"}, {}, "[statuses] closed must be a list of words"),
        ({}, {"status": "done"}, "[constants] status must be one of received, dispatched"),
    ],
)
def test_a_mapping_with_unusable_status_words_is_refused(statuses, constants, message):
    columns = {key: value for key, value in MAPPING["columns"].items() if key != "status"}
    raw = {"columns": columns, "statuses": statuses}
    if constants:
        raw["constants"] = constants
    else:
        raw["columns"] = MAPPING["columns"]

    with pytest.raises(MappingError, match=re.escape(message)):
        parse_mapping(raw)
