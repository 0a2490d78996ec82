"""Retention: old numbers, names and words are removed; rows, aggregates and opt-outs stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from followup.cli import main
from followup.models import (
    Agency,
    AuditEvent,
    Call,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackStatus,
    Contact,
    Conversation,
    FollowUp,
    Message,
    TriageCorrection,
)
from followup.retention import PurgeError, purge, purge_if_due
from followup.sending.scheduler import build_scheduler
from followup.staff import users
from tests.conftest import NOW
from tests.support.retention_seed import checkin
from tests.support.web import PASSWORD

OLD = NOW - timedelta(days=400)  # past the default 365 days
RECENT = NOW - timedelta(days=30)


def add_contact(session, agency_id, phone, at, *, opted_out: bool) -> None:
    session.add(
        Contact(
            agency_id=agency_id,
            phone=phone,
            opted_out_at=at if opted_out else None,
            opt_out_source="reply" if opted_out else None,
            updated_at=at,
        )
    )


def add_note(session, callback_id, user_id, at, note) -> None:
    session.add(
        CallbackEvent(
            callback_id=callback_id,
            user_id=user_id,
            kind=CallbackEventKind.NOTE,
            note=note,
            created_at=at,
        )
    )


def add_correction(session, agency_id, message_id, user_id, note) -> None:
    at = OLD if note.startswith("old") else RECENT
    session.add(
        TriageCorrection(
            agency_id=agency_id,
            message_id=message_id,
            user_id=user_id,
            created_at=at,
            engine_category="unresolved",
            engine_urgent=False,
            engine_opt_out=False,
            engine_callback=True,
            category="neutral",
            urgent=False,
            opt_out=False,
            stopped_texts=False,
            note=note,
        )
    )


@pytest.fixture
def seeded(db, clock) -> dict:
    """Old and recent check-ins with replies, callbacks, notes and contacts."""
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        user = users.create_user(session, agency, "cmdr", "commander", PASSWORD, now=OLD)
        session.flush()
        ids = {
            "old": checkin(
                session,
                agency.id,
                OLD,
                "+12025550111",
                category="unresolved",
                rating=2,
                callback=CallbackStatus.RESOLVED,
            ),
            "old_quiet": checkin(session, agency.id, OLD, "+12025550112", reply=None),
            "old_open": checkin(
                session,
                agency.id,
                OLD,
                "+12025550113",
                category="unresolved",
                callback=CallbackStatus.OPEN,
            ),
            "recent": checkin(
                session,
                agency.id,
                RECENT,
                "+12025550114",
                category="unresolved",
                rating=3,
                callback=CallbackStatus.RESOLVED,
            ),
        }
        add_note(session, ids["old"]["callback"], user.id, OLD, "Spoke with Alex at 202-555-0111")
        add_note(session, ids["old_open"]["callback"], user.id, OLD, "Left a voicemail")
        add_note(session, ids["recent"]["callback"], user.id, RECENT, "Called back, all fine")
        for name in ("old", "old_open", "recent"):
            add_correction(session, agency.id, ids[name]["inbound"], user.id, f"{name}: Alex")
        add_contact(session, agency.id, "+12025550111", OLD, opted_out=True)
        add_contact(session, agency.id, "+12025550112", OLD, opted_out=False)
        add_contact(session, agency.id, "+12025550114", RECENT, opted_out=False)
    return ids


def personal(db) -> dict:
    """Every personal field, by table and row id."""
    with db.Session() as s:
        return {
            "messages": {
                m.id: (m.phone, m.body, m.reply_body, list(m.media_urls or []))
                for m in s.scalars(select(Message))
            },
            "calls": {c.id: (c.caller_phone, c.caller_name) for c in s.scalars(select(Call))},
            "followups": {f.id: f.phone for f in s.scalars(select(FollowUp))},
            "conversations": {c.id: c.phone for c in s.scalars(select(Conversation))},
            "notes": {e.id: e.note for e in s.scalars(select(CallbackEvent))},
            "correction_notes": sorted(c.note or "" for c in s.scalars(select(TriageCorrection))),
            "contacts": sorted(c.phone for c in s.scalars(select(Contact))),
        }


def aggregates(db) -> dict:
    """What reports read: counts, statuses, ratings, categories, triage, outcomes."""
    with db.Session() as s:
        return {
            "rows": {
                model.__tablename__: s.scalar(select(func.count()).select_from(model))
                for model in (Call, FollowUp, Message, Conversation, Callback, CallbackEvent)
            },
            "followups": sorted((f.id, f.status, f.reason) for f in s.scalars(select(FollowUp))),
            "messages": sorted(
                (m.id, m.direction, m.status, m.category, json.dumps(m.triage, sort_keys=True))
                for m in s.scalars(select(Message))
            ),
            "ratings": sorted((c.id, c.rating) for c in s.scalars(select(Conversation))),
            "callbacks": sorted((c.id, c.status, c.priority) for c in s.scalars(select(Callback))),
            "calls": sorted((c.id, c.call_type, c.district) for c in s.scalars(select(Call))),
        }


def purge_audits(db) -> list[AuditEvent]:
    with db.Session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "purge")))


def test_purge_removes_old_numbers_names_and_words_and_keeps_recent_ones(db, clock, seeded):
    before = personal(db)
    purge(db, clock)
    after = personal(db)

    old, quiet, recent = seeded["old"], seeded["old_quiet"], seeded["recent"]
    for message_id in (old["outbound"], old["inbound"], quiet["outbound"]):
        assert after["messages"][message_id] == ("", "", None, [])
    for row in (old, quiet):
        assert after["calls"][row["call"]] == (None, None)
        assert after["followups"][row["followup"]] is None
    assert after["conversations"][old["conversation"]] == ""
    for message_id in (recent["outbound"], recent["inbound"]):
        assert after["messages"][message_id] == before["messages"][message_id]
        assert after["messages"][message_id][0] == "+12025550114"
    assert after["calls"][recent["call"]] == ("+12025550114", "Alex Rivera")
    assert after["followups"][recent["followup"]] == "+12025550114"
    assert after["conversations"][recent["conversation"]] == "+12025550114"
    notes = sorted(note for note in after["notes"].values() if note)
    assert notes == ["Called back, all fine", "Left a voicemail"]  # the old resolved one is gone
    # The same for notes on corrections of triage (the correction itself stays).
    assert after["correction_notes"] == ["", "old_open: Alex", "recent: Alex"]


def test_purge_keeps_rows_counts_ratings_categories_and_outcomes(db, clock, seeded):
    before = aggregates(db)
    purge(db, clock)
    assert aggregates(db) == before


def test_purge_keeps_the_opt_out_list_and_drops_other_old_contacts(db, clock, seeded):
    purge(db, clock)
    # +…0111 said STOP 400 days ago: kept, or its next call would text it again.
    assert personal(db)["contacts"] == ["+12025550111", "+12025550114"]
    with db.Session() as s:
        kept = s.scalar(select(Contact).where(Contact.phone == "+12025550111"))
        assert kept.opted_out_at is not None


def test_an_unresolved_callback_keeps_its_numbers_until_it_is_resolved(db, clock, seeded):
    held = seeded["old_open"]
    [report] = purge(db, clock)
    assert report.held == 1
    after = personal(db)
    assert after["conversations"][held["conversation"]] == "+12025550113"
    assert after["messages"][held["inbound"]][0] == "+12025550113"
    assert after["messages"][held["outbound"]][0] == "+12025550113"
    assert after["calls"][held["call"]][0] == "+12025550113"

    with db.begin() as s:
        s.execute(
            update(Callback)
            .where(Callback.id == held["callback"])
            .values(status=CallbackStatus.RESOLVED, resolved_at=NOW)
        )
    clock.advance(days=1)
    [report] = purge(db, clock)
    assert report.held == 0
    assert personal(db)["conversations"][held["conversation"]] == ""


def test_a_dry_run_counts_what_a_purge_removes_and_changes_nothing(db, clock, seeded):
    before = personal(db)
    [dry] = purge(db, clock, dry_run=True)
    assert personal(db) == before
    assert purge_audits(db) == []
    assert dry.dry_run and "would remove" in str(dry)

    [real] = purge(db, clock)
    assert real.counts == dry.counts
    assert real.counts == {
        "messages": 3,  # the old reply, its check-in, and the check-in nobody answered
        "calls": 2,
        "followups": 2,
        "case_updates": 0,
        "conversations": 1,
        "callback_events": 1,
        "triage_corrections": 1,
        "contacts": 1,
        "case_links": 0,
    }


def test_purge_is_idempotent(db, clock, seeded):
    purge(db, clock)
    after_first = personal(db)
    [second] = purge(db, clock)
    assert second.total == 0
    assert personal(db) == after_first


def test_each_purge_is_audited_with_counts_and_no_numbers(db, clock, seeded):
    purge(db, clock, actor="cli")
    [event] = purge_audits(db)
    assert event.username == "cli" and event.object_type == "agency"
    assert event.detail["removed"]["messages"] == 3
    assert event.detail["retention_days"] == 365
    assert "555" not in json.dumps(event.detail)


def test_a_retention_shorter_than_the_rules_need_is_raised_to_the_frequency_cap(db, clock):
    with db.begin() as s:
        agency = s.scalar(select(Agency))
        agency.retention_days, agency.frequency_cap_days = 3, 30
        ten_days = checkin(s, agency.id, NOW - timedelta(days=10), "+12025550121")
        forty_days = checkin(s, agency.id, NOW - timedelta(days=40), "+12025550122")
    [report] = purge(db, clock)
    assert (report.configured_days, report.retention_days) == (3, 30)
    after = personal(db)
    # The cap reads follow-ups' numbers: a 10-day-old one kept means no second text in 30 days.
    assert after["followups"][ten_days["followup"]] == "+12025550121"
    assert after["followups"][forty_days["followup"]] is None


def test_purge_of_one_agency_leaves_the_others_alone(db, clock, seeded):
    with db.begin() as s:
        other = Agency(slug="eastlake", name="Eastlake Police", created_at=OLD)
        s.add(other)
        s.flush()
        theirs = checkin(s, other.id, OLD, "+12025550131")
    purge(db, clock, agency_slug="default")
    assert personal(db)["followups"][theirs["followup"]] == "+12025550131"
    with pytest.raises(PurgeError, match="no agency 'nowhere'"):
        purge(db, clock, agency_slug="nowhere")


def test_the_daily_job_purges_each_agency_once_a_day(db, clock, seeded, sender):
    assert len(purge_if_due(db, clock)) == 1
    clock.advance(hours=5)
    assert purge_if_due(db, clock) == []  # a restart, or a second sender: not again
    clock.advance(hours=20)
    assert len(purge_if_due(db, clock)) == 1
    assert len(purge_audits(db)) == 2
    scheduler = build_scheduler(sender, 60, blocking=False)
    assert scheduler.get_job("purge") is not None


def test_the_purge_command_dry_run_and_its_errors(db, database_url, tmp_path):
    # The command reads the system clock: seed relative to it.
    now = datetime.now(UTC)
    with db.begin() as s:
        agency_id = s.scalar(select(Agency.id))
        row = checkin(s, agency_id, now - timedelta(days=400), "+12025550141")
    env = {
        "FOLLOWUP_DATABASE_URL": database_url,
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FOLLOWUP_SECRET_KEY": "test-secret",
    }
    runner = CliRunner()
    dry = runner.invoke(main, ["purge", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "default: would remove" in dry.output and "messages=2" in dry.output
    assert personal(db)["followups"][row["followup"]] == "+12025550141"

    unknown = runner.invoke(main, ["purge", "--agency", "nowhere"], env=env)
    assert unknown.exit_code != 0 and "no agency 'nowhere'" in unknown.output

    done = runner.invoke(main, ["purge", "--agency", "default"], env=env)
    assert done.exit_code == 0 and "default: removed" in done.output
    assert personal(db)["followups"][row["followup"]] is None
    assert "555" not in dry.output + done.output
