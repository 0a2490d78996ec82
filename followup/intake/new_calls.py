"""Intake's hot path: a call reported for the first time, closed (or reopened), recorded in a few
Core statements of the request's one transaction.

Most events a dispatch system sends are of this kind, so it is the one worth making cheap. It
decides with the same rules as ``calls.record_call_event`` (``eligibility.rules.decide``), from
the same facts, read at once instead of one query each:

1. one read: whether the call is already recorded, the number's standing (opted out,
   unreachable), whether it was texted or is scheduled within the frequency cap, and whether the
   agency has check-in texts in the caller's language;
2. the call's INSERT, which does nothing when a twin request recorded it first;
3. the call-type register's upsert, which answers IT's decision about the label;
4. the check-in's INSERT.

Every other event (a call already recorded, an earlier stage, a twin that got there first) goes
through ``record_call_event``; this path then has written nothing. The report log is kept by
the database's own triggers, as for any other write; the caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from followup.core import logs
from followup.eligibility import call_types
from followup.eligibility.rules import BatchFacts, cap_start, counts_for_cap, decide
from followup.intake.calls import apply_event, check_closed_at, fingerprint_of
from followup.intake.schema import CallEvent, CallOut, FollowUpOut, TextOut
from followup.models import (
    Agency,
    Call,
    CallStatus,
    Contact,
    FollowUp,
    MessageTemplate,
)
from followup.models.calls import CHECKIN
from followup.texts.languages import language_for

logger = logging.getLogger(__name__)

_CALLS = Call.__table__
_FOLLOWUPS = FollowUp.__table__
_CONTACTS = Contact.__table__
_AT = _FOLLOWUPS.c.created_at.type  # aware UTC, as every time column

# What the rules need to know before a new call's check-in is decided, in one statement (its
# parameters: agency, call_id, phone, since, language). From the agency's own row, so there is
# always exactly one row: the contact's columns are NULL when the number has none.
_FACTS = (
    select(
        select(_CALLS.c.id)
        .where(
            _CALLS.c.agency_id == bindparam("agency"),
            _CALLS.c.external_id == bindparam("call_id"),
        )
        .scalar_subquery()
        .label("recorded"),
        _CONTACTS.c.opted_out_at,
        _CONTACTS.c.unreachable_code,
        _CONTACTS.c.unreachable_at,
        exists()
        .where(
            FollowUp.agency_id == bindparam("agency"),
            FollowUp.phone == bindparam("phone"),
            FollowUp.purpose == CHECKIN,
            counts_for_cap(bindparam("since", type_=_AT), count_scheduled=True),
        )
        .label("texted"),
        exists()
        .where(
            MessageTemplate.agency_id == bindparam("agency"),
            MessageTemplate.purpose == CHECKIN,
            MessageTemplate.active.is_(True),
            MessageTemplate.language == bindparam("language"),
        )
        .label("has_language"),
    )
    .select_from(Agency.__table__)
    .outerjoin(
        _CONTACTS,
        and_(
            _CONTACTS.c.agency_id == Agency.__table__.c.id,
            _CONTACTS.c.phone == bindparam("phone"),
        ),
    )
    .where(Agency.__table__.c.id == bindparam("agency"))
)

# The call's columns as ``apply_event`` sets them on a new call.
_CALL_COLUMNS = tuple(c.name for c in _CALLS.c if c.name != "id")
_INSERT_CALL: dict = {}  # by dialect: INSERT ... ON CONFLICT DO NOTHING RETURNING id

_INSERT_CHECKIN = _FOLLOWUPS.insert().returning(_FOLLOWUPS.c.id)


def _insert_call(dialect: str):
    statement = _INSERT_CALL.get(dialect)
    if statement is None:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_CALLS)
        statement = _INSERT_CALL[dialect] = insert.on_conflict_do_nothing(
            index_elements=[_CALLS.c.agency_id, _CALLS.c.external_id]
        ).returning(_CALLS.c.id)
    return statement


def applies(event: CallEvent) -> bool:
    """Whether ``event`` may be a new call this path records: a closing event."""
    return event.status in (CallStatus.CLOSED, CallStatus.REOPENED)


# Long because it is the hot path's one transaction, statement after statement, in order.
def record_new_call(
    session: Session, agency: Agency, event: CallEvent, *, now: datetime
) -> CallOut | None:
    """Record ``event`` as a new call with its check-in and return the API's answer, or None
    (nothing written) when the call is already recorded: ``record_call_event`` takes it then.
    Raises EventRejected, as ``record_call_event`` does, before anything is read."""
    if not applies(event):
        return None
    check_closed_at(event, agency, now)
    call = SimpleNamespace(agency_id=agency.id, external_id=event.call_id, received_at=now)
    apply_event(call, agency, event, fingerprint_of(event), now)
    primary = event.language.split("-")[0].lower() if event.language else None
    connection = session.connection()
    facts = connection.execute(
        _FACTS,
        {
            "agency": agency.id,
            "call_id": event.call_id,
            "phone": call.caller_phone,
            "since": cap_start(agency, now),
            "language": primary,
        },
    ).one()
    if facts.recorded is not None:
        return None
    # The columns ``apply_event`` set, as the ORM would insert them (the rest keep their
    # defaults: NULL for the later columns, which an older schema may lack).
    values = {name: getattr(call, name) for name in _CALL_COLUMNS if hasattr(call, name)}
    call.id = connection.execute(_insert_call(connection.dialect.name), values).scalar()
    if call.id is None:
        return None  # a twin request recorded it since the read: the ORM path copes
    review = call_types.record(session, agency, call.call_type, now=now)
    known = BatchFacts()
    if call.caller_phone is not None:
        if facts.opted_out_at is not None or facts.unreachable_code is not None:
            # The rules read only these of the number's contact row.
            known.contacts[(agency.id, call.caller_phone)] = SimpleNamespace(
                opted_out=facts.opted_out_at is not None,
                unreachable_code=facts.unreachable_code,
                unreachable_at=facts.unreachable_at,
            )
        if facts.texted:
            known.texted.add((agency.id, call.caller_phone))
    verdict = decide(
        session, agency, call, now=now, phone_given=bool(event.caller_phone), facts=known,
        review=review,
    )
    language = language_for(agency, event.language, {primary} if facts.has_language else set())
    followup_id = connection.execute(
        _INSERT_CHECKIN,
        {
            "agency_id": agency.id,
            "call_id": call.id,
            "purpose": CHECKIN,
            "phone": call.caller_phone,
            "language": language,
            "status": verdict.status,
            "reason": verdict.reason,
            "send_at": verdict.send_at,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
    logs.note(
        logger,
        "call event recorded: agency=%s call=%s followup=%s status=%s reason=%s",
        agency.slug, call.id, followup_id, verdict.status, verdict.reason,
    )
    checkin = {
        "id": followup_id, "status": verdict.status, "reason": verdict.reason,
        "send_at": verdict.send_at,
    }
    return CallOut(
        call_id=event.call_id,
        status=str(call.status),
        followup=FollowUpOut(**checkin),
        texts=[TextOut(purpose=CHECKIN, **checkin)],
        updates=[],
    )
