"""Report facts: every change a report reads re-counts its call, and nothing else is logged.

The calls go through the real services, as in test_reports.py: posted to the intake API, sent
by the sender through the fake gateway (behind the service's public URL, so each text carries
its status callback URL), delivery reported by Twilio's signed status callback, replies received
through the signed SMS webhook, callbacks worked by a commander. Only what no service does (an
agency's new time zone, a deleted call) is written directly.

The expected facts are written by hand: a day is the call's closed date in the agency's zone as
days since 1970-01-01, a shift its local closed hour (day 07-15, evening 15-23, night 23-07).
All numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, inspect, or_, select, text, update

from followup import create_app
from followup.callbacks import work
from followup.cli import main
from followup.core import migrate
from followup.core.db import Database
from followup.models import (
    Agency,
    Call,
    Callback,
    CallbackEvent,
    Commendation,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    ReportFact,
    ReportReply,
    Role,
    User,
)
from followup.reports import facts
from followup.reports.figures import Figures, report_figures
from followup.reports.filters import parse_filter
from followup.retention import purge
from followup.sending.gateways.base import PermanentGatewayError
from followup.sending.scheduler import build_scheduler
from tests.conftest import NOW, TEST_TOKEN
from tests.support.factories import ApiClient, call_event
from tests.support.retention_seed import checkin
from tests.support.twilio_requests import TwilioWebhooks, with_public_url
from tests.support.web import make_user, sign_in

postgres_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _phone(n: int) -> str:
    return f"+120255501{n:02d}"


def _day(iso: str) -> int:
    """A local date as the facts store it, counted by hand: days since 1970-01-01."""
    return (date.fromisoformat(iso) - date(1970, 1, 1)).days


# --- driving the service --------------------------------------------------------------------


@dataclass
class Sent:
    message_id: int
    sid: str
    callback_url: str
    to: str


class World:
    """The service behind its public URL, Twilio's side of it, and a commander."""

    def __init__(self, services, gateway, clock):
        self.services = with_public_url(services)
        self.db, self.gateway, self.clock = services.db, gateway, clock
        self.client = create_app({"SERVICES": self.services, "TESTING": True}).test_client()
        self.api = ApiClient(self.client, TEST_TOKEN)
        self.hooks = TwilioWebhooks.for_services(self.client, self.services)
        self.sender = self.services.sender(worker_id="report-facts-test")
        self._commander: int | None = None

    def close(self) -> None:
        self.sender.close()

    def post(self, call_id: str, closed: str, phone, **event) -> dict:
        """A call closed at ``closed``, posted a minute later; return its follow-up."""
        self.clock.set(datetime.fromisoformat(closed) + timedelta(minutes=1))
        return self.update(call_id, closed, phone, **event)

    def update(self, call_id: str, closed: str, phone, **event) -> dict:
        """The dispatch system posts the call (again) now; return its follow-up."""
        body = call_event(call_id=call_id, closed_at=closed, caller_phone=phone, **event)
        response = self.api.post_call(body)
        assert response.status_code in (200, 201, 202), response.status_code
        return response.json["followup"]

    def send(self, call_id: str, followup: dict, *, fail=None) -> Sent | None:
        """Send the check-in when it is due (the gateway refusing it with ``fail``)."""
        assert followup["status"] == "scheduled", followup["status"]
        self.clock.set(datetime.fromisoformat(followup["send_at"]))
        if fail is not None:
            self.gateway.fail_next(fail)
        self.sender.sweep()
        if fail is not None:
            return None
        with self.db.Session() as session:
            message = session.scalars(
                select(Message)
                .join(FollowUp, Message.followup_id == FollowUp.id)
                .join(Call, FollowUp.call_id == Call.id)
                .where(Call.external_id == call_id)
            ).one()
        assert message.sid is not None
        sent = self.gateway.sent[-1]
        return Sent(message.id, message.sid, sent["status_callback"], sent["to"])

    def status(self, sent: Sent, status: str, error_code: int | None = None) -> None:
        """Twilio reports ``status`` at the text's callback URL."""
        self.clock.advance(seconds=5)
        response = self.hooks.status(
            sent.callback_url, sent.sid, status, to=sent.to, error_code=error_code
        )
        assert 200 <= response.status_code < 300, response.status_code

    def reply(self, phone: str, body: str) -> None:
        """The caller texts back ten minutes later."""
        self.clock.advance(minutes=10)
        response = self.hooks.text(phone, body)
        assert response.status_code == 200, response.status_code

    def _callback(self, session, call_id: str) -> Callback:
        return session.scalars(
            select(Callback)
            .join(Conversation, Callback.conversation_id == Conversation.id)
            .join(FollowUp, Conversation.followup_id == FollowUp.id)
            .join(Call, FollowUp.call_id == Call.id)
            .where(Call.external_id == call_id)
        ).one()

    @property
    def commander(self) -> int:
        if self._commander is None:
            self._commander = make_user(self.db, self.clock, "commander", Role.COMMANDER)
        return self._commander

    def attempt(self, call_id: str, after: timedelta) -> None:
        """The commander calls the person back ``after`` the callback opened."""
        commander = self.commander
        with self.db.begin() as session:
            callback = self._callback(session, call_id)
            work.log_attempt(
                session,
                callback,
                session.get(User, commander),
                "reached",
                "",
                now=callback.created_at + after,
            )

    def resolve(self, call_id: str, after: timedelta) -> None:
        commander = self.commander
        with self.db.begin() as session:
            callback = self._callback(session, call_id)
            work.resolve(
                session,
                callback,
                session.get(User, commander),
                "resolved_by_phone",
                "",
                now=callback.created_at + after,
            )


@pytest.fixture
def world(services, gateway, clock):
    built = World(services, gateway, clock)
    yield built
    built.close()


# --- reading the facts ----------------------------------------------------------------------


def refresh(db) -> int:
    return facts.refresh_all(db)


def pending(db) -> int:
    with db.Session() as session:
        return facts.pending(session)


def logged_calls(db) -> set[int]:
    """The calls the next refresh counts again: found by refreshing from no facts at all, then
    rolling back (so whatever the log holds, and however it names a call, nothing changes)."""
    with db.Session() as session:
        session.execute(delete(ReportFact))
        assert facts.catch_up(session, limit=10**9) == 0
        calls = set(session.scalars(select(ReportFact.call_id)))
        session.rollback()
    return calls


def call_pk(db, call_id: str) -> int:
    with db.Session() as session:
        return session.scalar(select(Call.id).where(Call.external_id == call_id))


def fact(db, call_id: str, *columns: str):
    """The call's fact row as {column: value} (only ``columns`` when given); None if absent."""
    with db.Session() as session:
        row = session.scalar(
            select(ReportFact)
            .join(Call, Call.id == ReportFact.call_id)
            .where(Call.external_id == call_id)
        )
    if row is None:
        return None
    names = columns or [c.key for c in ReportFact.__table__.columns]
    return {name: getattr(row, name) for name in names}


def replies(db, call_id: str) -> dict[str, int]:
    with db.Session() as session:
        return dict(
            session.execute(
                select(ReportReply.category, ReportReply.replies)
                .join(Call, Call.id == ReportReply.call_id)
                .where(Call.external_id == call_id)
            ).all()
        )


def snapshot(db) -> tuple[list[tuple], list[tuple]]:
    """Every fact and reply row, every column, in key order."""
    facts, rows = ReportFact.__table__, ReportReply.__table__
    with db.Session() as session:
        return (
            [tuple(r) for r in session.execute(select(facts).order_by(facts.c.call_id))],
            [
                tuple(r)
                for r in session.execute(select(rows).order_by(rows.c.call_id, rows.c.category))
            ],
        )


def default_agency(session, services) -> Agency:
    return session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))


def figures(services, **args) -> Figures:
    with services.db.Session() as session:
        agency = default_agency(session, services)
        today = services.clock.now().astimezone(agency.zone).date()
        return report_figures(session, agency, parse_filter(args, today))


def delete_call(db, call_pk_: int) -> None:
    """Remove a call and everything that hangs off it, as an operator's SQL would."""
    with db.begin() as session:
        followups = select(FollowUp.id).where(FollowUp.call_id == call_pk_)
        conversations = select(Conversation.id).where(Conversation.followup_id.in_(followups))
        callbacks = select(Callback.id).where(Callback.conversation_id.in_(conversations))
        session.execute(delete(CallbackEvent).where(CallbackEvent.callback_id.in_(callbacks)))
        session.execute(delete(Callback).where(Callback.id.in_(callbacks)))
        session.execute(delete(Commendation).where(Commendation.call_id == call_pk_))
        session.execute(
            delete(Message).where(
                or_(
                    Message.followup_id.in_(followups),
                    Message.conversation_id.in_(conversations),
                )
            )
        )
        session.execute(delete(Conversation).where(Conversation.id.in_(conversations)))
        session.execute(delete(FollowUp).where(FollowUp.call_id == call_pk_))
        session.execute(delete(Call).where(Call.id == call_pk_))


# --- 1. each kind of change re-counts its call ----------------------------------------------


def test_a_posted_call_counts_on_its_day_and_shift_in_the_agency_zone(world, db):
    # 03:30 UTC on 11-03 is 22:30 EST on Monday 11-02: that day's evening.
    world.post("EVE", "2026-11-03T03:30:00+00:00", _phone(11))
    # 04:30 UTC is 23:30 EST, still 11-02: night (23-07).
    world.post(
        "NIGHT",
        "2026-11-03T04:30:00+00:00",
        _phone(12),
        district="South",
        call_type="NOISE COMPLAINT",
        language="es",
    )
    # 12:30 UTC is 07:30 EST on 11-03: the day shift's first half hour.
    world.post("DAY", "2026-11-03T12:30:00+00:00", _phone(13))
    world.post("NOPHONE", "2026-11-03T20:00:00+00:00", ...)  # 15:00 EST: evening, skipped
    assert fact(db, "EVE") is None  # logged, not yet counted
    assert logged_calls(db) == {call_pk(db, c) for c in ("EVE", "NIGHT", "DAY", "NOPHONE")}

    refresh(db)

    assert pending(db) == 0
    assert fact(db, "EVE", "day", "shift", "district", "call_type", "language", "status") == {
        "day": _day("2026-11-02"),
        "shift": "evening",
        "district": "North",
        "call_type": "THEFT - CAR PROWL",
        "language": "en",
        "status": "scheduled",
    }
    assert fact(db, "NIGHT", "day", "shift", "district", "call_type", "language") == {
        "day": _day("2026-11-02"),
        "shift": "night",
        "district": "South",
        "call_type": "NOISE COMPLAINT",
        "language": "es",
    }
    assert fact(db, "DAY", "day", "shift") == {"day": _day("2026-11-03"), "shift": "day"}
    assert fact(db, "NOPHONE", "day", "shift", "status", "detail", "delivery") == {
        "day": _day("2026-11-03"),
        "shift": "evening",
        "status": "skipped",
        "detail": "no_phone",
        "delivery": None,
    }
    assert fact(db, "EVE", "replied", "rating", "callback", "first_attempt_seconds") == {
        "replied": 0,
        "rating": None,
        "callback": 0,
        "first_attempt_seconds": None,
    }


def test_delivery_status_callbacks_recount_the_call(world, db):
    outcome = ("status", "delivery", "detail")
    ok = world.send("OK", world.post("OK", "2026-11-20T08:00:00-05:00", _phone(21)))
    lost = world.send("LOST", world.post("LOST", "2026-11-20T11:00:00-05:00", _phone(22)))
    world.send(
        "REFUSED",
        world.post("REFUSED", "2026-11-20T14:00:00-05:00", _phone(23)),
        fail=PermanentGatewayError("not a mobile number", code=21614),
    )
    refresh(db)
    assert fact(db, "OK", *outcome) == {"status": "sent", "delivery": None, "detail": None}
    assert fact(db, "REFUSED", *outcome) == {
        "status": "failed",
        "delivery": None,
        "detail": "21614",
    }

    world.status(ok, "sent")
    refresh(db)
    assert fact(db, "OK", "delivery") == {"delivery": None}  # the carrier has not said yet
    world.status(ok, "delivered")
    world.status(lost, "undelivered", error_code=30006)
    assert pending(db) > 0
    refresh(db)

    assert fact(db, "OK", *outcome) == {"status": "sent", "delivery": "delivered", "detail": None}
    assert fact(db, "LOST", *outcome) == {"status": "sent", "delivery": "failed", "detail": "30006"}
    f = figures(world.services, **{"from": "2026-11-20", "to": "2026-11-20"})
    assert (f.sent, f.delivered, f.failed) == (2, 1, {"21614": 1, "30006": 1})


def test_replies_ratings_and_callback_work_recount_the_call(world, db):
    callback = ("callback", "callback_resolved", "callback_in_sla", "first_attempt_seconds")
    sent = world.send("RUDE", world.post("RUDE", "2026-11-20T08:00:00-05:00", _phone(31)))
    world.status(sent, "delivered")
    world.reply(_phone(31), "3")
    refresh(db)
    assert fact(db, "RUDE", "replied", "rating", "callback") == {
        "replied": 1,
        "rating": 3,
        "callback": 0,
    }
    assert replies(db, "RUDE") == {"neutral": 1}

    world.reply(_phone(31), "the officer was rude and cursed at me")  # a callback opens
    refresh(db)
    assert replies(db, "RUDE") == {"neutral": 1, "negative": 1}
    assert fact(db, "RUDE", *callback) == dict(zip(callback, (1, 0, 0, None), strict=True))

    world.attempt("RUDE", after=timedelta(minutes=10))
    refresh(db)
    assert fact(db, "RUDE", *callback) == dict(zip(callback, (1, 0, 0, 600), strict=True))
    world.attempt("RUDE", after=timedelta(minutes=15))  # a second try: the first still counts
    refresh(db)
    assert fact(db, "RUDE", *callback) == dict(zip(callback, (1, 0, 0, 600), strict=True))

    world.resolve("RUDE", after=timedelta(minutes=20))  # well within its SLA
    refresh(db)
    assert fact(db, "RUDE", *callback) == dict(zip(callback, (1, 1, 1, 600), strict=True))

    # A question answered two days and an hour later: resolved, but not within 24 hours.
    sent = world.send("LATE", world.post("LATE", "2026-11-21T08:00:00-05:00", _phone(32)))
    world.reply(_phone(32), "when will a detective call me about my case?")
    world.attempt("LATE", after=timedelta(days=2))
    world.resolve("LATE", after=timedelta(days=2, hours=1))
    refresh(db)
    assert fact(db, "LATE", "replied", "rating", *callback) == {
        "replied": 1,
        "rating": None,
        **dict(zip(callback, (1, 1, 0, 2 * 86400), strict=True)),
    }
    assert replies(db, "LATE") == {"question": 1}


def test_an_intake_update_moves_the_call_and_its_replies_to_the_new_district(world, db):
    closed = "2026-11-20T08:00:00-05:00"
    world.send("MOVED", world.post("MOVED", closed, _phone(41)))
    world.reply(_phone(41), "3")
    refresh(db)
    assert fact(db, "MOVED", "district") == {"district": "North"}

    world.update("MOVED", closed, _phone(41), district="South")
    assert logged_calls(db) == {call_pk(db, "MOVED")}
    refresh(db)

    assert fact(db, "MOVED", "district", "status", "rating") == {
        "district": "South",
        "status": "sent",
        "rating": 3,
    }
    with db.Session() as session:
        assert session.scalars(select(ReportReply.district)).all() == ["South"]


def test_a_new_agency_time_zone_moves_the_day_and_shift(world, db, services):
    # 05:30 UTC on 11-03: 00:30 EST on 11-03 (night), 21:30 PST on 11-02 (evening).
    world.post("ZONE", "2026-11-03T05:30:00+00:00", _phone(51))
    refresh(db)
    assert fact(db, "ZONE", "day", "shift") == {"day": _day("2026-11-03"), "shift": "night"}

    with db.begin() as session:
        default_agency(session, services).timezone = "America/Los_Angeles"
    assert logged_calls(db) == {call_pk(db, "ZONE")}
    refresh(db)

    assert fact(db, "ZONE", "day", "shift") == {"day": _day("2026-11-02"), "shift": "evening"}


def test_a_deleted_call_loses_its_facts(world, db):
    gone = world.send("GONE", world.post("GONE", "2026-11-20T08:00:00-05:00", _phone(61)))
    world.status(gone, "delivered")
    world.reply(_phone(61), "5 great job, Officer Smith was wonderful")
    world.post("KEPT", "2026-11-20T09:00:00-05:00", _phone(62))
    refresh(db)
    kept = fact(db, "KEPT")
    assert fact(db, "GONE", "rating") == {"rating": 5} and replies(db, "GONE") == {"positive": 1}
    gone_pk = call_pk(db, "GONE")

    delete_call(db, gone_pk)
    assert pending(db) > 0
    refresh(db)

    with db.Session() as session:
        assert session.get(ReportFact, gone_pk) is None
        assert (
            session.scalars(select(ReportReply).where(ReportReply.call_id == gone_pk)).all() == []
        )
    assert fact(db, "KEPT") == kept


# --- 2. what no report reads logs nothing ---------------------------------------------------


def test_changes_no_report_reads_log_nothing(world, db, clock, services):
    sent = world.send("QUIET", world.post("QUIET", "2026-11-20T08:00:00-05:00", _phone(71)))
    world.status(sent, "delivered")
    world.reply(_phone(71), "5 great job, Officer Smith was wonderful")
    refresh(db)
    before = snapshot(db)
    assert len(before[0]) == 1 and pending(db) == 0

    # Retention: numbers, names and words emptied a year on, as the daily purge does.
    clock.advance(days=400)
    (done,) = purge(db, clock)
    assert done.counts["messages"] >= 2 and done.counts["followups"] == 1
    assert pending(db) == 0

    now = clock.now()
    with db.begin() as session:
        # A sender claiming and releasing a row, a retry's bookkeeping.
        session.execute(
            update(FollowUp).values(
                claimed_at=now, claimed_by="another-sender", attempts=2, updated_at=now
            )
        )
        session.execute(update(FollowUp).values(claimed_at=None, claimed_by=None))
        session.execute(update(FollowUp).values(status=FollowUp.status))  # written, unchanged
        session.execute(update(Message).values(body="", updated_at=now))
        session.execute(update(Call).values(beat="N9", unit="3B01", updated_at=now))
        session.execute(update(Conversation).values(last_inbound_at=now))
        default_agency(session, services).name = "Westlake Police Department"
    assert pending(db) == 0
    assert snapshot(db) == before

    # The triggers are there: a column a report reads is logged at once.
    with db.begin() as session:
        session.execute(update(FollowUp).values(error_code=30003))
    assert logged_calls(db) == {call_pk(db, "QUIET")}


# --- 3. incremental equals from scratch -----------------------------------------------------


def test_facts_kept_by_the_log_equal_facts_counted_from_scratch(world, db, services):
    def take(limit: int) -> None:  # what a report page does: part of the log at a time
        with db.begin() as session:
            facts.catch_up(session, limit=limit)

    a = world.send("A", world.post("A", "2026-11-16T09:00:00-05:00", _phone(81)))
    b = world.send("B", world.post("B", "2026-11-16T12:00:00-05:00", _phone(82)))
    world.post("C", "2026-11-16T14:00:00-05:00", ...)  # skipped: no phone
    take(3)
    with db.begin() as session:  # early, so that it re-counts none of the changes below
        default_agency(session, services).timezone = "America/Chicago"
    world.send(
        "D",
        world.post("D", "2026-11-17T08:00:00-05:00", _phone(84)),
        fail=PermanentGatewayError("not a mobile number", code=21614),
    )
    world.post("E", "2026-11-17T23:30:00-05:00", _phone(85))
    world.update("E", "2026-11-17T23:30:00-05:00", _phone(85), status="reopened")  # cancelled
    world.status(a, "delivered")
    world.status(b, "undelivered", error_code=30006)
    refresh(db)
    world.reply(_phone(81), "3")
    world.reply(_phone(81), "the officer was rude and cursed at me")
    take(2)
    world.attempt("A", after=timedelta(minutes=10))
    f = world.send("F", world.post("F", "2026-11-18T22:00:00-05:00", _phone(86)))
    world.status(f, "delivered")
    world.reply(_phone(86), "when will a detective call me about my case?")
    world.resolve("A", after=timedelta(minutes=20))
    world.attempt("F", after=timedelta(days=2))
    refresh(db)
    world.update("A", "2026-11-16T09:00:00-05:00", _phone(81), district="South")
    take(1)
    delete_call(db, call_pk(db, "C"))
    refresh(db)

    kept = snapshot(db)
    with db.Session() as session:
        calls = set(session.scalars(select(Call.id)))
    assert {row[0] for row in kept[0]} == calls and len(calls) == 5  # A B D E F
    assert {(row[0], row[1]) for row in kept[1]} == {
        (call_pk(db, "A"), "neutral"),
        (call_pk(db, "A"), "negative"),
        (call_pk(db, "F"), "question"),
    }

    with db.begin() as session:
        facts.log_all(session)
    assert pending(db) == 5
    refresh(db)
    assert snapshot(db) == kept

    with db.begin() as session:  # from nothing at all
        session.execute(delete(ReportFact))
        session.execute(delete(ReportReply))
        facts.log_all(session)
    refresh(db)
    assert snapshot(db) == kept


# --- 4. PostgreSQL: concurrent refreshes and writers ----------------------------------------


def _set_status(db, call_id: str, status: FollowUpStatus) -> None:
    with db.begin() as session:
        session.execute(
            update(FollowUp)
            .where(
                FollowUp.call_id
                == select(Call.id).where(Call.external_id == call_id).scalar_subquery()
            )
            .values(status=status)
        )


@postgres_only
@pytest.mark.parametrize(
    "when",
    [
        "between the claim and the rebuild",  # the rebuild may see it: logged again all the same
        "after the rebuild read the tables",
        "before the refresh commits",
    ],
)
def test_a_change_committed_during_a_refresh_is_counted_by_the_next(world, db, monkeypatch, when):
    world.post("ONE", "2026-11-20T08:00:00-05:00", _phone(91))
    world.post("TWO", "2026-11-20T09:00:00-05:00", _phone(92))

    def change() -> None:  # another connection cancels TWO's check-in and commits
        _set_status(db, "TWO", FollowUpStatus.CANCELLED)

    rebuild = facts.rebuild

    def rebuild_with_a_change(session, call_ids):
        if when == "between the claim and the rebuild":
            change()
        rebuild(session, call_ids)
        if when == "after the rebuild read the tables":
            change()

    logged = pending(db)
    monkeypatch.setattr(facts, "rebuild", rebuild_with_a_change)
    refresher = db.Session()
    try:
        assert facts.refresh_batch(refresher) == logged  # all of it; not committed
        if when == "before the refresh commits":
            change()
        refresher.commit()
    finally:
        refresher.close()
    monkeypatch.undo()

    assert logged_calls(db) == {call_pk(db, "TWO")}
    assert fact(db, "ONE", "status") == {"status": "scheduled"}
    refresh(db)
    assert fact(db, "TWO", "status") == {"status": "cancelled"}
    assert pending(db) == 0


@postgres_only
def test_while_one_session_refreshes_another_takes_nothing(world, db):
    holder = db.Session()
    try:
        assert facts.refresh_batch(holder) == 0  # nothing logged yet; the lock is held
        world.post("HELD", "2026-11-20T08:00:00-05:00", _phone(93))
        logged = pending(db)
        assert logged > 0

        with db.begin() as other:
            assert facts.refresh_batch(other) == 0
            assert facts.catch_up(other) == logged  # the page says what is waiting
        assert facts.refresh_all(db) == 0
        assert pending(db) == logged and fact(db, "HELD") is None
        holder.commit()  # the lock goes with the transaction
    finally:
        holder.close()

    assert facts.refresh_all(db) == logged
    assert fact(db, "HELD", "status") == {"status": "scheduled"}


# --- 5. a report page works off a bounded part of the log -----------------------------------


def test_a_page_counts_up_to_its_bound_and_says_what_is_left(world, db, client, clock, monkeypatch):
    for n in range(4):  # P0..P3, closed 11-20..11-23 at 08:00
        world.post(f"P{n}", f"2026-11-2{n}T08:00:00-05:00", _phone(n + 1))
    clock.set(NOW)
    logged = pending(db)

    # A bound of 3 log rows: some calls are counted, the rest wait.
    with db.Session() as session:
        left = facts.catch_up(session, limit=3)
        session.rollback()
    assert 0 < left < logged
    monkeypatch.setattr(facts, "catch_up", functools.partial(facts.catch_up, limit=3))
    make_user(db, clock, "viewer", Role.VIEWER)
    sign_in(client, "viewer")

    page = client.get("/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert pending(db) == left  # the page kept what it counted
    assert "data-uncounted" in html and f"{left} recent changes are not counted yet" in html
    with db.Session() as session:
        counted = session.scalar(select(func.count()).select_from(ReportFact))
    assert 0 < counted < 4 and f'data-figure="calls">{counted}<' in html

    refresh(db)
    html = client.get("/reports").get_data(as_text=True)
    assert "data-uncounted" not in html
    assert 'data-figure="calls">4<' in html
    assert figures(world.services).uncounted == 0


# --- 6. the upgrade logs the history --------------------------------------------------------


def test_the_upgrade_logs_every_existing_call_for_the_first_refresh(tmp_path):
    url = f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"
    migrate.upgrade(url, "0008")
    old = Database(url)
    # The models are today's: lend the old schema the columns added since 0008 while seeding.
    with old.begin() as session:
        session.execute(text("ALTER TABLE messages ADD COLUMN purpose VARCHAR(48)"))
    with old.begin() as session:
        assert "report_log" not in inspect(session.connection()).get_table_names()
        agency = Agency(
            slug="westlake", name="Westlake Police", timezone="America/New_York", created_at=NOW
        )
        session.add(agency)
        session.flush()
        # 03:30 UTC on 11-03 is 22:30 EST on 11-02; checked in, delivered, rated 4, "positive".
        ids = checkin(
            session, agency.id, datetime(2026, 11, 3, 3, 30, tzinfo=UTC), _phone(95), rating=4
        )
        # As the service stores a reply: it hangs off the conversation, not the follow-up.
        session.execute(
            update(Message).where(Message.id == ids["inbound"]).values(followup_id=None)
        )
    with old.begin() as session:
        session.execute(text("ALTER TABLE messages DROP COLUMN purpose"))
    old.dispose()

    migrate.upgrade(url)
    db = Database(url)
    try:
        assert logged_calls(db) == {ids["call"]}
        assert facts.refresh_all(db) == 1
        with db.Session() as session:
            row = session.get(ReportFact, ids["call"])
            reply_rows = session.execute(
                select(ReportReply.category, ReportReply.replies, ReportReply.day)
            ).all()
        assert (row.day, row.shift, row.status, row.delivery, row.replied, row.rating) == (
            _day("2026-11-02"),
            "evening",
            "sent",
            "delivered",
            1,
            4,
        )
        assert reply_rows == [("positive", 1, _day("2026-11-02"))]
    finally:
        db.dispose()


# --- 7. the commands ------------------------------------------------------------------------


def test_the_refresh_and_rebuild_commands(world, db, database_url, tmp_path, clock):
    ok = world.send("CLI1", world.post("CLI1", "2026-11-20T08:00:00-05:00", _phone(96)))
    world.status(ok, "delivered")
    world.reply(_phone(96), "5 great job, Officer Smith was wonderful")
    world.post("CLI2", "2026-11-21T08:00:00-05:00", ...)
    clock.set(NOW)
    logged = pending(db)
    env = {
        "FOLLOWUP_DATABASE_URL": database_url,
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FOLLOWUP_SECRET_KEY": "test-secret",
    }
    runner = CliRunner()

    done = runner.invoke(main, ["reports", "refresh"], env=env)
    assert done.exit_code == 0, done.output
    assert f"counted {logged} logged change(s); 0 waiting" in done.output
    counted = figures(world.services)
    assert (counted.calls, counted.delivered, counted.categories) == (2, 1, {"positive": 1})

    with db.begin() as session:
        session.execute(delete(ReportFact))
        session.execute(delete(ReportReply))
    assert figures(world.services).calls == 0  # what a lost table would show

    rebuilt = runner.invoke(main, ["reports", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "recounted" in rebuilt.output  # how many: see the test below
    assert figures(world.services) == counted

    with db.begin() as session:
        session.execute(delete(ReportFact))
    one = runner.invoke(main, ["reports", "rebuild", "--agency", "default"], env=env)
    assert one.exit_code == 0, one.output
    assert figures(world.services) == counted
    unknown = runner.invoke(main, ["reports", "rebuild", "--agency", "nowhere"], env=env)
    assert unknown.exit_code != 0 and "no agency with slug 'nowhere'" in unknown.output
    assert pending(db) == 0 and figures(world.services) == counted
    assert "555" not in done.output + rebuilt.output + unknown.output


def test_rebuild_says_how_many_calls_it_recounted(world, db, database_url, tmp_path):
    world.post("N1", "2026-11-20T08:00:00-05:00", _phone(98))
    world.post("N2", "2026-11-20T09:00:00-05:00", _phone(99))
    env = {
        "FOLLOWUP_DATABASE_URL": database_url,
        "FOLLOWUP_INSTANCE_PATH": str(tmp_path / "instance"),
        "FOLLOWUP_SECRET_KEY": "test-secret",
    }
    rebuilt = CliRunner().invoke(main, ["reports", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert pending(db) == 0 and fact(db, "N2") is not None
    assert "recounted 2 call(s)" in rebuilt.output
    with db.begin() as session:
        assert facts.log_all(session) == 2


# --- 8. the sender's scheduler keeps them current -------------------------------------------


def test_the_senders_scheduler_refreshes_the_facts_every_minute(world, db, sender):
    world.post("JOB", "2026-11-20T08:00:00-05:00", _phone(97))
    assert pending(db) > 0
    job = build_scheduler(sender, 30, blocking=False).get_job("report-facts")
    assert job is not None and job.trigger.interval == timedelta(seconds=60)

    job.func()

    assert pending(db) == 0
    assert fact(db, "JOB", "status") == {"status": "scheduled"}
