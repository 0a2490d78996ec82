"""Intake: a call received, dispatched, arrived at, closed or reopened in dispatch; a closed call
becomes a scheduled or skipped check-in, a received one a confirmation and a delay text.

Idempotent on (agency, call_id): the same event again changes nothing; a changed event updates
the call and re-decides a check-in that has not gone out; a call gets at most one check-in, ever.
Events may arrive in any order: an earlier stage after a later one only records its time.
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
from followup.intake import stages
from followup.intake.schema import (
    TIME_OF_STATUS,
    CallEvent,
    CallOut,
    FieldError,
    FollowUpOut,
    TextOut,
    UpdateOut,
)
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
    "created_at_cad",
    "dispatched_at",
    "arrived_at",
    "priority",
    "officer_name",
    "caller_phone",
    "caller_name",
    "language",
    "district",
    "beat",
    "unit",
    "officer_id",
    "call_taker_id",
    "call_taker_name",
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
    followup: FollowUp | None  # the check-in (None until the call is closed)
    changed: bool  # False when the event repeated what was already recorded
    created: bool = False  # True when this event recorded the call for the first time


def record_call_event(
    session: Session, agency: Agency, event: CallEvent, *, now: datetime
) -> IntakeResult:
    """Record ``event`` for ``agency`` and decide its texts. The caller commits."""
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
        if stages.is_late(call, event):
            # An earlier stage after a later one: its time is recorded, nothing else changes.
            if not stages.record_late(call, event, now):
                return IntakeResult(call, call.followup, changed=False)
        else:
            apply_event(call, agency, event, fingerprint, now)
        changed_fields = [name for name in _CALL_FIELDS if getattr(call, name) != before[name]]
    if inserted or call_types.label_key(before["call_type"]) != call_types.label_key(
        call.call_type
    ):
        # The register counts each call once under its label (again if the label changes);
        # the same statement answers what IT decided about the label.
        review = call_types.record(session, agency, call.call_type, now=now)
    stages.plan_texts(session, agency, call, event, now=now)
    if not stages.needs_checkin(call, event, new_call=inserted):
        return IntakeResult(
            call, None if inserted else call.followup, changed=True, created=inserted
        )
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
    """Refuse an event without the time its status needs, or a time in the future or older
    than the agency keeps calls."""
    errors = []
    required = TIME_OF_STATUS.get(event.status)
    if required is not None and getattr(event, required) is None:
        errors.append(FieldError(field=required, message=f"is required when status is "
                                 f"{event.status!r}"))
    for name in ("received_at", "dispatched_at", "arrived_at", "closed_at"):
        moment = getattr(event, name)
        if moment is None:
            continue
        if moment - now > _FUTURE_TOLERANCE:
            problem = "is in the future; send it once it has happened"
        elif moment < now - timedelta(days=agency.retention_days):
            problem = (
                f"is older than this agency keeps calls ({agency.retention_days} days): "
                "it would be removed at once"
            )
        else:
            continue
        errors.append(FieldError(field=name, message=problem))
    if errors:
        raise EventRejected(errors)


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
    """Write ``event`` on ``call``. A closed or reopened event is the whole record (as before
    there were stages: a field left out is cleared); an earlier stage only adds what it gives."""
    whole = event.status in ("closed", "reopened")
    call.status = CallStatus(event.status)
    call.call_type = event.call_type
    phone = e164(event.caller_phone, agency.default_region) if event.caller_phone else None
    for name, value in (
        ("disposition", event.disposition),
        ("caller_phone", phone),
        ("caller_name", event.caller_name),
        ("language", event.language),
        ("district", event.district),
        ("beat", event.beat),
        ("unit", event.unit),
        ("officer_id", event.officer_id),
        ("priority", event.priority),
        ("officer_name", event.officer_name),
        ("call_taker_id", event.call_taker_id),
        ("call_taker_name", event.call_taker_name),
    ):
        if whole or value is not None or not hasattr(call, name):
            setattr(call, name, value)
    for name, value in (
        ("closed_at", event.closed_at),
        ("created_at_cad", event.received_at),
        ("dispatched_at", event.dispatched_at),
        ("arrived_at", event.arrived_at),
    ):
        if value is not None or not hasattr(call, name):
            setattr(call, name, value)
    if whole or event.self_initiated or not hasattr(call, "self_initiated"):
        call.self_initiated = event.self_initiated
    if whole or event.do_not_contact or not hasattr(call, "do_not_contact"):
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


# Fields added after calls were first fingerprinted: left out while not given, so the same event
# posted again after an upgrade is still "the same event again".
_LATER_FIELDS = ("call_taker_id", "call_taker_name")


def fingerprint_of(event: CallEvent) -> str:
    unset = {name for name in _LATER_FIELDS if getattr(event, name) is None}
    return hashlib.sha256(event.model_dump_json(exclude=unset).encode("utf-8")).hexdigest()


def describe(session: Session, call: Call) -> CallOut:
    """Return the API's view of ``call``: its check-in, every text and every case update."""
    followup = call.followup
    updates = stages.updates_of(session, call)
    by_id = {update.id: update.update_id for update in updates}
    texts = stages.texts_of(session, call)
    text_of = {text.case_update_id: text for text in texts if text.case_update_id is not None}
    return CallOut(
        call_id=call.external_id,
        status=str(call.status),
        followup=None
        if followup is None
        else FollowUpOut(
            id=followup.id,
            status=followup.status,
            reason=followup.reason,
            send_at=followup.sent_at or followup.send_at,
        ),
        texts=[
            TextOut(
                id=text.id,
                purpose=text.purpose,
                status=text.status,
                reason=text.reason,
                send_at=text.sent_at or text.send_at,
                update_id=by_id.get(text.case_update_id),
            )
            for text in texts
        ],
        updates=[
            UpdateOut(
                update_id=update.update_id,
                event=update.event,
                occurred_at=update.occurred_at,
                victim_notify=update.victim_notify,
                **_update_text(text_of.get(update.id)),
            )
            for update in updates
        ],
        updates_consented_at=call.updates_consented_at,
    )


def _update_text(text: FollowUp | None) -> dict:
    """Whether a case update was texted, and why not."""
    if text is None:
        return {"texted": False, "text_status": None, "reason": None}
    return {
        "texted": text.status == FollowUpStatus.SENT,
        "text_status": str(text.status),
        "reason": text.reason,
    }
