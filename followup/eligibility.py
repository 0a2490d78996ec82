"""Whether a caller gets a check-in text: ordered rules, each skip with a named reason.

The same rules run twice: when the call is reported (to schedule or skip) and again just
before sending, because an opt-out, a new sensitive pattern or another text may have come since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from followup.models import Agency, Call, Contact, FollowUp, FollowUpStatus, SkipReason
from followup.quiet_hours import next_allowed
from followup.sensitive import match_sensitive, matches_any

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


# Carrier errors that will not change (blocked, unknown number, landline), and those that may
# (handset unreachable, carrier filtering), which count for a while.
PERMANENT_UNREACHABLE = {30004, 30005, 30006}
TEMPORARY_UNREACHABLE = {30003, 30007}
TEMPORARY_FOR = timedelta(days=30)


def is_unreachable(session: Session, agency_id: int, phone: str, *, now: datetime) -> bool:
    return _unreachable(_contact(session, agency_id, phone), now)


def _contact(session: Session, agency_id: int, phone: str) -> Contact | None:
    return session.scalar(
        select(Contact).where(Contact.agency_id == agency_id, Contact.phone == phone)
    )


def _unreachable(contact: Contact | None, now: datetime) -> bool:
    if contact is None or contact.unreachable_code is None:
        return False
    if contact.unreachable_code in PERMANENT_UNREACHABLE:
        return True
    return (
        contact.unreachable_code in TEMPORARY_UNREACHABLE
        and contact.unreachable_at is not None
        and now - contact.unreachable_at < TEMPORARY_FOR
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
    since = now - timedelta(days=agency.frequency_cap_days)
    contacted = FollowUp.status.in_(_CONTACTED) & (
        func.coalesce(FollowUp.sent_at, FollowUp.claimed_at) >= since
    )
    condition = (
        or_(contacted, FollowUp.status == FollowUpStatus.SCHEDULED)
        if count_scheduled
        else contacted
    )
    query = select(FollowUp.id).where(
        FollowUp.agency_id == agency.id, FollowUp.phone == phone, condition
    )
    if exclude_followup_id is not None:
        query = query.where(FollowUp.id != exclude_followup_id)
    return session.scalar(query.limit(1)) is not None


def evaluate(
    session: Session,
    agency: Agency,
    call: Call,
    *,
    now: datetime,
    phone_given: bool,
    followup_id: int | None = None,
    at_send_time: bool = False,
) -> Decision:
    """Apply the agency's rules in order and return the first that says no, or ELIGIBLE."""
    if not phone_given:
        return Decision(SkipReason.NO_PHONE)
    phone = call.caller_phone
    if phone is None:
        return Decision(SkipReason.INVALID_PHONE)
    contact = _contact(session, agency.id, phone)  # one read for both of the next two rules
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
    if recently_contacted(
        session,
        agency,
        phone,
        now=now,
        exclude_followup_id=followup_id,
        count_scheduled=not at_send_time,
    ):
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
