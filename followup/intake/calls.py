"""Intake: a call closed (or reopened) in dispatch becomes a scheduled or skipped check-in.

Idempotent on (agency, call_id): the same event again changes nothing; a changed event updates
the call and re-decides a check-in that has not gone out; a call gets at most one text, ever.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from followup.core.phones import to_e164
from followup.eligibility import call_types
from followup.eligibility.rules import decide
from followup.intake.schema import CallEvent, CallOut, FieldError, FollowUpOut
from followup.models import (
    Agency,
    Call,
    CallStatus,
    CallTypeDecision,
    FollowUp,
    FollowUpStatus,
)
from followup.staff import audit
from followup.texts.languages import choose_language

logger = logging.getLogger(__name__)

# A follow-up in one of these states has not produced a text, so a new event may re-decide it.
_REDECIDABLE = (
    FollowUpStatus.SCHEDULED,
    FollowUpStatus.HELD,
    FollowUpStatus.SKIPPED,
    FollowUpStatus.CANCELLED,
)
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
    check_closed_at(event, agency, now)
    fingerprint = fingerprint_of(event)
    call = find_call(session, agency, event.call_id)
    if call is None:
        call, inserted = _insert_call(session, agency, event, fingerprint, now)
    else:
        inserted = False
    changed_fields: list[str] = []
    review: CallTypeDecision | None = None  # None: look it up when deciding
    if not inserted:
        if call.fingerprint == fingerprint:
            return IntakeResult(call, call.followup, changed=False)
        before = {name: getattr(call, name) for name in _CALL_FIELDS}
        apply_event(call, agency, event, fingerprint, now)
        changed_fields = [name for name in _CALL_FIELDS if getattr(call, name) != before[name]]
    if inserted or call_types.label_key(before["call_type"]) != call_types.label_key(
        call.call_type
    ):
        # The register counts each call once under its label (again if the label changes);
        # the same statement answers what IT decided about the label.
        review = call_types.record(session, agency, call.call_type, now=now)
    followup = _decide(session, agency, call, event, now, new_call=inserted, review=review)
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


def check_closed_at(event: CallEvent, agency: Agency, now: datetime) -> None:
    """Refuse a closing time in the future, or older than the agency keeps calls."""
    if event.closed_at - now > _FUTURE_TOLERANCE:
        problem = "is in the future; send it once the call closes"
    elif event.closed_at < now - timedelta(days=agency.retention_days):
        problem = (
            f"is older than this agency keeps calls ({agency.retention_days} days): "
            "it would be removed at once"
        )
    else:
        return
    raise EventRejected([FieldError(field="closed_at", message=problem)])


def find_call(session: Session, agency: Agency, external_id: str) -> Call | None:
    return session.scalar(
        select(Call).where(Call.agency_id == agency.id, Call.external_id == external_id)
    )


def _insert_call(
    session: Session, agency: Agency, event: CallEvent, fingerprint: str, now: datetime
) -> tuple[Call, bool]:
    """Insert the call; if a concurrent request inserted it first, return theirs (and False)."""
    call = Call(agency_id=agency.id, external_id=event.call_id, received_at=now)
    apply_event(call, agency, event, fingerprint, now)
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


def apply_event(
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
    review: CallTypeDecision | None = None,
) -> FollowUp:
    """Decide the call's check-in (eligibility.rules.decide) and write it on its follow-up."""
    language = choose_language(session, agency, event.language)
    followup = None if new_call else call.followup
    if followup is not None:
        # Lock the follow-up and read its status as it is now: a sender may have claimed it
        # since this request read it (it skips rows locked here), and a claimed or sent
        # check-in is never re-decided.
        session.refresh(followup, attribute_names=["status"], with_for_update=True)
        if followup.status not in _REDECIDABLE:
            return followup  # already sent (or in flight): at most one text per call
    verdict = decide(
        session,
        agency,
        call,
        now=now,
        phone_given=bool(event.caller_phone),
        current=followup.status if followup is not None else None,
        followup_id=followup.id if followup is not None else None,
        review=review,
    )
    if followup is None:
        followup = FollowUp(agency_id=agency.id, call_id=call.id, attempts=0, created_at=now)
        session.add(followup)
    followup.updated_at = now
    followup.phone = call.caller_phone
    followup.language = language
    followup.status, followup.reason, followup.send_at = (
        verdict.status,
        verdict.reason,
        verdict.send_at,
    )
    if followup.id is None:
        session.flush()  # its id, for the answer
        # A new call has no other follow-up: say so without the query a relationship set
        # would make.
        set_committed_value(call, "followup", followup)
        set_committed_value(followup, "call", call)
    return followup


def fingerprint_of(event: CallEvent) -> str:
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
