"""Intake: a call closed (or reopened) in dispatch becomes a scheduled or skipped check-in.

Idempotent on (agency, call_id): the same event again changes nothing; a changed event updates
the call and re-decides a check-in that has not gone out; a call gets at most one text, ever.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from followup import audit, eligibility, message_templates
from followup.intake_schema import CallEvent, CallOut, FieldError, FollowUpOut
from followup.models import Agency, Call, CallStatus, FollowUp, FollowUpStatus, SkipReason
from followup.phones import to_e164

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


def record_call_event(
    session: Session, agency: Agency, event: CallEvent, *, now: datetime
) -> IntakeResult:
    """Record ``event`` for ``agency`` and decide its check-in. The caller commits."""
    if event.closed_at - now > _FUTURE_TOLERANCE:
        raise EventRejected(
            [
                FieldError(
                    field="closed_at", message="is in the future; send it once the call closes"
                )
            ]
        )
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
    return IntakeResult(call, followup, changed=True)


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


def _apply(call: Call, agency: Agency, event: CallEvent, fingerprint: str, now: datetime) -> None:
    call.status = CallStatus(event.status)
    call.call_type = event.call_type
    call.disposition = event.disposition
    call.closed_at = event.closed_at
    call.caller_phone = (
        to_e164(event.caller_phone, agency.default_region) if event.caller_phone else None
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
        primary = tag.split("-")[0].lower()
        supported = set(agency.languages or ()) or {agency.default_language}
        if primary in supported and primary in message_templates.languages_for(session, agency):
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
