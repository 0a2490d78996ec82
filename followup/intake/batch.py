"""Intake of many events at once (a CAD file import): the decisions of one-by-one intake, in far
fewer statements."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from followup.core.phones import to_e164
from followup.eligibility import call_types
from followup.eligibility.rules import BatchFacts, decide, recently_contacted_numbers
from followup.intake.calls import (
    EventRejected,
    IntakeResult,
    apply_event,
    check_closed_at,
    fingerprint_of,
    record_call_event,
)
from followup.intake.schema import CallEvent
from followup.models import Agency, Call, Contact, FollowUp
from followup.texts import message_templates
from followup.texts.languages import language_for

logger = logging.getLogger(__name__)


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
            check_closed_at(event, agency, now)
        except EventRejected as exc:
            results[index] = exc
            continue
        fingerprint = fingerprint_of(event)
        closing = event.status in ("closed", "reopened")  # earlier stages go one by one
        if closing and event.call_id not in recorded and event.call_id not in new_ids:
            new.append((index, event, fingerprint))
            new_ids.add(event.call_id)
            continue
        # A call already recorded: the new calls before this event come first, as one by one.
        for result_index, result in _record_new_calls(session, agency, new, now):
            results[result_index] = result
            if isinstance(result, IntakeResult):
                recorded[result.call.external_id] = result.call
        new, new_ids = [], set()
        call = recorded.get(event.call_id)
        if call is not None and call.fingerprint == fingerprint:
            results[index] = IntakeResult(call, call.followup, changed=False)
        else:
            results[index] = record_call_event(session, agency, event, now=now)
            recorded[event.call_id] = results[index].call
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


# Long because drafting, deciding and inserting a batch share the facts read once.
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
        apply_event(call, agency, event, fingerprint, now, e164=e164)
        calls.append(call)
    # What record_call_event reads per call, read once: each rule sees the same rows it would.
    facts = BatchFacts()
    phones = {call.caller_phone for call in calls if call.caller_phone}
    if phones:
        facts.contacts = {
            (agency.id, contact.phone): contact
            for contact in session.scalars(
                select(Contact).where(Contact.agency_id == agency.id, Contact.phone.in_(phones))
            )
        }
        facts.texted = {
            (agency.id, phone)
            for phone in recently_contacted_numbers(session, agency, phones, now=now)
        }
    available = (
        message_templates.languages_for(session, agency)
        if any(event.language for _index, event, _fingerprint in new)
        else set()
    )
    try:
        with session.begin_nested():
            # The register counts the batch's labels in one upsert, which answers IT's
            # decisions; inside the savepoint, so the fallback below does not count twice.
            facts.reviews = {
                (agency.id, key): decision
                for key, decision in call_types.record_many(
                    session, agency, (call.call_type for call in calls), now=now
                ).items()
            }
            followups = [
                _draft_followup(session, agency, call, event, now, facts, available)
                for call, (_index, event, _fingerprint) in zip(calls, new, strict=True)
            ]
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


def _draft_followup(
    session: Session,
    agency: Agency,
    call: SimpleNamespace,
    event: CallEvent,
    now: datetime,
    facts: BatchFacts,
    available: set[str],
) -> SimpleNamespace:
    verdict = decide(
        session, agency, call, now=now, phone_given=bool(event.caller_phone), facts=facts
    )
    return SimpleNamespace(
        agency_id=agency.id,
        attempts=0,
        created_at=now,
        updated_at=now,
        phone=call.caller_phone,
        language=language_for(agency, event.language, available),
        status=verdict.status,
        reason=verdict.reason,
        send_at=verdict.send_at,  # every row sets the same columns: one INSERT
    )


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


