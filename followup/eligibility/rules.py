"""Whether a caller gets a check-in text: ordered rules, each skip with a named reason, and the
one decision (``decide``) of what a call's follow-up becomes.

The same rules run twice: when the call is reported (to schedule or skip) and again just
before sending, because an opt-out, a new sensitive pattern, IT's decision about the call type
or another text may have come since.

The call type: the agency's own sensitive patterns always apply; then IT's decision in the
call-type register (``marked sensitive`` skips, ``ordinary`` is texted whatever the built-in
list says); otherwise the built-in list decides. A call that passes every rule but whose call
type nobody has reviewed is held, not sent, when the agency asks for that
(``hold_unreviewed_call_types``); a decision about the label releases it
(``call_type_register.release_held``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from followup.eligibility import call_types, contacts
from followup.eligibility.sensitive import match_agency, match_builtin, matches_any
from followup.eligibility.timing import send_time
from followup.models import (
    Agency,
    Call,
    CallStatus,
    CallTypeDecision,
    Contact,
    FollowUp,
    FollowUpStatus,
    SkipReason,
)
from followup.models.calls import CHECKIN
from followup.sending.gateways import twilio_codes

# Follow-ups that count as "texted" for the frequency cap. At intake a scheduled one counts too,
# so two calls from one number in an afternoon lead to one text, not two.
_CONTACTED = (FollowUpStatus.SENT, FollowUpStatus.SENDING, FollowUpStatus.UNKNOWN)


@dataclass(frozen=True)
class Decision:
    reason: SkipReason | None = None
    detail: str | None = None  # e.g. which sensitive group matched; never personal data

    @property
    def eligible(self) -> bool:
        return self.reason is None

    @property
    def held(self) -> bool:
        """Not sent yet, not skipped either: waiting for IT to review the call type."""
        return self.reason == SkipReason.UNREVIEWED_CALL_TYPE


ELIGIBLE = Decision()


def _unreachable(contact: Contact | None, now: datetime) -> bool:
    if contact is None or contact.unreachable_code is None:
        return False
    # What a carrier said: some codes hold for good (landline, blocked), others for a while.
    meaning = twilio_codes.meaning(contact.unreachable_code)
    if meaning in twilio_codes.UNREACHABLE_FOR_GOOD:
        return True
    return (
        meaning in twilio_codes.UNREACHABLE_FOR_A_WHILE
        and contact.unreachable_at is not None
        and now - contact.unreachable_at < twilio_codes.UNREACHABLE_FOR
    )


def recently_contacted(
    session: Session,
    agency: Agency,
    phone: str,
    *,
    now: datetime,
    exclude_followup_id: int | None,
    count_scheduled: bool,
) -> bool:
    query = select(FollowUp.id).where(
        FollowUp.agency_id == agency.id,
        FollowUp.phone == phone,
        FollowUp.purpose == CHECKIN,  # the cap counts check-ins, not confirmations or updates
        _counts_for_cap(agency, now=now, count_scheduled=count_scheduled),
    )
    if exclude_followup_id is not None:
        query = query.where(FollowUp.id != exclude_followup_id)
    return session.scalar(query.limit(1)) is not None


def recently_contacted_numbers(
    session: Session, agency: Agency, phones: Iterable[str], *, now: datetime
) -> set[str]:
    """Of ``phones``, those ``recently_contacted`` (at intake: scheduled counts) says yes for, in
    one query: for a batch of new calls, which have no follow-up of their own to exclude."""
    phones = set(phones)
    if not phones:
        return set()
    return set(
        session.scalars(
            select(FollowUp.phone)
            .where(
                FollowUp.agency_id == agency.id,
                FollowUp.phone.in_(phones),
                FollowUp.purpose == CHECKIN,
                _counts_for_cap(agency, now=now, count_scheduled=True),
            )
            .distinct()
        )
    )


def _counts_for_cap(agency: Agency, *, now: datetime, count_scheduled: bool):
    """The follow-ups that make their number "recently contacted" for the frequency cap."""
    return counts_for_cap(cap_start(agency, now), count_scheduled=count_scheduled)


def cap_start(agency: Agency, now: datetime) -> datetime:
    """The frequency cap's window starts here: a text since then counts."""
    return now - timedelta(days=agency.frequency_cap_days)


def counts_for_cap(since, *, count_scheduled: bool):
    """The condition ``_counts_for_cap`` states, from the window's start ``since`` (a time, or
    a bound parameter in a statement built once: intake's hot path)."""
    contacted = FollowUp.status.in_(_CONTACTED) & (
        func.coalesce(FollowUp.sent_at, FollowUp.claimed_at) >= since
    )
    if count_scheduled:
        return or_(contacted, FollowUp.status == FollowUpStatus.SCHEDULED)
    return contacted


@dataclass
class BatchFacts:
    """What the send-time re-check needs to know about a batch of follow-ups, read at once.

    ``texted`` holds the (agency, number) pairs texted within their agency's frequency cap by
    a follow-up outside the batch; the sender adds each number it texts from the batch, so a
    second follow-up to that number in the same batch waits for the cap like any other.
    ``reviews`` holds IT's decisions about the batch's call types by (agency, label key); a
    label not in it counts as unreviewed.
    """

    contacts: dict[tuple[int, str], Contact] = field(default_factory=dict)
    texted: set[tuple[int, str]] = field(default_factory=set)
    reviews: dict[tuple[int, str], CallTypeDecision] = field(default_factory=dict)


def batch_facts(session: Session, followups: Iterable[FollowUp], *, now: datetime) -> BatchFacts:
    """Read the contacts, recent texts and call-type decisions for ``followups`` in three
    queries."""
    followups = list(followups)
    reviews = call_types.decisions_for(
        session, {(f.call.agency_id, f.call.call_type) for f in followups}
    )
    keys = {(f.call.agency_id, f.call.caller_phone) for f in followups if f.call.caller_phone}
    if not keys:
        return BatchFacts(reviews=reviews)
    agencies = {f.call.agency_id: f.call.agency for f in followups}
    agency_ids = {agency_id for agency_id, _ in keys}
    phones = {phone for _, phone in keys}
    contacts = {
        (contact.agency_id, contact.phone): contact
        for contact in session.scalars(
            select(Contact).where(Contact.agency_id.in_(agency_ids), Contact.phone.in_(phones))
        )
    }
    since = {a.id: now - timedelta(days=a.frequency_cap_days) for a in agencies.values()}
    last_texted = func.coalesce(FollowUp.sent_at, FollowUp.claimed_at)
    rows = session.execute(
        select(FollowUp.agency_id, FollowUp.phone, last_texted).where(
            FollowUp.agency_id.in_(agency_ids),
            FollowUp.phone.in_(phones),
            FollowUp.purpose == CHECKIN,
            FollowUp.status.in_(_CONTACTED),
            last_texted >= min(since.values()),
            FollowUp.id.not_in([f.id for f in followups]),
        )
    )
    texted = {
        (agency_id, phone)
        for agency_id, phone, at in rows
        if (agency_id, phone) in keys and at >= since[agency_id]
    }
    return BatchFacts(contacts, texted, reviews)


def _review(
    session: Session, agency: Agency, call: Call, facts: BatchFacts | None
) -> CallTypeDecision:
    if facts is not None:
        key = (agency.id, call_types.label_key(call.call_type))
        return facts.reviews.get(key, CallTypeDecision.UNREVIEWED)
    return call_types.decision_of(session, agency.id, call.call_type)


def call_type_rule(agency: Agency, label: str, review: CallTypeDecision) -> Decision:
    """The call-type rule alone: the agency's patterns, then IT's decision, then the list."""
    own = match_agency(label, agency.sensitive_patterns or ())
    if own:
        return Decision(SkipReason.SENSITIVE_CALL_TYPE, own.group)
    if review == CallTypeDecision.SENSITIVE:
        return Decision(SkipReason.MARKED_SENSITIVE)
    if review != CallTypeDecision.ORDINARY:
        builtin = match_builtin(label)
        if builtin:
            return Decision(SkipReason.SENSITIVE_CALL_TYPE, builtin.group)
    return ELIGIBLE


def _recent(
    session: Session,
    agency: Agency,
    phone: str,
    now: datetime,
    followup_id: int | None,
    at_send_time: bool,
    facts: BatchFacts | None,
) -> bool:
    """The frequency cap: from the sender's batch when given, else one query."""
    if facts is not None:
        return (agency.id, phone) in facts.texted
    return recently_contacted(
        session,
        agency,
        phone,
        now=now,
        exclude_followup_id=followup_id,
        count_scheduled=not at_send_time,
    )


def person_rules(
    session: Session,
    agency: Agency,
    call: Call,
    phone: str | None,
    *,
    now: datetime,
    phone_given: bool,
    facts: BatchFacts | None,
) -> Decision:
    """The rules that protect the person, for every text whatever its purpose: a number, no
    opt-out, reachable, no do-not-contact, somebody called."""
    if not phone_given:
        return Decision(SkipReason.NO_PHONE)
    if phone is None:
        return Decision(SkipReason.INVALID_PHONE)
    # One read for both of the next two rules.
    contact = (
        facts.contacts.get((agency.id, phone))
        if facts is not None
        else contacts.find(session, agency.id, phone)
    )
    if contact is not None and contact.opted_out:
        return Decision(SkipReason.OPTED_OUT)
    if _unreachable(contact, now):
        return Decision(SkipReason.UNREACHABLE)
    if call.do_not_contact:
        return Decision(SkipReason.DO_NOT_CONTACT)
    if call.self_initiated:
        return Decision(SkipReason.SELF_INITIATED)
    return ELIGIBLE


def evaluate(
    session: Session,
    agency: Agency,
    call: Call,
    *,
    now: datetime,
    phone_given: bool,
    followup_id: int | None = None,
    at_send_time: bool = False,
    facts: BatchFacts | None = None,
    review: CallTypeDecision | None = None,
) -> Decision:
    """Apply the agency's rules in order and return the first that says no, or ELIGIBLE.

    With ``facts`` (the sender's batch), contacts, recent texts and IT's decisions about call
    types come from there instead of one query each; ``review`` is IT's decision about this
    call's type when the caller already knows it (intake's upsert answers it)."""
    phone = call.caller_phone
    person = person_rules(
        session, agency, call, phone, now=now, phone_given=phone_given, facts=facts
    )
    if not person.eligible:
        return person
    if review is None:
        review = _review(session, agency, call, facts)
    by_type = call_type_rule(agency, call.call_type, review)
    if not by_type.eligible:
        return by_type
    disposition = matches_any(call.disposition, agency.excluded_dispositions or ())
    if disposition:
        return Decision(SkipReason.EXCLUDED_DISPOSITION, disposition)
    if _recent(session, agency, phone, now, followup_id, at_send_time, facts):
        return Decision(SkipReason.RECENTLY_CONTACTED)
    if now - call.closed_at > timedelta(days=agency.max_age_days):
        return Decision(SkipReason.TOO_OLD)
    if agency.hold_unreviewed_call_types and not review.reviewed:
        return Decision(SkipReason.UNREVIEWED_CALL_TYPE)  # last: only what would be texted waits
    return ELIGIBLE


@dataclass(frozen=True)
class Verdict:
    """What a call's follow-up becomes: its status, why it is not sent, and when it is due."""

    status: FollowUpStatus
    reason: SkipReason | None = None
    send_at: datetime | None = None


def decide(
    session: Session,
    agency: Agency,
    call: Call,
    *,
    now: datetime,
    phone_given: bool,
    current: FollowUpStatus | None = None,
    followup_id: int | None = None,
    facts: BatchFacts | None = None,
    review: CallTypeDecision | None = None,
) -> Verdict:
    """Decide whether ``call`` gets its check-in, and when: the one decision for every event.

    ``current`` is the status of a follow-up the call already has (a re-decision); its id,
    ``followup_id``, keeps that follow-up from counting against its own frequency cap. With
    ``facts`` (a batch of new calls), a call scheduled here counts for the cap of the next.
    """
    if call.status == CallStatus.REOPENED:
        # Work resumed on the call: what was scheduled is cancelled; nothing else changes.
        status = FollowUpStatus.CANCELLED if current in FollowUpStatus.waiting() else (
            current or FollowUpStatus.SKIPPED
        )
        return Verdict(status, SkipReason.CALL_REOPENED)
    decision = evaluate(
        session, agency, call, now=now, phone_given=phone_given, followup_id=followup_id,
        facts=facts, review=review,
    )
    if decision.held:
        return Verdict(FollowUpStatus.HELD, decision.reason)
    if not decision.eligible:
        return Verdict(FollowUpStatus.SKIPPED, decision.reason)
    if facts is not None:
        # Scheduled counts for the cap at intake: a later event to this number waits.
        facts.texted.add((agency.id, call.caller_phone))
    return Verdict(
        FollowUpStatus.SCHEDULED,
        send_at=send_time(agency, call.closed_at, now=now, call_type=call.call_type),
    )
