"""Intake: a call closed (or reopened) in dispatch becomes a scheduled or skipped check-in.

Idempotent on (agency, call_id): the same event again changes nothing; a changed event updates
the call and re-decides a check-in that has not gone out; a call gets at most one text, ever.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from followup.core.phones import to_e164
from followup.eligibility import rules as eligibility
from followup.intake.schema import CallEvent, CallOut, FieldError, FollowUpOut
from followup.models import (
    Agency,
    Call,
    CallStatus,
    Contact,
    FollowUp,
    FollowUpStatus,
    SkipReason,
)
from followup.staff import audit
from followup.texts import message_templates

logger = logging.getLogger(__name__)

# A follow-up in one of these states has not produced a text, so a new event may re-decide it.
_REDECIDABLE = (FollowUpStatus.SCHEDULED, FollowUpStatus.SKIPPED, FollowUpStatus.CANCELLED)
# The fields of a call an update may change; the audit names which (never their values).
_CALL_FIELDS = (
    "status",
    "call_type",
    "disposition",
    "closed_at",
    "caller_phone",
    "caller_name",
    "language",
    "district",
    "beat",
    "unit",
    "officer_id",
    "self_initiated",
    "do_not_contact",
)
INTAKE_ACTOR = "intake-api"  # the audit's username for changes a dispatch system made
# Clocks drift; a dispatch server a few minutes ahead is normal, a day ahead is a bad field.
_FUTURE_TOLERANCE = timedelta(minutes=15)


class EventRejected(ValueError):
    """The event is well-formed but cannot be accepted; ``errors`` name the fields."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class IntakeResult:
    call: Call
    followup: FollowUp
    changed: bool  # False when the event repeated what was already recorded
    created: bool = False  # True when this event recorded the call for the first time


def record_call_event(
    session: Session, agency: Agency, event: CallEvent, *, now: datetime
) -> IntakeResult:
    """Record ``event`` for ``agency`` and decide its check-in. The caller commits."""
    _check_not_future(event, now)
    fingerprint = _fingerprint(event)
    call = find_call(session, agency, event.call_id)
    if call is None:
        call, inserted = _insert_call(session, agency, event, fingerprint, now)
    else:
        inserted = False
    changed_fields: list[str] = []
    if not inserted:
        if call.fingerprint == fingerprint:
            return IntakeResult(call, call.followup, changed=False)
        before = {name: getattr(call, name) for name in _CALL_FIELDS}
        _apply(call, agency, event, fingerprint, now)
        changed_fields = [name for name in _CALL_FIELDS if getattr(call, name) != before[name]]
    followup = _decide(session, agency, call, event, now, new_call=inserted)
    if not inserted:
        # The dispatch system changed a call already recorded: say which fields and what the
        # check-in became (field names only: a number or a name never goes into the audit).
        audit.record(
            session,
            "call_updated",
            now=now,
            username=INTAKE_ACTOR,
            agency_id=agency.id,
            object_type="call",
            object_id=call.id,
            detail={"fields": changed_fields, "followup": str(followup.status)},
        )
    logger.info(
        "call event recorded: agency=%s call=%s followup=%s status=%s reason=%s",
        agency.slug,
        call.id,
        followup.id,
        followup.status,
        followup.reason,
    )
    return IntakeResult(call, followup, changed=True, created=inserted)


def _check_not_future(event: CallEvent, now: datetime) -> None:
    if event.closed_at - now > _FUTURE_TOLERANCE:
        raise EventRejected(
            [
                FieldError(
                    field="closed_at", message="is in the future; send it once the call closes"
                )
            ]
        )


def record_call_events(
    session: Session, agency: Agency, events: Sequence[CallEvent], *, now: datetime
) -> list[IntakeResult | EventRejected]:
    """Record ``events`` in order, as ``record_call_event`` would one by one; return, for each,
    its result or why it was rejected (a rejected event changes nothing). The caller commits.

    For a file import: the decisions are the same, in far fewer statements. Events for new calls
    are decided from facts read once per run of them (contacts, numbers within the frequency cap,
    the agency's languages), a number scheduled by one counting for the cap of the next, and
    inserted together. An event for a call already recorded (before or earlier in ``events``) is
    a duplicate when its fingerprint matches, else goes through ``record_call_event``.
    """
    results: list[IntakeResult | EventRejected | None] = [None] * len(events)
    recorded = _calls_with_followups(session, agency, {event.call_id for event in events})
    new: list[tuple[int, CallEvent, str]] = []  # (index, event, fingerprint): not yet inserted
    new_ids: set[str] = set()
    for index, event in enumerate(events):
        try:
            _check_not_future(event, now)
        except EventRejected as exc:
            results[index] = exc
            continue
        fingerprint = _fingerprint(event)
        if event.call_id not in recorded and event.call_id not in new_ids:
            new.append((index, event, fingerprint))
            new_ids.add(event.call_id)
            continue
        # A call already recorded: the new calls before this event come first, as one by one.
        for result_index, result in _record_new_calls(session, agency, new, now):
            results[result_index] = result
            if isinstance(result, IntakeResult):
                recorded[result.call.external_id] = result.call
        new, new_ids = [], set()
        call = recorded[event.call_id]
        if call.fingerprint == fingerprint:
            results[index] = IntakeResult(call, call.followup, changed=False)
        else:
            results[index] = record_call_event(session, agency, event, now=now)
    for result_index, result in _record_new_calls(session, agency, new, now):
        results[result_index] = result
    return results  # type: ignore[return-value]  # every index is set above


def _calls_with_followups(session: Session, agency: Agency, ids: set[str]) -> dict[str, Call]:
    if not ids:
        return {}
    return {
        call.external_id: call
        for call in session.scalars(
            select(Call)
            .where(Call.agency_id == agency.id, Call.external_id.in_(ids))
            .options(selectinload(Call.followup))
        )
    }


def _record_new_calls(
    session: Session, agency: Agency, new: list[tuple[int, CallEvent, str]], now: datetime
) -> list[tuple[int, IntakeResult | EventRejected]]:
    """Decide and insert the calls of ``new`` (none recorded yet, ids distinct) at once."""
    if not new:
        return []
    numbers: dict[str, str | None] = {}  # a caller often calls again: parse each number once

    def e164(raw: str, region: str) -> str | None:
        if raw not in numbers:
            numbers[raw] = to_e164(raw, region)
        return numbers[raw]

    # The rows are drafted as plain objects with a Call's and a FollowUp's attributes (the rules
    # only read those): an ORM object's change tracking costs more than the decision itself.
    calls = []
    for _index, event, fingerprint in new:
        call = SimpleNamespace(agency_id=agency.id, external_id=event.call_id, received_at=now)
        _apply(call, agency, event, fingerprint, now, e164=e164)
        calls.append(call)
    # What record_call_event reads per call, read once: each rule sees the same rows it would.
    phones = {call.caller_phone for call in calls if call.caller_phone}
    facts = eligibility.BatchFacts()
    if phones:
        facts.contacts = {
            (agency.id, contact.phone): contact
            for contact in session.scalars(
                select(Contact).where(Contact.agency_id == agency.id, Contact.phone.in_(phones))
            )
        }
        facts.texted = {
            (agency.id, phone)
            for phone in eligibility.recently_contacted_numbers(session, agency, phones, now=now)
        }
    available = (
        message_templates.languages_for(session, agency)
        if any(event.language for _index, event, _fingerprint in new)
        else set()
    )
    followups = []
    for call, (_index, event, _fingerprint) in zip(calls, new, strict=True):
        followup = SimpleNamespace(
            agency_id=agency.id,
            attempts=0,
            created_at=now,
            updated_at=now,
            phone=call.caller_phone,
            language=_language(agency, event.language, available),
            status=FollowUpStatus.SKIPPED,
            reason=None,
            send_at=None,  # every row sets the same columns, so one INSERT takes them all
        )
        if call.status == CallStatus.CLOSED:
            decision = eligibility.evaluate(
                session,
                agency,
                call,
                now=now,
                phone_given=bool(event.caller_phone),
                facts=facts,
            )
            if decision.eligible:
                followup.status = FollowUpStatus.SCHEDULED
                followup.send_at = eligibility.send_time(
                    agency, call.closed_at, now=now, call_type=call.call_type
                )
                # Scheduled counts for the cap at intake: a later event to this number waits.
                facts.texted.add((agency.id, call.caller_phone))
            followup.reason = decision.reason
        else:  # reopened before it was ever reported closed: nothing to send
            followup.reason = SkipReason.CALL_REOPENED
        followups.append(followup)
    try:
        with session.begin_nested():
            calls, followups = _insert_all(session, calls, followups)
    except IntegrityError:
        # One of these calls was inserted since they were looked up (the API, a twin import):
        # nothing of the batch's new calls was kept; record them one by one, which copes.
        return [(index, _one(session, agency, event, now)) for index, event, _fingerprint in new]
    results = []
    for call, followup, (index, _event, _fingerprint) in zip(calls, followups, new, strict=True):
        logger.info(
            "call event recorded: agency=%s call=%s followup=%s status=%s reason=%s",
            agency.slug,
            call.id,
            followup.id,
            followup.status,
            followup.reason,
        )
        results.append((index, IntakeResult(call, followup, changed=True, created=True)))
    return results


def _insert_all(
    session: Session, calls: list[SimpleNamespace], followups: list[SimpleNamespace]
) -> tuple[list[Call], list[FollowUp]]:
    """Insert the drafted ``calls`` and their ``followups`` (same order) with one multi-row
    INSERT each; return the rows as the session now holds them, in the same order.

    (Adding the objects to the session would insert them one by one on SQLite, which the ORM
    does when it cannot match the ids RETURNING gives back to the objects by their order.)
    """
    calls = _insert_in_order(session, Call, calls, key="external_id")
    for call, followup in zip(calls, followups, strict=True):
        followup.call_id = call.id
    followups = _insert_in_order(session, FollowUp, followups, key="call_id")
    # Each new call has exactly this follow-up: say so without the query a lazy load would make.
    for call, followup in zip(calls, followups, strict=True):
        set_committed_value(call, "followup", followup)
        set_committed_value(followup, "call", call)
    return calls, followups


def _insert_in_order(session: Session, model, drafts: list[SimpleNamespace], *, key: str) -> list:
    """Insert ``drafts`` as ``model`` rows in one statement; return the rows in the drafts'
    order, matched by ``key`` (a column unique among them)."""
    inserted = {
        getattr(row, key): row
        for row in session.scalars(
            insert(model).returning(model),
            [_column_values(model, draft) for draft in drafts],
            execution_options=_ONE_STATEMENT,
        )
    }
    return [inserted[getattr(draft, key)] for draft in drafts]


# A None is written as NULL rather than leaving the column out, so every row has the same columns
# and the rows go in one INSERT (the ORM starts a new statement whenever the columns change).
_ONE_STATEMENT = {"render_nulls": True}


def _column_values(model: type, obj: SimpleNamespace) -> dict:
    """The ``model`` columns set on the draft ``obj`` (unset ones get the column default)."""
    return {
        attr.key: obj.__dict__[attr.key]
        for attr in sa_inspect(model).column_attrs
        if attr.key in obj.__dict__
    }


def _one(
    session: Session, agency: Agency, event: CallEvent, now: datetime
) -> IntakeResult | EventRejected:
    try:
        return record_call_event(session, agency, event, now=now)
    except EventRejected as exc:
        return exc


def find_call(session: Session, agency: Agency, external_id: str) -> Call | None:
    return session.scalar(
        select(Call).where(Call.agency_id == agency.id, Call.external_id == external_id)
    )


def _insert_call(
    session: Session, agency: Agency, event: CallEvent, fingerprint: str, now: datetime
) -> tuple[Call, bool]:
    """Insert the call; if a concurrent request inserted it first, return theirs (and False)."""
    call = Call(agency_id=agency.id, external_id=event.call_id, received_at=now)
    _apply(call, agency, event, fingerprint, now)
    try:
        with session.begin_nested():
            session.add(call)
    except IntegrityError:
        # The unique (agency, call_id) index refused a second row: a twin request got there
        # first, so carry on with its row.
        existing = find_call(session, agency, event.call_id)
        if existing is None:
            raise
        return existing, False
    return call, True


def _apply(
    call: Call | SimpleNamespace,
    agency: Agency,
    event: CallEvent,
    fingerprint: str,
    now: datetime,
    *,
    e164: Callable[[str, str], str | None] = to_e164,
) -> None:
    call.status = CallStatus(event.status)
    call.call_type = event.call_type
    call.disposition = event.disposition
    call.closed_at = event.closed_at
    call.caller_phone = (
        e164(event.caller_phone, agency.default_region) if event.caller_phone else None
    )
    call.caller_name = event.caller_name
    call.language = event.language
    call.district = event.district
    call.beat = event.beat
    call.unit = event.unit
    call.officer_id = event.officer_id
    call.self_initiated = event.self_initiated
    call.do_not_contact = event.do_not_contact
    call.fingerprint = fingerprint
    call.updated_at = now


def _decide(
    session: Session,
    agency: Agency,
    call: Call,
    event: CallEvent,
    now: datetime,
    *,
    new_call: bool = False,
) -> FollowUp:
    language = choose_language(session, agency, event.language)
    if new_call and call.status == CallStatus.CLOSED:
        return _first_decision(session, agency, call, event, now, language)
    followup = call.followup
    if followup is None:
        followup = FollowUp(
            agency_id=agency.id,
            call=call,
            attempts=0,
            created_at=now,
            status=FollowUpStatus.SKIPPED,
        )
        session.add(followup)
    else:
        # Lock the follow-up and read its status as it is now: a sender may have claimed it
        # since this request read it (it skips rows locked here), and a claimed or sent
        # check-in is never re-decided.
        session.refresh(followup, attribute_names=["status"], with_for_update=True)
        if followup.status not in _REDECIDABLE:
            return followup  # already sent (or in flight): at most one text per call
    followup.updated_at = now
    followup.phone = call.caller_phone
    followup.language = language
    if call.status == CallStatus.REOPENED:
        if followup.status == FollowUpStatus.SCHEDULED:
            followup.status = FollowUpStatus.CANCELLED
        followup.reason = SkipReason.CALL_REOPENED
        followup.send_at = None
        session.flush()
        return followup
    session.flush()  # give a new follow-up its id, so the frequency cap does not count itself
    decision = eligibility.evaluate(
        session,
        agency,
        call,
        now=now,
        phone_given=bool(event.caller_phone),
        followup_id=followup.id,
    )
    if decision.eligible:
        followup.status = FollowUpStatus.SCHEDULED
        followup.reason = None
        followup.send_at = eligibility.send_time(
            agency, call.closed_at, now=now, call_type=call.call_type
        )
    else:
        followup.status = FollowUpStatus.SKIPPED
        followup.reason = decision.reason
        followup.send_at = None
    return followup


def _first_decision(
    session: Session, agency: Agency, call: Call, event: CallEvent, now: datetime, language: str
) -> FollowUp:
    """A new closed call: decide first, then insert its follow-up once (no lazy load of a
    follow-up that cannot exist, no insert-then-update)."""
    decision = eligibility.evaluate(
        session, agency, call, now=now, phone_given=bool(event.caller_phone), followup_id=None
    )
    followup = FollowUp(
        agency_id=agency.id,
        call_id=call.id,
        attempts=0,
        created_at=now,
        updated_at=now,
        phone=call.caller_phone,
        language=language,
        status=FollowUpStatus.SCHEDULED if decision.eligible else FollowUpStatus.SKIPPED,
        reason=decision.reason,
        send_at=eligibility.send_time(agency, call.closed_at, now=now, call_type=call.call_type)
        if decision.eligible
        else None,
    )
    session.add(followup)
    session.flush()  # its id, for the answer
    # A new call has no other follow-up: say so without the query a relationship set would make.
    set_committed_value(call, "followup", followup)
    set_committed_value(followup, "call", call)
    return followup


def choose_language(session: Session, agency: Agency, tag: str | None) -> str:
    """Return the event's language if the agency has texts in it, else the agency default."""
    if tag:
        return _language(agency, tag, message_templates.languages_for(session, agency))
    return agency.default_language


def _language(agency: Agency, tag: str | None, available: set[str]) -> str:
    """``choose_language`` with the agency's text languages (``available``) already read."""
    if tag:
        primary = tag.split("-")[0].lower()
        supported = set(agency.languages or ()) or {agency.default_language}
        if primary in supported and primary in available:
            return primary
    return agency.default_language


def _fingerprint(event: CallEvent) -> str:
    return hashlib.sha256(event.model_dump_json().encode("utf-8")).hexdigest()


def describe(call: Call) -> CallOut:
    """Return the API's view of ``call`` and its check-in."""
    followup = call.followup
    return CallOut(
        call_id=call.external_id,
        followup=FollowUpOut(
            id=followup.id,
            status=followup.status,
            reason=followup.reason,
            send_at=followup.sent_at or followup.send_at,
        ),
    )
