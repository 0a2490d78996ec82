"""Operator commands for replies: callbacks, conversations, the roster, agency settings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from followup.models import Agency, RosterMember
from tests.http.test_simulator import PHONE, checked_in, reply


def test_callbacks_list_shows_priority_due_time_call_and_reply(cli, client, api, sender, clock):
    checked_in(api, sender, clock)
    reply(client, "the officer was rude and nothing was done")

    [line] = cli("callbacks", "list", "--json").stdout.splitlines()
    item = json.loads(line)

    assert item["priority"] == "normal" and item["status"] == "open"
    assert item["call_id"] == "SIM-1"
    assert item["reply"] == "the officer was rude and nothing was done"
    assert datetime.fromisoformat(item["due_by"]) == clock.now() + timedelta(hours=24)
    assert cli("callbacks", "list", "--status", "resolved").stdout.strip() == "No callbacks."


def test_conversations_show_prints_every_text_with_its_triage(cli, client, api, sender, clock):
    checked_in(api, sender, clock)
    reply(client, "5 thank you")
    reply(client, "officer Diaz was great")

    out = cli("conversations", "show", "SIM-1").stdout

    assert "follow-up sent" in out and PHONE not in out  # masked without --show-numbers
    assert "[positive] 5 thank you" in out
    assert "rating 5" in out and "closed" in out
    assert out.index("This is Westlake Police") < out.index("5 thank you") < out.index("Diaz")
    assert PHONE in cli("conversations", "show", "SIM-1", "--show-numbers").stdout


def test_conversations_show_of_an_unknown_call_fails_clearly(cli):
    result = cli("conversations", "show", "NOPE", ok=False)

    assert result.exit_code == 1 and "no call 'NOPE'" in result.output


def test_the_roster_is_managed_from_the_command_line(cli, db):
    cli("roster", "add", "--name", "Sgt. Lee", "--phone", "(202) 555-0177")
    cli("roster", "duty", "1", "off")

    with db.Session() as session:
        member = session.scalar(select(RosterMember))
    assert (member.name, member.phone, member.on_duty) == ("Sgt. Lee", "+12025550177", False)
    assert "••••••••••77\toff duty" in cli("roster", "list").stdout
    assert cli("roster", "add", "--name", "X", "--phone", "555", ok=False).exit_code == 1
    cli("roster", "remove", "1")
    assert cli("roster", "list").stdout == ""


def test_agency_configure_sets_reply_settings_and_refuses_bad_ones(cli, db):
    out = cli(
        "agency",
        "configure",
        "--sms-number",
        "202-555-0100",
        "--sla-urgent",
        "10m",
        "--reply-window",
        "3d",
        "--alert-url",
        "https://alerts.example.org/h",
        "--alert-secret",
        "k",
        "--advanced-opt-out",
    ).stdout

    with db.Session() as session:
        agency = session.scalar(select(Agency))
    assert (agency.sms_number, agency.sla_urgent_minutes, agency.reply_window_hours) == (
        "+12025550100",
        10,
        72,
    )
    assert agency.advanced_opt_out and "(signed)" in out
    assert cli("agency", "configure", "--alert-url", "ftp://x", ok=False).exit_code == 1
    assert cli("agency", "configure", "--sla-high", "soon", ok=False).exit_code == 1


def test_agency_configure_turns_each_purpose_of_text_on_or_off(cli, db):
    out = cli(
        "agency", "configure", "--no-confirmation-texts", "--delay-threshold", "20m",
        "--delay-rules", "priority 1 = 10m; BURGLARY = 45m", "--case-update-texts",
    ).stdout

    assert "texts: confirmation off, delay on after 20m (2 other thresholds)" in out
    assert "case updates on" in out
    assert cli("agency", "configure", "--delay-threshold", "soon", ok=False).exit_code == 1
