"""Report facts: each call as the reports count it, rebuilt whenever something about it changes.

A report over a year of a large agency cannot join calls, follow-ups, texts, conversations and
callbacks row by row in under two seconds. So each call is kept, ready to count, as one narrow
row of ``report_facts`` (and its replies by category in ``report_replies``), and the reports
read one index range.

How it stays right: database triggers (schema 0009) append the changed row's keys to
``report_log`` whenever a column a figure depends on changes, whatever code made the change.
A refresh takes rows off the log, finds their calls and rebuilds those calls' rows from the
tables themselves, so a fact row is never patched, only recomputed, and a change that lands
while a refresh runs is logged again and picked up by the next one. The sender's scheduler
refreshes every minute; a report page refreshes what is left before it reads (up to a bound,
and says so when more is waiting).

Counting rules (the same as ``followup.reports`` documents): a call belongs to the day it closed
in the agency's zone and to the shift of its closed time; everything that followed it counts
with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, any_, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from followup.core.db import Database
from followup.models import (
    Agency,
    Call,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackStatus,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    MessageStatus,
    ReportFact,
    ReportLog,
    ReportReply,
)
from followup.models.calls import CHECKIN
from followup.reports import stamps

logger = logging.getLogger(__name__)

SHIFTS = {"day": (7, 15), "evening": (15, 23), "night": (23, 7)}  # local hours, [start, end)
EPOCH = date(1970, 1, 1)
BATCH = 2000  # log rows taken (so calls rebuilt, at most) per transaction
PAGE_LIMIT = 5000  # log rows a report page works off before reading; the job does the rest
_LOCK_KEY = 0x5245504F  # PostgreSQL advisory lock: one refresher at a time ("REPO")
_FINAL_FAILURES = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


def day_number(day: date) -> int:
    """A date as the facts store it: days since 1970-01-01."""
    return (day - EPOCH).days


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` in the agency's zone. A moment with no local equivalent (year 1, year 9999:
    intake refuses them now, but an older row may hold one) counts in UTC: one odd row must
    never stop the reports of anyone."""
    try:
        return moment.astimezone(zone)
    except (OverflowError, ValueError):
        return moment


def shift_of(hour: int) -> str:
    for name, (start, end) in SHIFTS.items():
        if (start <= hour < end) if start < end else (hour >= start or hour < end):
            return name
    raise AssertionError(hour)  # the shifts cover every hour


def _among(session: Session, column, ids):
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``: one parameter, so the statement's
    text is the same for every batch (two thousand parameters cost more to send than to run)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def pending(session: Session) -> int:
    """Changes logged and not yet counted."""
    return session.scalar(select(func.count()).select_from(ReportLog))


def refresh_batch(session: Session, size: int = BATCH) -> int:
    """Take the oldest ``size`` log rows and rebuild their calls' facts, in the caller's
    transaction.

    Returns how many log rows were taken: 0 when the log is empty, or on PostgreSQL when another
    process holds the refresh (it will finish the work)."""
    if session.get_bind().dialect.name == "postgresql":
        if not session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_KEY))):
            return 0
    log = ReportLog.__table__
    oldest = select(log.c.id).order_by(log.c.id).limit(size).scalar_subquery()
    # DELETE .. RETURNING claims the rows, then the rebuild reads the tables: a change committed
    # after the claim is logged again, for the next refresh.
    taken = session.execute(
        delete(log)
        .where(log.c.id.in_(oldest))
        .returning(log.c.call_id, log.c.followup_id, log.c.conversation_id, log.c.callback_id)
    ).all()
    if taken:
        rebuild(session, sorted(_calls_of(session, taken)))
    return len(taken)


def _calls_of(session: Session, logged) -> set[int]:
    """The calls that log rows name, directly or through a follow-up, conversation or callback."""
    calls = {row.call_id for row in logged if row.call_id is not None}
    followups = {row.followup_id for row in logged if row.followup_id is not None}
    conversations = {row.conversation_id for row in logged if row.conversation_id is not None}
    callbacks = {row.callback_id for row in logged if row.callback_id is not None}
    if callbacks:
        conversations |= set(
            session.scalars(
                select(Callback.conversation_id).where(_among(session, Callback.id, callbacks))
            )
        )
    if conversations:
        followups |= set(
            session.scalars(
                select(Conversation.followup_id).where(
                    _among(session, Conversation.id, conversations),
                    Conversation.followup_id.is_not(None),
                )
            )
        )
    if followups:
        calls |= set(
            session.scalars(select(FollowUp.call_id).where(_among(session, FollowUp.id, followups)))
        )
    return calls


def catch_up(session: Session, limit: int | None = None) -> int:
    """Work off up to ``limit`` (default ``PAGE_LIMIT``) log rows in the caller's transaction;
    return what is left."""
    limit = PAGE_LIMIT if limit is None else limit
    done = 0
    while done < limit:
        taken = refresh_batch(session, min(BATCH, limit - done))
        if not taken:
            break
        done += taken
    return pending(session)


def refresh_all(db: Database) -> int:
    """Work off the whole log, one transaction per batch; return the log rows taken."""
    done = 0
    while True:
        with db.begin() as session:
            taken = refresh_batch(session)
        if not taken:
            return done
        done += taken


def log_all(session: Session, agency_id: int | None = None) -> int:
    """Log every call (of one agency) for rebuilding: after a repair, or to check the facts."""
    calls = select(Call.id).order_by(Call.id)
    if agency_id is not None:
        calls = calls.where(Call.agency_id == agency_id)
    result = session.execute(
        insert(ReportLog).from_select(["call_id"], calls),
        execution_options={"preserve_rowcount": True},  # else -1 on PostgreSQL (psycopg)
    )
    return result.rowcount


# Long because each column of a fact is one subquery, written side by side.
def rebuild(session: Session, call_ids: list[int]) -> None:
    """Recompute the facts of ``call_ids`` from the tables (a call that is gone loses them)."""
    session.execute(delete(ReportFact).where(_among(session, ReportFact.call_id, call_ids)))
    session.execute(delete(ReportReply).where(_among(session, ReportReply.call_id, call_ids)))
    calls = session.execute(
        select(
            Call.id,
            Call.agency_id,
            Call.closed_at,
            Call.district,
            Call.call_type,
            FollowUp.id.label("followup_id"),
            FollowUp.status,
            FollowUp.reason,
            FollowUp.error_code,
            FollowUp.language,
        )
        # The check-in: the other texts about a call are not what these figures count.
        .outerjoin(FollowUp, (FollowUp.call_id == Call.id) & (FollowUp.purpose == CHECKIN))
        .where(_among(session, Call.id, call_ids), Call.closed_at.is_not(None))
    ).all()
    if not calls:
        return
    zones = {
        agency_id: ZoneInfo(zone)
        for agency_id, zone in session.execute(
            select(Agency.id, Agency.timezone).where(
                _among(session, Agency.id, {c.agency_id for c in calls})
            )
        )
    }
    followup_ids = [c.followup_id for c in calls if c.followup_id is not None]
    outcomes = _delivery_outcomes(session, followup_ids)
    conversations = {
        followup_id: (conversation_id, rating)
        for conversation_id, followup_id, rating in session.execute(
            select(Conversation.id, Conversation.followup_id, Conversation.rating).where(
                _among(session, Conversation.followup_id, followup_ids)
            )
        )
    }
    conversation_ids = [conversation_id for conversation_id, _ in conversations.values()]
    callbacks = _callbacks(session, conversation_ids)
    categories = _categories(session, conversation_ids)

    facts, replies = [], []
    for call in calls:
        closed = local(call.closed_at, zones[call.agency_id])
        where = {
            "call_id": call.id,
            "agency_id": call.agency_id,
            "day": day_number(closed.date()),
            "shift": shift_of(closed.hour),
            "district": call.district,
            "call_type": call.call_type,
            "language": call.language,
        }
        fid, status = call.followup_id, call.status
        conversation_id, rating = conversations.get(fid, (None, None))
        fact = {
            **where,
            "status": str(status) if status is not None else None,
            "delivery": None,
            "detail": _detail(status, call.reason, call.error_code),
            "replied": int(conversation_id is not None),
            "rating": rating,
            "callback": 0,
            "callback_resolved": 0,
            "callback_in_sla": 0,
            "first_attempt_seconds": None,
        }
        if status == FollowUpStatus.SENT and fid in outcomes:
            fact["delivery"], fact["detail"] = outcomes[fid]
        if conversation_id in callbacks:
            fact.update(callbacks[conversation_id])
        facts.append(fact)
        for category, count in categories.get(conversation_id, {}).items():
            replies.append({**where, "category": category, "replies": count})
    # Core executemany (batched into multi-row INSERTs), not the ORM's bulk path, which splits
    # rows by the columns they leave empty.
    session.execute(insert(ReportFact.__table__), facts)
    if replies:
        session.execute(insert(ReportReply.__table__), replies)
    stamps.facts_changed(session, zones)  # what the public board caches may have changed


def _detail(status, reason: str | None, code: int | None) -> str | None:
    """What the reports break a skip or a failure down by."""
    if status == FollowUpStatus.SKIPPED:
        return str(reason or "unknown")
    if status == FollowUpStatus.FAILED:
        return str(code) if code is not None else (reason or "no code")
    return reason


def _delivery_outcomes(session: Session, followup_ids: Iterable[int]) -> dict:
    """How each sent check-in ended, by its last text the gateway took: ("delivered", None),
    ("failed", error code), or absent while the carrier has not said. (A check-in tried again
    after a carrier error counts by its last attempt; nothing follows a delivered text.)"""
    last: dict[int, tuple] = {}
    for followup_id, message_id, status, code in session.execute(
        select(Message.followup_id, Message.id, Message.status, Message.error_code).where(
            _among(session, Message.followup_id, followup_ids),
            Message.sid.is_not(None),
            Message.direction == MessageDirection.OUTBOUND,
        )
    ):
        if followup_id not in last or message_id > last[followup_id][0]:
            last[followup_id] = (message_id, status, code)
    outcomes = {}
    for followup_id, (_id, status, code) in last.items():
        if status == MessageStatus.DELIVERED:
            outcomes[followup_id] = ("delivered", None)
        elif status in _FINAL_FAILURES:
            outcomes[followup_id] = ("failed", str(code) if code is not None else "no code")
    return outcomes


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _callbacks(session: Session, conversation_ids: list[int]) -> dict:
    """Each conversation's callback: opened, resolved, resolved in time, first attempt after."""
    found = session.execute(
        select(
            Callback.id,
            Callback.conversation_id,
            Callback.status,
            Callback.resolved_at,
            Callback.due_by,
            Callback.created_at,
        ).where(_among(session, Callback.conversation_id, conversation_ids))
    ).all()
    first_attempts = dict(
        session.execute(
            select(CallbackEvent.callback_id, func.min(CallbackEvent.created_at))
            .where(
                _among(session, CallbackEvent.callback_id, [row[0] for row in found]),
                CallbackEvent.kind == CallbackEventKind.ATTEMPT,
            )
            .group_by(CallbackEvent.callback_id)
        ).all()
    )
    callbacks = {}
    for callback_id, conversation_id, status, resolved_at, due_by, created_at in found:
        resolved = status == CallbackStatus.RESOLVED
        first = first_attempts.get(callback_id)
        callbacks[conversation_id] = {
            "callback": 1,
            "callback_resolved": int(resolved),
            "callback_in_sla": int(resolved and resolved_at is not None and resolved_at <= due_by),
            "first_attempt_seconds": (
                _seconds(first) - _seconds(created_at) if first is not None else None
            ),
        }
    return callbacks


def _categories(session: Session, conversation_ids: list[int]) -> dict[int, dict[str, int]]:
    """Replies per triage category, per conversation ("none" for a reply not triaged)."""
    found: dict[int, dict[str, int]] = {}
    for conversation_id, category, count in session.execute(
        select(Message.conversation_id, Message.category, func.count())
        .where(
            _among(session, Message.conversation_id, conversation_ids),
            Message.direction == MessageDirection.INBOUND,
        )
        .group_by(Message.conversation_id, Message.category)
    ):
        found.setdefault(conversation_id, {})[category or "none"] = count
    return found
