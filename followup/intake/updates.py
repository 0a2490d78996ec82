"""Case updates: events the records system reports about a call after it (detective assigned,
arrest made, court date...), and the text each may lead to.

Idempotent on the caller's ``update_id`` per call: the same update again changes nothing, the
same id with a different body is refused (409). Each update gets one follow-up row of purpose
``update_<event>``, scheduled or skipped with its reason, sent by the sender's sweep like every
other text and re-checked there (followup.eligibility.notices). One skipped for want of consent
may lead to the call's offer of updates (followup.cases.offers).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followup.cases import offers
from followup.eligibility import notices
from followup.intake.schema import CaseUpdateEvent, FieldError
from followup.models import Agency, Call, CaseUpdate, FollowUp, FollowUpStatus, SkipReason
from followup.texts.languages import choose_language

logger = logging.getLogger(__name__)

_FUTURE_TOLERANCE = timedelta(minutes=15)  # as for the call's own times


class UpdateRejected(ValueError):
    """The update is well-formed JSON but cannot be accepted; ``errors`` name the fields."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class UpdateConflict(ValueError):
    """The update_id was recorded before with a different body."""


@dataclass(frozen=True)
class UpdateResult:
    update: CaseUpdate
    changed: bool  # False: the same update again, nothing new


def fingerprint_of(event: CaseUpdateEvent) -> str:
    return hashlib.sha256(event.model_dump_json().encode("utf-8")).hexdigest()


def check_update(event: CaseUpdateEvent, now: datetime) -> None:
    errors = event.detail_errors()
    if event.occurred_at - now > _FUTURE_TOLERANCE:
        errors.append(
            FieldError(field="occurred_at", message="is in the future; send it once it happened")
        )
    if errors:
        raise UpdateRejected(errors)


def _find(session: Session, call: Call, update_id: str) -> CaseUpdate | None:
    return session.scalar(
        select(CaseUpdate).where(CaseUpdate.call_id == call.id, CaseUpdate.update_id == update_id)
    )


def _same(existing: CaseUpdate, fingerprint: str) -> UpdateResult:
    if existing.fingerprint != fingerprint:
        raise UpdateConflict(existing.update_id)
    return UpdateResult(existing, changed=False)


def _consenting(session: Session, call: Call) -> CaseUpdate | None:
    """The call's first update that carried the victim's consent, if any."""
    return session.scalar(
        select(CaseUpdate)
        .where(CaseUpdate.call_id == call.id, CaseUpdate.victim_notify.is_(True))
        .order_by(CaseUpdate.id)
        .limit(1)
    )


def record_update(
    session: Session, agency: Agency, call: Call, event: CaseUpdateEvent, *, now: datetime
) -> UpdateResult:
    """Record ``event`` for ``call`` and plan its text. The caller commits."""
    check_update(event, now)
    fingerprint = fingerprint_of(event)
    existing = _find(session, call, event.update_id)
    if existing is not None:
        return _same(existing, fingerprint)
    earlier = _consenting(session, call)
    # The number the victim confirmed: the caller's, when consent was recorded; the one that
    # answered YES to the offer of updates.
    if event.victim_notify:
        notify_phone = call.caller_phone
    else:
        notify_phone = earlier.notify_phone if earlier is not None else call.updates_phone
    update = CaseUpdate(
        agency_id=agency.id,
        call_id=call.id,
        update_id=event.update_id,
        event=event.event,
        occurred_at=event.occurred_at,
        detail=event.detail.model_dump(exclude_none=True),
        victim_notify=event.victim_notify,
        notify_phone=notify_phone,
        fingerprint=fingerprint,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(update)
    except IntegrityError:
        # A twin request recorded the same update_id first.
        existing = _find(session, call, event.update_id)
        if existing is None:
            raise
        return _same(existing, fingerprint)
    _plan_text(session, agency, call, update, now)
    logger.info(
        "case update recorded: agency=%s call=%s update=%s event=%s",
        agency.slug, call.id, update.id, update.event,
    )
    return UpdateResult(update, changed=True)


def _plan_text(
    session: Session, agency: Agency, call: Call, update: CaseUpdate, now: datetime
) -> None:
    followup = FollowUp(
        agency_id=agency.id,
        call_id=call.id,
        purpose=notices.UPDATE_PREFIX + update.event,
        case_update=update,
        phone=update.notify_phone or call.caller_phone,
        language=choose_language(session, agency, call.language),
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    decision = notices.evaluate(
        session,
        agency,
        call,
        followup.purpose,
        now=now,
        phone_given=call.caller_phone is not None or update.notify_phone is not None,
        followup=followup,
    )
    followup.status = FollowUpStatus.SCHEDULED if decision.eligible else FollowUpStatus.SKIPPED
    followup.reason = decision.reason
    followup.send_at = now if decision.eligible else None  # quiet hours: the sender waits
    session.add(followup)
    session.flush()
    if decision.reason == SkipReason.NO_CONSENT:
        offers.plan(session, agency, call, now=now)  # may we text you? (agency option)
