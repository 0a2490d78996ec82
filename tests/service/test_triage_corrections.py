"""Triage corrections as the domain keeps them: stored with triage's answer beside them, the
latest reading counts, labelled rows for training, and the reports' figures.

The seed goes through the real services (intake, the sender, the inbound path); the expected
numbers are counted by hand from it:

    call  closed (local)   reply                       triage       commanders' latest reading
    C1    11-02            "nobody ever came"          unresolved   neutral, then negative
    C2    11-03            "the officer was rude"      negative     confirmed (triage is right)
    C3    11-04            "3" then "when will a       neutral,     - ;
                           detective call me?"         question     "This was danger" (crisis)
    C4    10-20 (before    "1 terrible"                negative     positive (outside the period)
          the period)
    B1    (agency B)       "1 awful"                   negative     neutral (another agency's)
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from followup.agencies.registry import AgencySettings, create_agency
from followup.callbacks import corrections
from followup.callbacks.work import WorkError
from followup.intake.tokens import create_token
from followup.models import Agency, Callback, Message, Role, TriageCorrection, User
from followup.replies.triage.evaluate import load_jsonl
from followup.reports.figures import report_figures
from followup.reports.filters import parse_filter
from followup.staff import users
from tests.service.test_reports import Seed
from tests.support.factories import ApiClient
from tests.support.web import PASSWORD

B_NUMBER = "+12025550198"


def phone(n: int) -> str:
    return f"+120255501{n:02d}"


@pytest.fixture
def world(services, client, gateway, clock):
    """The seed above, uncorrected; returns ids by name."""
    now = clock.now()
    with services.db.begin() as session:
        a = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        b = create_agency(session, "eastport", AgencySettings(name="Eastport PD"), now=now)
        b.sms_number = B_NUMBER
        _, b_token = create_token(session, b, "cad", now=now)
        ids = {
            name: users.create_user(session, agency, name, role, PASSWORD, now=now).id
            for agency, name, role in (
                (a, "lee", Role.COMMANDER),
                (a, "vw", Role.VIEWER),
                (b, "east", Role.COMMANDER),
            )
        }
    seed = Seed(services, client, gateway, clock)
    api_a, api_b = ApiClient(client, "test-intake-token"), ApiClient(client, b_token)
    seed.call(api_a, "C4", "2026-10-20T10:00:00-04:00", phone=phone(64))
    seed.reply(phone(64), "1 terrible")
    seed.call(api_a, "C1", "2026-11-02T10:00:00-05:00", phone=phone(61))
    seed.reply(phone(61), "nobody ever came")
    seed.call(api_a, "C2", "2026-11-03T10:00:00-05:00", phone=phone(62))
    seed.reply(phone(62), "the officer was rude")
    seed.call(api_a, "C3", "2026-11-04T10:00:00-05:00", phone=phone(63))
    seed.reply(phone(63), "3")
    seed.reply(phone(63), "when will a detective call me?")
    seed.call(api_b, "B1", "2026-11-10T10:00:00-06:00", phone=phone(65))
    seed.reply(phone(65), "1 awful", to=B_NUMBER)
    seed.close()
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00-05:00"))
    with services.db.Session() as session:
        for body in ("1 terrible", "nobody ever came", "the officer was rude", "3", "1 awful"):
            ids[body] = session.scalar(select(Message.id).where(Message.body == body))
        ids["question"] = session.scalar(select(Message.id).where(Message.body.like("when%")))
    return ids


def correct(services, user_id, message_id, action, clock, **kwargs) -> corrections.Corrected:
    with services.db.begin() as session:
        message = session.get(Message, message_id)
        callback = session.scalar(
            select(Callback).where(Callback.conversation_id == message.conversation_id)
        )
        return corrections.correct(
            session,
            callback,
            message_id,
            session.get(User, user_id),
            action,
            now=clock.now(),
            **kwargs,
        )


def all_corrections(db) -> list[TriageCorrection]:
    with db.Session() as session:
        return list(session.scalars(select(TriageCorrection).order_by(TriageCorrection.id)))


@pytest.fixture
def corrected(services, world, clock):
    """Every correction of the table above, a minute apart."""
    steps = [
        ("lee", "1 terrible", "category", {"category": "positive"}),
        ("lee", "nobody ever came", "category", {"category": "neutral"}),
        ("lee", "nobody ever came", "category", {"category": "negative", "note": "angry"}),
        ("lee", "the officer was rude", "confirm", {}),
        ("lee", "question", "danger", {}),
        ("east", "1 awful", "category", {"category": "neutral"}),
    ]
    for user, reply, action, extra in steps:
        clock.advance(minutes=1)
        correct(services, world[user], world[reply], action, clock, **extra)
    return world


def test_a_correction_keeps_who_when_and_what_triage_said(services, world, clock):
    correct(services, world["lee"], world["nobody ever came"], "danger", clock, note=" here ")

    [row] = all_corrections(services.db)
    assert (row.user_id, row.created_at, row.message_id) == (
        world["lee"],
        clock.now(),
        world["nobody ever came"],
    )
    assert (row.engine_category, row.engine_urgent, row.engine_opt_out, row.engine_callback) == (
        "unresolved",
        False,
        False,
        True,
    )
    assert (row.category, row.urgent, row.opt_out, row.note) == ("crisis", True, False, "here")


def test_the_latest_correction_of_a_reply_is_the_one_that_counts(services, corrected):
    with services.db.Session() as session:
        found = session.get(Message, corrected["nobody ever came"])
        assert corrections.latest(session, found.id).category == "negative"
        history = corrections.history(session, [found.id])[found.id]
    assert [row.category for row in history] == ["neutral", "negative"]


def test_a_viewer_or_a_reply_of_another_conversation_is_refused(services, world, clock):
    with pytest.raises(WorkError, match="Viewers"):
        correct(services, world["vw"], world["nobody ever came"], "danger", clock)
    with services.db.begin() as session:
        elsewhere = session.scalar(
            select(Callback)
            .join(Message, Callback.message_id == Message.id)
            .where(Message.body == "the officer was rude")
        )
        with pytest.raises(WorkError, match="not part of this callback"):
            corrections.correct(
                session,
                elsewhere,
                world["nobody ever came"],
                session.get(User, world["lee"]),
                "danger",
                now=clock.now(),
            )
    assert all_corrections(services.db) == []


def test_export_writes_the_latest_reading_of_each_reply_as_labelled_data(services, corrected):
    with services.db.Session() as session:
        a = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        rows = corrections.export_rows(session, a.id)
        everyone = corrections.export_rows(session)
        recent = corrections.export_rows(session, a.id, date(2026, 11, 24))

    assert rows == [
        {
            "text": "1 terrible",
            "cat": "positive",
            "flag": False,
            "urgent": False,
            "opt_out": False,
            "lang": "en",
            "note": "correction by commander on 2026-11-23",
        },
        {
            "text": "nobody ever came",
            "cat": "negative",
            "flag": True,
            "urgent": False,
            "opt_out": False,
            "lang": "en",
            "note": "correction by commander on 2026-11-23",
        },
        {
            "text": "the officer was rude",
            "cat": "negative",
            "flag": True,
            "urgent": False,
            "opt_out": False,
            "lang": "en",
            "note": "correction by commander on 2026-11-23",
        },
        {
            "text": "when will a detective call me?",
            "cat": "crisis",
            "flag": True,
            "urgent": True,
            "opt_out": False,
            "lang": "en",
            "note": "correction by commander on 2026-11-23",
        },
    ]
    assert [row["text"] for row in everyone] == [r["text"] for r in rows] + ["1 awful"]
    assert recent == []
    # The same format the labelled sets have: `followup triage --eval` reads it.
    assert load_jsonl(json.dumps(row) for row in rows) == rows


def test_export_skips_replies_retention_emptied_and_removes_typed_numbers(services, world, clock):
    correct(services, world["lee"], world["nobody ever came"], "confirm", clock)
    correct(services, world["lee"], world["the officer was rude"], "confirm", clock)
    with services.db.begin() as session:
        session.get(Message, world["nobody ever came"]).body = ""
        session.get(Message, world["the officer was rude"]).body = "rude, call 202-555-0187"

        rows = corrections.export_rows(session)

    assert [row["text"] for row in rows] == ["rude, call [number removed]"]


@pytest.mark.parametrize(
    ("category", "engine_callback", "flag"),
    [
        ("crisis", False, True),
        ("conduct", False, True),
        ("unresolved", False, True),
        ("negative", False, True),
        ("question", False, True),
        ("wrong_number", True, False),
        ("positive", True, False),
        ("opt_out", True, False),
        ("other", True, True),
        ("other", False, False),
    ],
)
def test_the_flag_follows_the_labelled_sets(category, engine_callback, flag):
    assert corrections.flag_for(corrections.Category(category), engine_callback) is flag


def test_the_reports_count_corrections_per_category_triage_gave(services, corrected):
    with services.db.Session() as session:
        agency = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        today = services.clock.now().astimezone(agency.zone).date()
        review = report_figures(session, agency, parse_filter({}, today)).triage
        narrowed = report_figures(
            session, agency, parse_filter({"from": "2026-11-03"}, today)
        ).triage
    by = {c.category: c for c in review.categories}

    # In the period (10-25 .. 11-23): C1, C2, C3; C4 closed before it, B1 is agency B's.
    assert set(by) == {"unresolved", "negative", "neutral", "question", "crisis"}
    # C1: triage said unresolved, commanders moved it (latest: negative).
    assert (by["unresolved"].replies, by["unresolved"].corrected) == (1, 1)
    assert by["unresolved"].precision == 0.0
    # C2 confirmed; C1 moved into negative.
    assert (by["negative"].replies, by["negative"].confirmed, by["negative"].moved_in) == (1, 1, 1)
    assert by["negative"].precision == 1.0 and by["negative"].reviewed_precision == 1.0
    # C3: the "3" was never corrected; the question was danger.
    assert (by["neutral"].replies, by["neutral"].unreviewed, by["neutral"].precision) == (1, 1, 1)
    assert (by["question"].corrected, by["crisis"].replies, by["crisis"].moved_in) == (1, 0, 1)
    assert by["crisis"].precision is None
    assert review.corrections == 3
    # From 11-03: C1 is outside, so nothing moved into negative.
    narrowed_by = {c.category: c for c in narrowed.categories}
    assert "unresolved" not in narrowed_by and narrowed_by["negative"].moved_in == 0


def test_opt_outs_reversed_and_added_are_counted(services, world, clock, client):
    now = clock.now()
    clock.set(datetime.fromisoformat("2026-11-02T12:00:00-05:00"))  # within C1's reply window
    seed = Seed(services, client, services.gateway, clock)
    seed.sms_count = 100  # MessageSids the first seed did not use
    seed.reply(phone(61), "STOP")
    seed.close()
    clock.set(now)
    with services.db.Session() as session:
        stop = session.scalar(select(Message.id).where(Message.body == "STOP"))
    correct(services, world["lee"], stop, "category", clock, category="neutral")
    correct(
        services, world["lee"], world["the officer was rude"], "category", clock, category="opt_out"
    )
    with services.db.Session() as session:
        agency = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        today = clock.now().astimezone(agency.zone).date()
        review = report_figures(session, agency, parse_filter({}, today)).triage

    assert (review.opt_outs_reversed, review.opt_outs_added) == (1, 1)


def test_reading_a_category_as_an_opt_out_stops_texts(services, world, clock):
    done = correct(
        services,
        world["lee"],
        world["the officer was rude"],
        "category",
        clock,
        category="opt_out",
    )

    assert done.stopped_texts and done.correction.opt_out
    with services.db.Session() as session:
        from followup.eligibility.contacts import is_opted_out

        agency_id = session.get(Message, world["the officer was rude"]).agency_id
        assert is_opted_out(session, agency_id, phone(62))


def test_the_next_day_is_the_agencys(services, world, clock):
    clock.set(datetime.fromisoformat("2026-11-23T23:30:00-05:00"))  # 04:30 UTC on the 24th
    correct(services, world["lee"], world["nobody ever came"], "confirm", clock)
    with services.db.Session() as session:
        [row] = corrections.export_rows(session, None, clock.now() - timedelta(minutes=1))
    assert row["note"] == "correction by commander on 2026-11-23"
