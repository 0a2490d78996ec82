"""Whether a caller gets a text other than the check-in: the confirmation when the call is
received, the delay text when no unit is dispatched in time, case updates, and the offer of
case updates (reply YES).

They keep the check-in's rules that protect the person (a number, no opt-out, reachable, no
do-not-contact, somebody called, nothing about a sensitive call unasked) and add their own; the
frequency cap counts check-ins only. The same decision runs when the text is planned and again
just before it is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.eligibility import call_types
from followup.eligibility.rules import ELIGIBLE, BatchFacts, Decision, person_rules
from followup.eligibility.sensitive import match_sensitive, matches_any
from followup.models import (
    Agency,
    Call,
    CallStatus,
    CallTypeDecision,
    CaseUpdate,
    FollowUp,
    SkipReason,
)

CONFIRMATION = "confirmation"  # "we received your call, case 26-118842"
DELAY = "delay"  # "no officer is free yet; we have not forgotten you"
UPDATE_PREFIX = "update_"  # a case update: update_<event>, e.g. update_arrest_made
OFFER = "offer_updates"  # "we can text you when case 26-118842 changes: reply YES"
# Texts that go out whatever the hour: the person just called, or is waiting for an officer.
QUIET_EXEMPT = frozenset({CONFIRMATION, DELAY})
# A confirmation or delay text later than this is no help: it is dropped (too_old).
STALE_AFTER = timedelta(hours=1)


def is_update(purpose: str) -> bool:
    return purpose.startswith(UPDATE_PREFIX)


def delay_threshold(agency: Agency, call: Call) -> timedelta:
    """How long a received call may wait for a unit before the delay text: the first of the
    agency's rules that matches the call's priority or call type, else its default."""
    for rule in agency.delay_rules or ():
        priority = rule.get("priority")
        if priority is not None:
            if call.priority and call.priority.strip().casefold() == str(priority).casefold():
                return timedelta(minutes=int(rule["minutes"]))
        elif matches_any(call.call_type, [rule.get("pattern", "")]):
            return timedelta(minutes=int(rule["minutes"]))
    return agency.delay_threshold


def _consented(session: Session, update: CaseUpdate, call: Call) -> bool:
    """The victim asked for updates: on this update, on an earlier one of the same call, or by
    answering YES to the offer text."""
    if update.victim_notify or call.updates_consented_at is not None:
        return True
    earlier = select(CaseUpdate.id).where(
        CaseUpdate.call_id == update.call_id,
        CaseUpdate.victim_notify.is_(True),
        CaseUpdate.id < update.id,
    )
    return session.scalar(earlier.limit(1)) is not None


def evaluate(
    session: Session,
    agency: Agency,
    call: Call,
    purpose: str,
    *,
    now: datetime,
    phone_given: bool = True,
    followup: FollowUp | None = None,
    facts: BatchFacts | None = None,
) -> Decision:
    """Apply the rules for a ``purpose`` text about ``call``; return the first that says no."""
    update = followup.case_update if followup is not None else None
    phone = followup.phone if followup is not None else call.caller_phone
    decision = person_rules(
        session, agency, call, phone, now=now, phone_given=phone_given, facts=facts
    )
    if not decision.eligible:
        return decision
    sensitive = match_sensitive(call.call_type, agency.sensitive_patterns or ())
    if is_update(purpose):
        # Only when the victim asked; for a sensitive call, only to the number they confirmed.
        if not agency.case_update_texts:
            return Decision(SkipReason.PURPOSE_OFF)
        if update is None or not _consented(session, update, call):
            return Decision(SkipReason.NO_CONSENT)
        if sensitive and not update.notify_phone:
            return Decision(SkipReason.SENSITIVE_CALL_TYPE, sensitive.group)
        return ELIGIBLE
    if sensitive:
        return Decision(SkipReason.SENSITIVE_CALL_TYPE, sensitive.group)
    if purpose == OFFER:
        return _offer(session, agency, call)
    enabled = agency.confirmation_texts if purpose == CONFIRMATION else agency.delay_texts
    if not enabled:
        return Decision(SkipReason.PURPOSE_OFF)
    if call.closed_at is not None or call.status in (CallStatus.CLOSED, CallStatus.REOPENED):
        return Decision(SkipReason.CALL_CLOSED)
    if purpose == DELAY and (call.dispatched_at is not None or call.arrived_at is not None):
        return Decision(SkipReason.CALL_DISPATCHED)
    due = (
        call.created_at_cad
        if purpose == CONFIRMATION
        else (followup.send_at if followup is not None else None)
    )
    if due is not None and now - due > STALE_AFTER:
        return Decision(SkipReason.TOO_OLD)
    return ELIGIBLE


def _offer(session: Session, agency: Agency, call: Call) -> Decision:
    """The offer of case updates, past the rules above (the person's, a sensitive call type).

    An offer is itself a text about the call: besides the built-in list and the agency's
    patterns, a call type IT marked sensitive in the register never gets one (IT's "ordinary"
    does not lift the built-in list here, as it does for the check-in)."""
    if call_types.decision_of(session, agency.id, call.call_type) == CallTypeDecision.SENSITIVE:
        return Decision(SkipReason.MARKED_SENSITIVE)
    if not (agency.case_update_texts and agency.case_update_offers):
        return Decision(SkipReason.PURPOSE_OFF)
    if call.updates_consented_at is not None or session.scalar(
        select(CaseUpdate.id)
        .where(CaseUpdate.call_id == call.id, CaseUpdate.victim_notify.is_(True))
        .limit(1)
    ):
        return Decision(SkipReason.CONSENTED)
    return ELIGIBLE
