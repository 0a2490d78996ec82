"""Whether a caller gets a check-in text: ordered rules, each skip with a named reason.

The same rules run twice: when the call is reported (to schedule or skip) and again just
before sending, because an opt-out, a new sensitive pattern or another text may have come since.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from followup.eligibility.quiet_hours import next_allowed
from followup.eligibility.sensitive import match_sensitive, matches_any
from followup.models import Agency, Call, Contact, FollowUp, FollowUpStatus, SkipReason
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


ELIGIBLE = Decision()


def _contact(session: Session, agency_id: int, phone: str) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.agency_id == agency_id, Contact.phone == phone)
    )


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


def is_opted_out(session: Session, agency_id: int, phone: str) -> bool:
    return (
        session.scalar(
            select(Contact.id).where(
                Contact.agency_id == agency_id,
                Contact.phone == phone,
                Contact.opted_out_at.is_not(None),
            )
        )
        is not None
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
                _counts_for_cap(agency, now=now, count_scheduled=True),
            )
            .distinct()
        )
    )


def _counts_for_cap(agency: Agency, *, now: datetime, count_scheduled: bool):
    """The follow-ups that make their number "recently contacted" for the frequency cap."""
    since = now - timedelta(days=agency.frequency_cap_days)
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
    """

    contacts: dict[tuple[int, str], Contact] = field(default_factory=dict)
    texted: set[tuple[int, str]] = field(default_factory=set)


def batch_facts(session: Session, followups: Iterable[FollowUp], *, now: datetime) -> BatchFacts:
    """Read the contacts and recent texts for every number in ``followups`` in two queries."""
    followups = list(followups)
    keys = {(f.call.agency_id, f.call.caller_phone) for f in followups if f.call.caller_phone}
    if not keys:
        return BatchFacts()
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
    return BatchFacts(contacts, texted)


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
) -> Decision:
    """Apply the agency's rules in order and return the first that says no, or ELIGIBLE.

    With ``facts`` (the sender's batch), contacts and recent texts come from there instead of
    one query each."""
    if not phone_given:
        return Decision(SkipReason.NO_PHONE)
    phone = call.caller_phone
    if phone is None:
        return Decision(SkipReason.INVALID_PHONE)
    # One read for both of the next two rules.
    contact = (
        facts.contacts.get((agency.id, phone))
        if facts is not None
        else _contact(session, agency.id, phone)
    )
    if contact is not None and contact.opted_out:
        return Decision(SkipReason.OPTED_OUT)
    if _unreachable(contact, now):
        return Decision(SkipReason.UNREACHABLE)
    if call.do_not_contact:
        return Decision(SkipReason.DO_NOT_CONTACT)
    if call.self_initiated:
        return Decision(SkipReason.SELF_INITIATED)
    sensitive = match_sensitive(call.call_type, agency.sensitive_patterns or ())
    if sensitive:
        return Decision(SkipReason.SENSITIVE_CALL_TYPE, sensitive.group)
    disposition = matches_any(call.disposition, agency.excluded_dispositions or ())
    if disposition:
        return Decision(SkipReason.EXCLUDED_DISPOSITION, disposition)
    recent = (
        (agency.id, phone) in facts.texted
        if facts is not None
        else recently_contacted(
            session,
            agency,
            phone,
            now=now,
            exclude_followup_id=followup_id,
            count_scheduled=not at_send_time,
        )
    )
    if recent:
        return Decision(SkipReason.RECENTLY_CONTACTED)
    if now - call.closed_at > timedelta(days=agency.max_age_days):
        return Decision(SkipReason.TOO_OLD)
    return ELIGIBLE


def send_time(
    agency: Agency, closed_at: datetime, *, now: datetime, call_type: str = ""
) -> datetime:
    """Return when the check-in for a call closed at ``closed_at`` should go out.

    The agency's delay after closing (or the call type's own), never in the past, moved out of
    quiet hours in the agency's own time zone.
    """
    return next_allowed(
        max(closed_at + delay_for(agency, call_type), now), agency.zone, agency.quiet
    )


def delay_for(agency: Agency, call_type: str) -> timedelta:
    """The agency's send delay for ``call_type``: its own rule if one matches, else the default."""
    for rule in agency.call_type_delays or ():
        if matches_any(call_type, [rule["pattern"]]):
            return timedelta(seconds=int(rule["delay_seconds"]))
    return agency.send_delay
