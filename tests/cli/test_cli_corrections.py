"""`followup triage corrections export`: commanders' corrections as labelled replies."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from followup.callbacks import corrections
from followup.cli import main
from followup.models import AuditEvent, Callback, User
from followup.replies.triage.evaluate import load_jsonl
from tests.support.web import flagged_reply, make_user

CALLER = "+12025550163"
KEYS = {"text", "cat", "flag", "urgent", "opt_out", "lang", "note"}



@pytest.fixture
def corrected(client, api, sender, clock, db):
    """A complaint a commander read as danger, with a note naming someone."""
    callback_id = flagged_reply(
        client, api, sender, clock, "nobody ever came, call me at 202-555-0189", CALLER
    )
    lee = make_user(db, clock, "lee", "commander", display_name="Lee Park")
    with db.begin() as session:
        callback = session.get(Callback, callback_id)
        corrections.correct(
            session,
            callback,
            callback.message_id,
            session.get(User, lee),
            "danger",
            note="Robin Diaz said he was outside",
            now=clock.now(),
        )


def test_export_writes_labelled_json_lines_with_no_one_named_in_them(cli, corrected, db):
    result = cli("triage", "corrections", "export")

    [line] = result.stdout.splitlines()
    row = json.loads(line)
    assert set(row) == KEYS
    assert row == {
        "text": "nobody ever came, call me at [number removed]",
        "cat": "crisis",
        "flag": True,
        "urgent": True,
        "opt_out": False,
        "lang": "en",
        "note": "correction by commander on 2026-11-23",
    }
    for personal in ("555", "Robin", "Diaz", "Lee", "lee", CALLER[-4:]):
        assert personal not in line
    assert load_jsonl([line]) == [row]  # `followup triage --eval` reads the file as it is
    assert "1 corrected reply exported" in result.stderr
    with db.Session() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_triage_corrections")
        )
    assert (event.username, event.detail["rows"], event.detail["to_file"]) == ("cli", 1, False)


def test_export_to_a_file_that_only_its_owner_reads(cli, corrected, tmp_path):
    target = tmp_path / "corrections.jsonl"

    cli("triage", "corrections", "export", "--agency", "default", "--output", str(target))

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    [row] = load_jsonl(target.read_text(encoding="utf-8").splitlines())
    assert row["cat"] == "crisis"


def test_since_and_agency_narrow_the_export(cli, corrected):
    export = ("triage", "corrections", "export")

    assert cli(*export, "--since", "2026-11-24").stdout == ""
    assert len(cli(*export, "--since", "2026-11-23").stdout.splitlines()) == 1
    assert len(cli(*export, "--agency", "default").stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--agency", "nope", "no agency with slug 'nope'"),
        ("--since", "yesterday", "'yesterday' does not match"),
        ("--since", "2026-13-01", "does not match"),
        ("--output", "{missing}/corrections.jsonl", "is not a folder"),
        ("--output", "{tmp}", "is a directory"),
    ],
)
def test_bad_input_fails_with_status_2_and_writes_nothing(
    cli, corrected, db, tmp_path, option, value, says
):
    folder = tmp_path / "exports"  # tmp_path also holds the SQLite database
    folder.mkdir()
    value = value.format(tmp=folder, missing=folder / "missing")
    output = ("--output", str(folder / "out.jsonl")) if option != "--output" else ()

    result = cli("triage", "corrections", "export", *output, option, value, ok=False)

    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert list(folder.iterdir()) == []
    with db.Session() as session:
        exports = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_triage_corrections")
        ).all()
    assert exports == []


def test_a_failed_write_leaves_the_previous_file_as_it_was(cli, corrected, tmp_path, monkeypatch):
    folder = tmp_path / "exports"  # tmp_path also holds the SQLite database
    folder.mkdir()
    target = folder / "corrections.jsonl"
    target.write_text("last week's export\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("followup.cli.triage.os.replace", disk_full)
    result = cli("triage", "corrections", "export", "--output", str(target), ok=False)

    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert target.read_text(encoding="utf-8") == "last week's export\n"
    assert [path.name for path in folder.iterdir()] == ["corrections.jsonl"]


def test_export_replaces_an_earlier_file_whole(cli, corrected, tmp_path):
    target = tmp_path / "corrections.jsonl"
    target.write_text("last week's export\n" * 50, encoding="utf-8")
    target.chmod(0o644)

    cli("triage", "corrections", "export", "--output", str(target))

    [row] = load_jsonl(target.read_text(encoding="utf-8").splitlines())
    assert row["cat"] == "crisis"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_triage_still_reads_replies_from_standard_input(settings):
    result = CliRunner().invoke(main, ["triage"], input="nobody ever came\n")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["category"] == "unresolved"
