"""Calls for service, their check-in follow-ups, and each number's standing with an agency."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from followup.core.db import Base, StrEnumType, UTCDateTime

if TYPE_CHECKING:
    from followup.models.agencies import Agency

# Columns of issue 20 (schema 0014) and later (the call-taker, 0019): an INSERT that does not set
# them names no column an older schema lacks (NULL in the database either way).
_LATER = FetchedValue()


class CallStatus(StrEnum):
    """The call's state as the dispatch system reported it, furthest stage first.

    ::

        received --> dispatched --> arrived --> closed <--> reopened

    Events may come in any order: an earlier stage arriving after a later one records its time
    and changes nothing else (``stage``); between closed and reopened the latest event wins.
    """

    RECEIVED = "received"  # the call was created in dispatch: a confirmation text may follow
    DISPATCHED = "dispatched"  # a unit was assigned: no delay text any more
    ARRIVED = "arrived"  # a unit arrived on scene
    CLOSED = "closed"  # the call for service is over: a check-in may follow
    REOPENED = "reopened"  # work resumed on the call: any check-in not yet sent is cancelled

    @property
    def stage(self) -> int:
        """How far the call has come: closed and reopened are the same stage."""
        return _STAGES[self]


_STAGES = {
    CallStatus.RECEIVED: 0,
    CallStatus.DISPATCHED: 1,
    CallStatus.ARRIVED: 2,
    CallStatus.CLOSED: 3,
    CallStatus.REOPENED: 3,
}


class FollowUpStatus(StrEnum):
    """Where a check-in text stands. One follow-up per call, at most one text per call.

    ::

        (event) --eligible--> scheduled --claim--> sending --gateway ok--> sent
           |                     ^  |                 |  \\--transient error--> scheduled (retry)
           |                     |  |                 |  \\--permanent error--> failed
           |           (closed   |  +--reopened/STOP--+-> cancelled
           |            again)   |                    \\--crash, no outcome--> unknown
           +--not eligible--> skipped (a named reason)
           +--call type not yet reviewed (agency option)--> held --IT decides--> scheduled
                                                              |                 or skipped
                                                              +--reopened/STOP--> cancelled

    A lost answer (timeout, Twilio 5xx) goes ``sending --> unknown (lookup_pending)``; a later
    sweep asks Twilio: found --> sent; not found --> scheduled (retry); no answer --> unknown
    (lookup_failed). A carrier's transient error in a status callback (30001, 30003, 30500)
    takes a ``sent`` check-in back to ``scheduled``, a bounded number of times. A case update
    ``skipped`` for ``no_consent`` goes back to ``scheduled`` when the caller answers YES to the
    offer of updates sent about it (followup.cases.offers), and only then.
    """

    SCHEDULED = "scheduled"  # waiting for send_at; the sender picks it up once due
    SENDING = "sending"  # claimed and committed before the gateway call; outcome not yet known
    SENT = "sent"  # the gateway accepted the text (delivery status arrives on the message)
    FAILED = "failed"  # permanently refused by the gateway, or retries ran out of time
    SKIPPED = "skipped"  # never to be sent: `reason` says which eligibility rule decided
    CANCELLED = "cancelled"  # was scheduled, then stopped (call reopened, number opted out)
    UNKNOWN = "unknown"  # outcome not known (crash mid-send; lost answer): never resent blindly
    HELD = "held"  # waiting for IT to review its call type; never claimed by the sender

    @classmethod
    def pending(cls) -> tuple[FollowUpStatus, ...]:
        """Statuses from which a text may still go out."""
        return (cls.SCHEDULED, cls.SENDING, cls.HELD)

    @classmethod
    def waiting(cls) -> tuple[FollowUpStatus, ...]:
        """Statuses not yet claimed: a reopened call or a STOP cancels these."""
        return (cls.SCHEDULED, cls.HELD)


class SkipReason(StrEnum):
    """Why a follow-up is not sent; reports count these, so each value is stable."""

    NO_PHONE = "no_phone"  # the event carried no caller phone number
    INVALID_PHONE = "invalid_phone"  # not a number that can receive a text (landline, malformed)
    OPTED_OUT = "opted_out"  # the number replied STOP to this agency
    UNREACHABLE = "unreachable"  # the carrier said it cannot take texts (landline, blocked...)
    DO_NOT_CONTACT = "do_not_contact"  # the dispatcher or officer flagged the call
    SELF_INITIATED = "self_initiated"  # officer-initiated: nobody called for help
    SENSITIVE_CALL_TYPE = "sensitive_call_type"  # a text could endanger or hurt the caller
    MARKED_SENSITIVE = "marked_sensitive"  # IT marked the call type sensitive in the register
    # Held, not skipped: the agency holds texts for call types nobody has reviewed yet.
    UNREVIEWED_CALL_TYPE = "unreviewed_call_type"
    EXCLUDED_DISPOSITION = "excluded_disposition"  # e.g. the caller was arrested
    RECENTLY_CONTACTED = "recently_contacted"  # texted within the agency's frequency cap
    TOO_OLD = "too_old"  # closed longer ago than the agency's maximum age
    CALL_REOPENED = "call_reopened"  # cancelled: the call was reopened before the text went
    NO_TEMPLATE = "no_template"  # failed: no check-in text exists for the language
    TEMPLATE_ERROR = "template_error"  # failed: the check-in text did not render
    WINDOW_PASSED = "window_passed"  # failed: retries would go past the maximum age
    RETRIES_EXHAUSTED = "retries_exhausted"  # failed: transient errors every time, up to the limit
    GATEWAY_REJECTED = "gateway_rejected"  # failed: the gateway refused permanently (see code)
    PURPOSE_OFF = "purpose_off"  # the agency does not send this kind of text
    CALL_DISPATCHED = "call_dispatched"  # delay text: a unit was dispatched (or arrived) in time
    CALL_CLOSED = "call_closed"  # confirmation or delay: the call was already over
    NO_CONSENT = "no_consent"  # case update: the victim did not ask for updates
    CONSENTED = "consented"  # offer of updates: the victim had already asked for them
    # With status unknown: Twilio's answer to a send was lost (timeout, 5xx). Pending: a later
    # sweep asks Twilio whether it took the text; running: a sender is asking; failed: Twilio
    # could not be asked, so staff decide (nothing resends it).
    LOOKUP_PENDING = "lookup_pending"
    LOOKUP_RUNNING = "lookup_running"
    LOOKUP_FAILED = "lookup_failed"


class Contact(Base):
    """A phone number as one agency knows it: above all, whether it has opted out."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("agency_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set while opted out
    opt_out_source: Mapped[str | None] = mapped_column(String(32))  # "reply", "twilio_21610", ...
    # Carrier-reported trouble (Twilio 30003-30007): reports and future eligibility read it.
    unreachable_code: Mapped[int | None] = mapped_column(Integer)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Call(Base):
    """A call for service as the dispatch or records system reported it (latest event wins)."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("agency_id", "external_id"),
        Index("ix_calls_agency_closed", "agency_id", "closed_at"),  # reports read by period
        # Reports: the received calls, for the time to dispatch (migration 0018).
        Index("ix_calls_agency_received", "agency_id", "created_at_cad"),
        # The queue's district filter, read one district at a time (migration 0021).
        Index("ix_calls_agency_district", "agency_id", "district"),
    )
    __mapper_args__ = {"eager_defaults": False}  # see _LATER

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    external_id: Mapped[str] = mapped_column(String(64))  # the agency's incident number
    status: Mapped[CallStatus] = mapped_column(StrEnumType(CallStatus, 16))
    call_type: Mapped[str] = mapped_column(String(200))
    disposition: Mapped[str | None] = mapped_column(String(200))
    # When each stage happened, as the dispatch system said (None: not reported). A call first
    # reported as received has no closing time until it closes.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The API's received_at: when the call was created in dispatch.
    created_at_cad: Mapped[datetime | None] = mapped_column(UTCDateTime, server_default=_LATER)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, server_default=_LATER)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, server_default=_LATER)
    # The CAD's priority, as sent.
    priority: Mapped[str | None] = mapped_column(String(16), server_default=_LATER)
    officer_name: Mapped[str | None] = mapped_column(
        String(200), server_default=_LATER
    )
    # The caller asked for case updates by answering YES to the offer text (followup.cases.
    # offers): when, and from which number (the one updates then go to). Schema 0017.
    updates_consented_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, server_default=_LATER
    )
    updates_phone: Mapped[str | None] = mapped_column(String(20), server_default=_LATER)
    caller_phone: Mapped[str | None] = mapped_column(String(20))  # E.164 when it parsed
    caller_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(35))  # BCP 47 as sent
    district: Mapped[str | None] = mapped_column(String(64))
    beat: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    # The dispatcher (call-taker) who took the call, as the CAD names them: a reply may praise
    # them too.
    call_taker_id: Mapped[str | None] = mapped_column(String(64), server_default=_LATER)
    call_taker_name: Mapped[str | None] = mapped_column(String(200), server_default=_LATER)
    self_initiated: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the last event's fields
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this service recorded it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    # The check-in (the survey after the call closed): one per call at most.
    followup: Mapped[FollowUp | None] = relationship(
        primaryjoin=lambda: and_(
            Call.id == foreign(FollowUp.call_id), FollowUp.purpose == CHECKIN
        ),
        uselist=False,
        overlaps="call,texts",
    )
    # Every text the service schedules about the call, whatever its purpose, in order.
    texts: Mapped[list[FollowUp]] = relationship(
        primaryjoin=lambda: Call.id == foreign(FollowUp.call_id),
        order_by=lambda: FollowUp.id,
        viewonly=True,
    )


CHECKIN = "checkin"  # FollowUp.purpose of the check-in (Purpose.CHECKIN)


class FollowUp(Base):
    """One text the service means to send about a call: its schedule, its outcome, and why it
    was not sent. ``purpose`` says which: the check-in after the call closed (at most one per
    call), the confirmation when it was received, the delay text, or a case update (one per
    update). Every purpose goes through the same claim, send and outcome lifecycle."""

    __tablename__ = "followups"
    __mapper_args__ = {"eager_defaults": False}  # see _LATER
    __table_args__ = (
        # One text of each purpose per call; case updates, one per update.
        Index(
            "uq_followups_call_purpose",
            "call_id",
            "purpose",
            unique=True,
            sqlite_where=text("case_update_id IS NULL"),
            postgresql_where=text("case_update_id IS NULL"),
        ),
        # The sender's sweep reads only what is due: this index makes that cost independent
        # of how many follow-ups wait for later.
        Index("ix_followups_status_send_at", "status", "send_at"),
        # Its look-up of lost answers (status = unknown, oldest id first) reads one status in
        # id order; without it SQLite scanned the whole table (migration 0016).
        Index("ix_followups_status_id", "status", "id"),
        # A number's check-ins within the frequency cap, for intake's one read (migration 0020).
        Index("ix_followups_agency_phone_purpose", "agency_id", "phone", "purpose"),
        # Reports: the texts other than check-ins, by purpose, never a year of check-ins (0018).
        Index("ix_followups_agency_purpose", "agency_id", "purpose", "call_id", "status"),
        # Reports read a call's follow-up from this index alone (no table row).
        Index("ix_followups_call_report", "call_id", "status", "reason", "error_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    # The template purpose: "checkin", "confirmation", "delay", "update_<event>" or
    # "offer_updates" (the offer of case updates: reply YES).
    purpose: Mapped[str] = mapped_column(String(48), server_default=CHECKIN)
    case_update_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_updates.id"), unique=True, server_default=_LATER
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[FollowUpStatus] = mapped_column(StrEnumType(FollowUpStatus, 16))
    reason: Mapped[SkipReason | None] = mapped_column(StrEnumType(SkipReason, 32))
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer)  # the gateway's last error code
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(overlaps="followup,texts")
    agency: Mapped[Agency] = relationship()
    case_update: Mapped[CaseUpdate | None] = relationship()

    @property
    def is_checkin(self) -> bool:
        return self.purpose == CHECKIN


class CaseUpdate(Base):
    """A case event the records system reported for a call (detective assigned, arrest made...).

    Idempotent on the caller's ``update_id`` per call. A text follows only when the victim asked
    for updates (``victim_notify``); ``notify_phone`` is the number the victim confirmed."""

    __tablename__ = "case_updates"
    __table_args__ = (UniqueConstraint("call_id", "update_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    update_id: Mapped[str] = mapped_column(String(64))  # the records system's own id
    event: Mapped[str] = mapped_column(String(32))  # detective_assigned, arrest_made, ...
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    victim_notify: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_phone: Mapped[str | None] = mapped_column(String(20))  # E.164, as the victim confirmed
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
