"""`followup calltypes list|decide|hold`: the call-type register from the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from followup.core.clock import SystemClock
from followup.models import Agency, AuditEvent, CallType
from tests.support.factories import followup_for


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch, clock):
    """The command reads the test's clock, as the API and the sender do (time is injected)."""
    monkeypatch.setattr(SystemClock, "now", lambda self: clock.now())


def test_list_shows_each_label_its_count_verdict_why_and_decision(cli, api):  # noqa: F811
    api.post_call(call_id="1", call_type="HARASSMENT")
    api.post_call(call_id="2", call_type="BURGLARY", caller_phone="202-555-0131")
    api.post_call(call_id="3", call_type="burglary", caller_phone="202-555-0132")

    result = cli("calltypes", "list")
    as_json = [json.loads(line) for line in cli("calltypes", "list", "--json").stdout.splitlines()]

    first, second = result.stdout.splitlines()
    assert first.split()[:4] == ["2", "ordinary", "unreviewed", "BURGLARY"]
    assert "harassment or unwanted contact" in second and "never texted" in second
    assert "2 labels, 2 not reviewed." in result.stderr
    assert [(item["label"], item["count"], item["builtin"]) for item in as_json] == [
        ("BURGLARY", 2, "ordinary"),
        ("HARASSMENT", 1, "sensitive"),
    ]
    assert as_json[1]["why"].startswith("harassment or unwanted contact")
    assert as_json[0]["decision"] == "unreviewed" and as_json[0]["decided_by"] is None


def test_decide_marks_a_label_sensitive_is_audited_and_takes_effect(cli, api, db, clock):  # noqa: F811
    api.post_call(call_id="a", call_type="LOST PROPERTY")

    result = cli("calltypes", "decide", "lost property", "sensitive")

    assert result.stdout == "LOST PROPERTY: sensitive. no check-ins were waiting for it.\n"
    later = api.post_call(call_id="b", call_type="LOST PROPERTY", caller_phone="202-555-0133")
    assert later.json["followup"]["reason"] == "marked_sensitive"
    [item] = [json.loads(line) for line in cli("calltypes", "list", "--json").stdout.splitlines()]
    assert (item["decision"], item["decided_by"]) == ("sensitive", "cli")
    assert item["next_call"] == "never texted: marked sensitive"
    with db.Session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "call_type_decided"))
    assert event.username == "cli" and event.detail["label"] == "LOST PROPERTY"
    assert item["decided_at"] == clock.now().isoformat()


def test_decide_refuses_an_unknown_label_or_choice_and_changes_nothing(cli, api, db):  # noqa: F811
    api.post_call(call_id="a", call_type="NOISE")

    unknown = cli("calltypes", "decide", "NEVER SENT", "sensitive", ok=False)
    bad = cli("calltypes", "decide", "NOISE", "maybe", ok=False)

    assert unknown.exit_code != 0 and "'NEVER SENT' is not in the register" in unknown.output
    assert bad.exit_code != 0 and "confirm" in bad.output and "ordinary" in bad.output
    with db.Session() as session:
        assert session.scalar(select(CallType)).decision == "unreviewed"


def test_hold_on_holds_unreviewed_labels_and_off_releases_them(cli, api, db):  # noqa: F811
    assert "now wait for a decision" in cli("calltypes", "hold", "on").stdout
    assert cli("calltypes", "hold", "on").stdout == "Holding was already on.\n"

    held = api.post_call(call_id="h", call_type="BURGLARY")
    assert (held.json["followup"]["status"], held.json["followup"]["reason"]) == (
        "held",
        "unreviewed_call_type",
    )
    assert "BURGLARY" in cli("calltypes", "list", "--unreviewed").stdout
    assert "held until reviewed" in cli("calltypes", "list").stdout

    off = cli("calltypes", "hold", "off")

    assert off.stdout == "Holding is off: 1 held check-in decided again: 1 scheduled.\n"
    assert followup_for(db, "h").status == "scheduled"
    with db.Session() as session:
        assert session.scalar(select(Agency)).hold_unreviewed_call_types is False
