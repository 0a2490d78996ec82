"""The call-type register: every label counted as calls come in, IT's decision overriding the
built-in list, and the agency option that holds check-ins for labels nobody has reviewed."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from followup.agencies import settings as agency_settings
from followup.core import migrate
from followup.eligibility import call_type_register, contacts
from followup.intake.batch import record_call_events
from followup.intake.schema import CallEvent
from followup.models import Agency, AuditEvent, CallType
from tests.support.factories import call_event, followup_for


def set_agency(db, **values):
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        for name, value in values.items():
            setattr(agency, name, value)


def registered(db) -> dict[str, tuple[str, int]]:
    """key: (label as first received, count)."""
    with db.Session() as session:
        return {row.key: (row.label, row.count) for row in session.scalars(select(CallType))}


def decide(db, clock, label: str, choice: str, actor: str = "it-lee"):
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        row = call_type_register.find(session, agency, label)
        return call_type_register.decide(session, agency, row, choice, actor=actor, now=clock.now())


def status_of(response) -> tuple[str, str | None]:
    assert response.status_code in (200, 202), response.json
    return response.json["followup"]["status"], response.json["followup"]["reason"]


# --- counting ---------------------------------------------------------------------------------


def test_each_label_is_counted_once_per_call_matched_without_case_or_spaces(api, db, clock):
    api.post_call(call_id="a", call_type="  Theft - Car Prowl ")
    api.post_call(call_id="b", call_type="THEFT -  CAR PROWL")
    clock.advance(hours=1)
    api.post_call(call_id="c", call_type="theft - car prowl", caller_phone="202-555-0131")
    api.post_call(call_id="d", call_type="NOISE")

    assert registered(db) == {
        "THEFT - CAR PROWL": ("Theft - Car Prowl", 3),
        "NOISE": ("NOISE", 1),
    }
    with db.Session() as session:
        row = session.scalar(select(CallType).where(CallType.key == "THEFT - CAR PROWL"))
    assert row.last_seen_at - row.first_seen_at == timedelta(hours=1)
    assert row.decision == "unreviewed" and row.decided_by is None


def test_the_same_event_again_counts_nothing_and_a_changed_label_counts_under_the_new_one(api, db):
    event = call_event(call_id="x", call_type="NOISE")
    api.post_call(event)
    api.post_call(event)
    api.post_call({**event, "disposition": "GONE ON ARRIVAL"})  # same label: not counted
    api.post_call({**event, "call_type": "LOUD PARTY"})

    assert registered(db) == {"NOISE": ("NOISE", 1), "LOUD PARTY": ("LOUD PARTY", 1)}


def test_a_batch_counts_its_labels_in_one_go_and_decides_with_the_register(db, clock):
    events = [
        CallEvent.model_validate(
            call_event(call_id=f"b{n}", call_type=label, caller_phone=f"202-555-01{40 + n}")
        )
        for n, label in enumerate(["NOISE", "noise", "HARASSMENT", "NOISE"])
    ]
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        agency.hold_unreviewed_call_types = True
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        session.add(
            CallType(
                agency_id=agency.id,
                key="HARASSMENT",
                label="HARASSMENT",
                count=4,
                first_seen_at=clock.now(),
                last_seen_at=clock.now(),
                decision="ordinary",
            )
        )
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        results = record_call_events(session, agency, events, now=clock.now())
        outcomes = [(r.followup.status, r.followup.reason) for r in results]

    assert registered(db) == {"NOISE": ("NOISE", 3), "HARASSMENT": ("HARASSMENT", 5)}
    assert outcomes == [
        ("held", "unreviewed_call_type"),
        ("held", "unreviewed_call_type"),
        ("scheduled", None),  # marked ordinary: texted, although the built-in list skips it
        ("held", "unreviewed_call_type"),
    ]


# --- decisions override the built-in list ---------------------------------------------------


def test_marking_a_label_sensitive_skips_its_next_call_with_its_own_reason(api, db, clock):
    api.post_call(call_id="first", call_type="LOST PROPERTY")
    decide(db, clock, "lost property", "sensitive")

    response = api.post_call(
        call_id="second", call_type="Lost Property", caller_phone="202-555-0132"
    )

    assert status_of(response) == ("skipped", "marked_sensitive")


def test_a_scheduled_check_in_is_skipped_at_send_time_once_its_label_is_marked_sensitive(
    api, db, clock, sender, gateway
):
    response = api.post_call(call_id="s", call_type="LOST PROPERTY")
    decide(db, clock, "LOST PROPERTY", "sensitive")
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()

    followup = followup_for(db, "s")
    assert (followup.status, followup.reason) == ("skipped", "marked_sensitive")
    assert gateway.sent == []


def test_marking_a_label_ordinary_texts_what_the_built_in_list_skips(api, db, clock):
    assert status_of(api.post_call(call_id="h1", call_type="HARASSMENT")) == (
        "skipped",
        "sensitive_call_type",
    )
    decide(db, clock, "HARASSMENT", "ordinary")

    response = api.post_call(call_id="h2", call_type="HARASSMENT", caller_phone="202-555-0133")

    assert status_of(response) == ("scheduled", None)
    assert followup_for(db, "h1").status == "skipped"  # a skip is never undone


def test_the_agencys_own_patterns_still_apply_to_a_label_marked_ordinary(api, db, clock):
    api.post_call(call_id="p1", call_type="10-16 PHYSICAL")
    decide(db, clock, "10-16 PHYSICAL", "ordinary")
    set_agency(db, sensitive_patterns=["10-16"])

    response = api.post_call(call_id="p2", call_type="10-16 PHYSICAL", caller_phone="202-555-0134")

    assert status_of(response) == ("skipped", "sensitive_call_type")


def test_confirming_keeps_the_built_in_verdict_either_way(api, db, clock):
    api.post_call(call_id="c1", call_type="DV A/B I/P")
    api.post_call(call_id="c2", call_type="NOISE", caller_phone="202-555-0135")
    decide(db, clock, "DV A/B I/P", "confirm")
    decide(db, clock, "NOISE", "confirm")

    sensitive = api.post_call(call_id="c3", call_type="DV A/B I/P", caller_phone="202-555-0136")
    ordinary = api.post_call(call_id="c4", call_type="NOISE", caller_phone="202-555-0137")

    assert status_of(sensitive) == ("skipped", "sensitive_call_type")
    assert status_of(ordinary) == ("scheduled", None)


def test_each_decision_is_audited_with_who_decided_and_when(api, db, clock):
    api.post_call(call_id="a1", call_type="NOISE")
    decide(db, clock, "NOISE", "sensitive", actor="cli")

    with db.Session() as session:
        row = session.scalar(select(CallType))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "call_type_decided"))
    assert (row.decision, row.decided_by, row.decided_at) == ("sensitive", "cli", clock.now())
    assert event.object_id == row.id and event.username == "cli"
    assert event.detail == {"label": "NOISE", "decision": "sensitive", "before": "unreviewed"}


def test_a_bad_decision_changes_nothing(api, db, clock):
    api.post_call(call_id="bad", call_type="NOISE")

    for label, choice in (("NOISE", "maybe"), ("NOT SENT YET", "sensitive")):
        with pytest.raises(call_type_register.DecisionRejected):
            decide(db, clock, label, choice)

    with db.Session() as session:
        assert session.scalar(select(CallType)).decision == "unreviewed"
        assert (
            session.scalar(select(AuditEvent).where(AuditEvent.action == "call_type_decided"))
            is None
        )


# --- holding unreviewed labels ----------------------------------------------------------------


def test_the_hold_is_off_by_default_and_holds_only_what_would_be_texted(api, db):
    assert status_of(api.post_call(call_id="n0", call_type="NOISE")) == ("scheduled", None)
    set_agency(db, hold_unreviewed_call_types=True)

    held = api.post_call(call_id="n1", call_type="BURGLARY", caller_phone="202-555-0138")
    sensitive = api.post_call(call_id="n2", call_type="OVERDOSE", caller_phone="202-555-0139")
    no_phone = api.post_call(call_id="n3", call_type="BURGLARY", caller_phone=...)

    assert status_of(held) == ("held", "unreviewed_call_type")
    assert held.json["followup"]["send_at"] is None
    assert status_of(sensitive) == ("skipped", "sensitive_call_type")
    assert status_of(no_phone) == ("skipped", "no_phone")


def test_a_reviewed_label_is_not_held(api, db, clock):
    api.post_call(call_id="r1", call_type="BURGLARY")
    decide(db, clock, "BURGLARY", "confirm")
    set_agency(db, hold_unreviewed_call_types=True)

    response = api.post_call(call_id="r2", call_type="BURGLARY", caller_phone="202-555-0140")

    assert status_of(response) == ("scheduled", None)


def test_the_sender_never_sends_a_held_check_in(api, db, clock, sender, gateway):
    set_agency(db, hold_unreviewed_call_types=True)
    api.post_call(call_id="w", call_type="BURGLARY")
    clock.advance(days=1)
    sender.sweep()

    assert gateway.sent == [] and followup_for(db, "w").status == "held"


def test_a_decision_releases_the_held_check_ins_of_its_label(api, db, clock, sender, gateway):
    set_agency(db, hold_unreviewed_call_types=True)
    api.post_call(call_id="h-a", call_type="BURGLARY", caller_phone="202-555-0141")
    api.post_call(call_id="h-b", call_type="burglary", caller_phone="202-555-0142")
    api.post_call(call_id="h-c", call_type="NOISE", caller_phone="202-555-0143")
    clock.advance(hours=5)

    released = decide(db, clock, "BURGLARY", "confirm")

    assert released == {"scheduled": 2}
    a, b, c = (followup_for(db, call_id) for call_id in ("h-a", "h-b", "h-c"))
    assert (a.status, a.reason, b.status) == ("scheduled", None, "scheduled")
    assert a.send_at == clock.now()  # the delay has passed: due at once
    assert c.status == "held"  # another label waits for its own decision
    sender.sweep()
    assert len(gateway.sent) == 2


def test_released_check_ins_follow_the_rules_as_they_are_now(api, db, clock):
    set_agency(db, hold_unreviewed_call_types=True)
    api.post_call(call_id="old", call_type="BURGLARY", caller_phone="202-555-0144")
    api.post_call(call_id="twin1", call_type="NOISE", caller_phone="202-555-0145")
    api.post_call(call_id="twin2", call_type="NOISE", caller_phone="202-555-0145")
    api.post_call(call_id="marked", call_type="PARKING", caller_phone="202-555-0146")
    clock.advance(days=8)  # past the maximum age of 7 days

    assert decide(db, clock, "BURGLARY", "ordinary") == {"too_old": 1}
    clock.set(clock.now() - timedelta(days=7))
    assert decide(db, clock, "NOISE", "ordinary") == {"scheduled": 1, "recently_contacted": 1}
    assert decide(db, clock, "PARKING", "sensitive") == {"marked_sensitive": 1}
    assert followup_for(db, "old").reason == "too_old"
    assert followup_for(db, "marked").status == "skipped"


def test_turning_the_hold_off_releases_every_held_check_in(api, db, clock):
    set_agency(db, hold_unreviewed_call_types=True)
    api.post_call(call_id="o1", call_type="BURGLARY", caller_phone="202-555-0147")
    api.post_call(call_id="o2", call_type="NOISE", caller_phone="202-555-0148")
    released: Counter[str] = Counter()
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        changed = agency_settings.update(
            session,
            agency,
            {"hold_unreviewed_call_types": "off"},
            actor="cli",
            now=clock.now(),
            released=released,
        )

    assert changed == ["hold_unreviewed_call_types"] and released == {"scheduled": 2}
    assert {followup_for(db, c).status for c in ("o1", "o2")} == {"scheduled"}


def test_a_bad_hold_value_is_refused_and_changes_nothing(db, clock):
    with db.begin() as session, pytest.raises(agency_settings.RulesRejected) as refused:
        agency_settings.update(
            session,
            session.scalar(select(Agency)),
            {"hold_unreviewed_call_types": "maybe"},
            actor="cli",
            now=clock.now(),
        )

    assert refused.value.errors == {"hold_unreviewed_call_types": "on or off"}
    with db.Session() as session:
        assert session.scalar(select(Agency)).hold_unreviewed_call_types is False


def test_stop_and_a_reopened_call_cancel_held_check_ins(api, db, clock, agency):
    set_agency(db, hold_unreviewed_call_types=True)
    api.post_call(call_id="stop", call_type="BURGLARY", caller_phone="202-555-0149")
    reopened = call_event(call_id="again", call_type="BURGLARY", caller_phone="202-555-0150")
    api.post_call(reopened)
    with db.begin() as session:
        contacts.opt_out(session, agency.id, "+12025550149", source="reply", now=clock.now())
    api.post_call({**reopened, "status": "reopened"})

    assert (followup_for(db, "stop").status, followup_for(db, "stop").reason) == (
        "cancelled",
        "opted_out",
    )
    assert (followup_for(db, "again").status, followup_for(db, "again").reason) == (
        "cancelled",
        "call_reopened",
    )


def test_a_check_in_scheduled_before_the_hold_was_turned_on_waits_at_send_time(
    api, db, clock, sender, gateway
):
    response = api.post_call(call_id="before", call_type="BURGLARY")
    set_agency(db, hold_unreviewed_call_types=True)
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()

    followup = followup_for(db, "before")
    assert (followup.status, followup.reason, gateway.sent) == (
        "held",
        "unreviewed_call_type",
        [],
    )
    assert decide(db, clock, "BURGLARY", "confirm") == {"scheduled": 1}


def test_the_register_says_why_and_what_happens_to_the_next_call(api, db, clock):
    set_agency(db, hold_unreviewed_call_types=True, sensitive_patterns=["10-16"])
    for n, label in enumerate(["HARASSMENT", "BURGLARY", "BURGLARY", "10-16 PHYS", "NOISE"]):
        api.post_call(call_id=f"r{n}", call_type=label, caller_phone=f"202-555-01{60 + n}")
    decide(db, clock, "NOISE", "sensitive")

    with db.Session() as session:
        agency = session.scalar(select(Agency))
        entries = {e.row.label: e for e in call_type_register.register(session, agency)}
        unreviewed = call_type_register.register(session, agency, unreviewed_only=True)

    burglary, harassment = entries["BURGLARY"], entries["HARASSMENT"]
    assert list(entries)[0] == "BURGLARY"  # most calls first
    assert (burglary.row.count, burglary.held, burglary.builtin_verdict) == (2, 2, "ordinary")
    assert burglary.outcome(agency) == "held until reviewed"
    assert harassment.builtin_verdict == "sensitive"
    assert harassment.why.startswith("harassment or unwanted contact")
    assert entries["10-16 PHYS"].outcome(agency).startswith("never texted: one of the agency")
    assert entries["NOISE"].outcome(agency) == "never texted: marked sensitive"
    assert {e.row.label for e in unreviewed} == {"HARASSMENT", "BURGLARY", "10-16 PHYS"}


# --- the migration ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """An empty database of its own (the migration goes up and down on it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    base = os.environ.get("FOLLOWUP_TEST_DATABASE_URL", "").strip()
    if not base:
        pytest.skip("PostgreSQL half skipped: set FOLLOWUP_TEST_DATABASE_URL")
    name = f"followup_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _triggers(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(conn.scalars(text(query)))


def _seed_calls_at_0011(engine) -> None:
    """Calls received before the register existed (the schema of 0011, in plain SQL)."""
    received = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agencies (id, slug, name, timezone, default_region,"
                " send_delay_seconds, quiet_hours, reply_window_hours, frequency_cap_days,"
                " max_age_days, default_language, sensitive_patterns, excluded_dispositions,"
                " created_at) VALUES (1, 'westlake', 'Westlake Police', 'America/New_York',"
                " 'US', 3600, '', 72, 30, 7, 'en', '[]', '[]', :at)"
            ),
            {"at": received},
        )
        for n, (label, hours) in enumerate(
            [("Burglary", 0), ("BURGLARY", 5), ("burglary ", 2), ("NOISE", 1)]
        ):
            conn.execute(
                text(
                    "INSERT INTO calls (agency_id, external_id, status, call_type, closed_at,"
                    " self_initiated, do_not_contact, fingerprint, received_at, updated_at)"
                    " VALUES (1, :id, 'closed', :label, :at, false, false, 'f', :at, :at)"
                ),
                {"id": f"M-{n}", "label": label, "at": received + timedelta(hours=hours)},
            )


def test_the_migration_registers_the_calls_already_received_and_goes_down_and_up_again(
    empty_url,
):
    config = migrate.alembic_config(empty_url)
    migrate.upgrade(empty_url, "0011")
    engine = create_engine(empty_url)
    try:
        _seed_calls_at_0011(engine)
        triggers = _triggers(engine)

        migrate.upgrade(empty_url, "0012")
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT key, label, count, first_seen_at, last_seen_at, decision"
                    " FROM call_types ORDER BY key"
                )
            ).all()
            hold = conn.scalar(text("SELECT hold_unreviewed_call_types FROM agencies"))
        burglary, noise = rows
        assert (burglary.key, burglary.count, noise.key, noise.count) == ("BURGLARY", 3, "NOISE", 1)
        assert burglary.label.strip().upper() == "BURGLARY"  # one of the spellings received
        assert {burglary.decision, noise.decision} == {"unreviewed"}
        span = _aware(burglary.last_seen_at) - _aware(burglary.first_seen_at)
        assert span == timedelta(hours=5)
        assert not hold  # the option is off for every agency
        assert _triggers(engine) == triggers  # the report triggers survive

        command.downgrade(config, "0011")
        assert "call_types" not in inspect(engine).get_table_names()
        agency_columns = {c["name"] for c in inspect(engine).get_columns("agencies")}
        assert "hold_unreviewed_call_types" not in agency_columns
        assert _triggers(engine) == triggers  # ... and the way down too

        migrate.upgrade(empty_url)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM call_types")) == 2
    finally:
        engine.dispose()


def _aware(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
