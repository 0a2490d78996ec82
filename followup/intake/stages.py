"""The call's stages before it closes (received, dispatched, arrived) and the texts they lead
to: a confirmation when the call is received, a delay text when no unit is dispatched in time.

Stages may be reported in any order and more than once. The call keeps the furthest stage
(between closed and reopened, the latest event); an earlier stage reported after a later one
only records its own time. Each text is one follow-up row per call and purpose, decided here and
sent by the sender's sweep like the check-in (at most once, re-checked before sending).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followup.eligibility import notices
from followup.intake.schema import CallEvent
from followup.models import (
    Agency,
    Call,
    CallStatus,
    CaseUpdate,
    FollowUp,
    FollowUpStatus,
    SkipReason,
)
from followup.texts.languages import choose_language

logger = logging.getLogger(__name__)

# The event's time field, and the call's column that keeps it.
_TIMES = {
    "received": ("received_at", "created_at_cad"),
    "dispatched": ("dispatched_at", "dispatched_at"),
    "arrived": ("arrived_at", "arrived_at"),
    "closed": ("closed_at", "closed_at"),
}


def is_late(call: Call, event: CallEvent) -> bool:
    """Whether ``event`` reports an earlier stage than the call has reached."""
    status = CallStatus(event.status)
    return status not in (CallStatus.CLOSED, CallStatus.REOPENED) and (
        status.stage < CallStatus(call.status).stage
    )


def record_late(call: Call, event: CallEvent, now: datetime) -> bool:
    """Record a late event's time if the call has none for that stage; return whether it did."""
    field, column = _TIMES[event.status]
    if getattr(call, column) is not None or getattr(event, field) is None:
        return False
    setattr(call, column, getattr(event, field))
    call.updated_at = now
    return True


def needs_checkin(call: Call, event: CallEvent, *, new_call: bool) -> bool:
    """Whether the event decides the check-in: a closed or reopened call."""
    return event.status in (CallStatus.CLOSED, CallStatus.REOPENED)


def plan_texts(
    session: Session, agency: Agency, call: Call, event: CallEvent, *, now: datetime
) -> None:
    """Plan the confirmation and delay texts a received call gets; stop a delay text that a
    later stage made needless."""
    open_call = call.status in (CallStatus.RECEIVED, CallStatus.DISPATCHED, CallStatus.ARRIVED)
    if event.status == CallStatus.RECEIVED and open_call:
        existing = set(
            session.scalars(
                select(FollowUp.purpose).where(
                    FollowUp.call_id == call.id,
                    FollowUp.purpose.in_((notices.CONFIRMATION, notices.DELAY)),
                )
            )
        )
        language = choose_language(session, agency, call.language)
        phone_given = bool(event.caller_phone) or call.caller_phone is not None
        for purpose in (notices.CONFIRMATION, notices.DELAY):
            if purpose not in existing:
                _plan(session, agency, call, purpose, language, phone_given, now)
    elif event.status != CallStatus.RECEIVED:
        reason = (
            SkipReason.CALL_CLOSED
            if event.status in (CallStatus.CLOSED, CallStatus.REOPENED)
            else SkipReason.CALL_DISPATCHED
        )
        # The sender claims with the same condition (status scheduled): one of the two wins.
        session.execute(
            update(FollowUp)
            .where(
                FollowUp.call_id == call.id,
                FollowUp.purpose == notices.DELAY,
                FollowUp.status == FollowUpStatus.SCHEDULED,
            )
            .values(status=FollowUpStatus.CANCELLED, reason=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def _plan(
    session: Session,
    agency: Agency,
    call: Call,
    purpose: str,
    language: str,
    phone_given: bool,
    now: datetime,
) -> None:
    decision = notices.evaluate(
        session, agency, call, purpose, now=now, phone_given=phone_given
    )
    send_at = None
    reason = decision.reason
    if decision.eligible:
        if purpose == notices.CONFIRMATION:
            send_at = now  # at once, whatever the hour: the person just called
        else:
            due = (call.created_at_cad or now) + notices.delay_threshold(agency, call)
            send_at = max(due, now)
            if now - due > notices.STALE_AFTER:
                reason, send_at = SkipReason.TOO_OLD, None
    followup = FollowUp(
        agency_id=agency.id,
        call_id=call.id,
        purpose=purpose,
        phone=call.caller_phone,
        language=language,
        status=FollowUpStatus.SKIPPED if reason else FollowUpStatus.SCHEDULED,
        reason=reason,
        send_at=send_at,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(followup)
    except IntegrityError:
        # A twin request planned it first (one text of each purpose per call).
        return
    logger.info(
        "%s text planned: agency=%s call=%s status=%s reason=%s",
        purpose, agency.slug, call.id, followup.status, followup.reason,
    )


def texts_of(session: Session, call: Call) -> list[FollowUp]:
    """Every text planned about ``call``, in the order they were planned."""
    return list(
        session.scalars(select(FollowUp).where(FollowUp.call_id == call.id).order_by(FollowUp.id))
    )


def updates_of(session: Session, call: Call) -> list[CaseUpdate]:
    return list(
        session.scalars(
            select(CaseUpdate)
            .where(CaseUpdate.call_id == call.id)
            .order_by(CaseUpdate.occurred_at, CaseUpdate.id)
        )
    )
