"""The tables: agencies, their tokens, calls, follow-ups, messages, contacts, templates."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.db import Base, UTCDateTime
from followup.quiet_hours import QuietHours


class CallStatus(StrEnum):
    """The call's state as the dispatch system last reported it."""

    CLOSED = "closed"  # the call for service is over: a check-in may follow
    REOPENED = "reopened"  # work resumed on the call: any check-in not yet sent is cancelled


class FollowUpStatus(StrEnum):
    """Where a check-in text stands. One follow-up per call, at most one text per call.

    ::

        (event) --eligible--> scheduled --claim--> sending --gateway ok--> sent
           |                     ^  |                 |  \\--transient error--> scheduled (retry)
           |                     |  |                 |  \\--permanent error--> failed
           |           (closed   |  +--reopened/STOP--+-> cancelled
           |            again)   |                    \\--crash, no outcome--> unknown
           +--not eligible--> skipped (a named reason)

    A lost answer (timeout, Twilio 5xx) goes ``sending --> unknown (lookup_pending)``; a later
    sweep asks Twilio: found --> sent; not found --> scheduled (retry); no answer --> unknown
    (lookup_failed). A carrier's transient error in a status callback (30001, 30003, 30500)
    takes a ``sent`` check-in back to ``scheduled``, a bounded number of times.
    """

    SCHEDULED = "scheduled"  # waiting for send_at; the sender picks it up once due
    SENDING = "sending"  # claimed and committed before the gateway call; outcome not yet known
    SENT = "sent"  # the gateway accepted the text (delivery status arrives on the message)
    FAILED = "failed"  # permanently refused by the gateway, or retries ran out of time
    SKIPPED = "skipped"  # never to be sent: `reason` says which eligibility rule decided
    CANCELLED = "cancelled"  # was scheduled, then stopped (call reopened, number opted out)
    UNKNOWN = "unknown"  # outcome not known (crash mid-send; lost answer): never resent blindly

    @classmethod
    def pending(cls) -> tuple[FollowUpStatus, ...]:
        """Statuses from which a text may still go out."""
        return (cls.SCHEDULED, cls.SENDING)


class SkipReason(StrEnum):
    """Why a follow-up is not sent; reports count these, so each value is stable."""

    NO_PHONE = "no_phone"  # the event carried no caller phone number
    INVALID_PHONE = "invalid_phone"  # not a number that can receive a text (landline, malformed)
    OPTED_OUT = "opted_out"  # the number replied STOP to this agency
    UNREACHABLE = "unreachable"  # the carrier said it cannot take texts (landline, blocked...)
    DO_NOT_CONTACT = "do_not_contact"  # the dispatcher or officer flagged the call
    SELF_INITIATED = "self_initiated"  # officer-initiated: nobody called for help
    SENSITIVE_CALL_TYPE = "sensitive_call_type"  # a text could endanger or hurt the caller
    EXCLUDED_DISPOSITION = "excluded_disposition"  # e.g. the caller was arrested
    RECENTLY_CONTACTED = "recently_contacted"  # texted within the agency's frequency cap
    TOO_OLD = "too_old"  # closed longer ago than the agency's maximum age
    CALL_REOPENED = "call_reopened"  # cancelled: the call was reopened before the text went
    NO_TEMPLATE = "no_template"  # failed: no check-in text exists for the language
    TEMPLATE_ERROR = "template_error"  # failed: the check-in text did not render
    WINDOW_PASSED = "window_passed"  # failed: retries would go past the maximum age
    RETRIES_EXHAUSTED = "retries_exhausted"  # failed: transient errors every time, up to the limit
    GATEWAY_REJECTED = "gateway_rejected"  # failed: the gateway refused permanently (see code)
    # With status unknown: Twilio's answer to a send was lost (timeout, 5xx). Pending: a later
    # sweep asks Twilio whether it took the text; running: a sender is asking; failed: Twilio
    # could not be asked, so staff decide (nothing resends it).
    LOOKUP_PENDING = "lookup_pending"
    LOOKUP_RUNNING = "lookup_running"
    LOOKUP_FAILED = "lookup_failed"


class MessageDirection(StrEnum):
    OUTBOUND = "outbound"  # from the agency to the caller
    INBOUND = "inbound"  # from the caller to the agency


class MessageStatus(StrEnum):
    """A single text's delivery state; outbound values follow Twilio's own status names.

    pending -> queued/accepted -> sending -> sent -> delivered, or failed/undelivered (final).
    """

    PENDING = "pending"  # stored, gateway not yet called (or the call's outcome is unknown)
    ACCEPTED = "accepted"  # Twilio accepted it for a Messaging Service, sender not yet chosen
    QUEUED = "queued"  # Twilio queued it for sending
    SENDING = "sending"  # Twilio is handing it to the carrier
    SENT = "sent"  # the carrier took it (the outbox gateway stops here: it keeps the text)
    DELIVERED = "delivered"  # the carrier confirmed delivery to the handset
    UNDELIVERED = "undelivered"  # the carrier could not deliver it (final)
    FAILED = "failed"  # the gateway refused or could not send it (final)
    RECEIVED = "received"  # an inbound text from a caller


class Agency(Base):
    """A police or public-safety agency and its sending rules."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))  # the non-emergency line, for texts
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    default_region: Mapped[str] = mapped_column(String(2), default="US")  # for phone numbers
    send_delay_seconds: Mapped[int] = mapped_column(Integer, default=7200)
    quiet_hours: Mapped[str] = mapped_column(String(16), default="21:00-09:00")  # or "off"
    # A reply within this many hours of a check-in belongs to its conversation.
    reply_window_hours: Mapped[int] = mapped_column(Integer, default=168)
    sms_number: Mapped[str | None] = mapped_column(String(20))  # the agency's texting number
    advanced_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)  # Twilio answers STOP
    sla_urgent_minutes: Mapped[int] = mapped_column(Integer, default=15)
    sla_high_minutes: Mapped[int] = mapped_column(Integer, default=240)
    sla_normal_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    alert_url: Mapped[str | None] = mapped_column(String(500))  # urgent callbacks POSTed here
    alert_secret: Mapped[str | None] = mapped_column(String(200))  # HMAC key for alert_url
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)  # staff need a second factor
    # Phone numbers and message bodies older than this are removed by `followup purge`.
    retention_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # Call types that wait longer (or less) than send_delay: [{"pattern": ..., "delay_seconds": n}],
    # the first whose words match the call type wins.
    call_type_delays: Mapped[list[dict]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # texts go out in these
    frequency_cap_days: Mapped[int] = mapped_column(Integer, default=30)
    max_age_days: Mapped[int] = mapped_column(Integer, default=7)
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    # Agency additions on top of the built-in sensitive list: words, codes or regexes.
    sensitive_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded_dispositions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)

    @property
    def send_delay(self) -> timedelta:
        return timedelta(seconds=self.send_delay_seconds)


class ApiToken(Base):
    """A bearer token a dispatch system uses to post events for one agency; only a hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    external_id: Mapped[str] = mapped_column(String(64))  # the agency's incident number
    status: Mapped[CallStatus] = mapped_column(String(16))
    call_type: Mapped[str] = mapped_column(String(200))
    disposition: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_phone: Mapped[str | None] = mapped_column(String(20))  # E.164 when it parsed
    caller_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(35))  # BCP 47 as sent
    district: Mapped[str | None] = mapped_column(String(64))
    beat: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    self_initiated: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the last event's fields
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    followup: Mapped[FollowUp | None] = relationship(back_populates="call", uselist=False)


class FollowUp(Base):
    """The check-in text for one call: its schedule, its outcome, and why it was not sent."""

    __tablename__ = "followups"
    __table_args__ = (
        # The sender's sweep reads only what is due: this index makes that cost independent
        # of how many follow-ups wait for later.
        Index("ix_followups_status_send_at", "status", "send_at"),
        Index("ix_followups_agency_phone", "agency_id", "phone"),
        # Reports read a call's follow-up from this index alone (no table row).
        Index("ix_followups_call_report", "call_id", "status", "reason", "error_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[FollowUpStatus] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))  # a SkipReason value
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer)  # the gateway's last error code
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship(back_populates="followup")
    agency: Mapped[Agency] = relationship()


class Message(Base):
    """One text, either way. Outbound texts carry the gateway's id (`sid`) and delivery status."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_agency_phone", "agency_id", "phone"),
        # Reports: a check-in's outcome and a reply's category, read from the index alone.
        Index("ix_messages_followup_outcome", "followup_id", "status", "sid", "error_code"),
        Index("ix_messages_conversation_category", "conversation_id", "direction", "category"),
        # Report comments, newest first.
        Index("ix_messages_agency_direction_created", "agency_id", "direction", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), index=True)
    direction: Mapped[MessageDirection] = mapped_column(String(8))
    phone: Mapped[str] = mapped_column(String(20))  # the caller's number, E.164
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(String(16))
    gateway: Mapped[str] = mapped_column(String(16))  # "twilio", "outbox", or "twiml" (a reply)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)  # MMS: shown, never fetched
    segments: Mapped[int | None] = mapped_column(Integer)
    # Inbound only: the triage decision (category, callback, urgent, ..., reasons) as stored.
    category: Mapped[str | None] = mapped_column(String(16))
    triage: Mapped[dict | None] = mapped_column(JSON)
    # Inbound only: the text this message was answered with (so a Twilio retry gets the same).
    reply_body: Mapped[str | None] = mapped_column(Text)
    commendation: Mapped[str | None] = mapped_column(String(200))  # the officer or unit praised
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageTemplate(Base):
    """One version of a text an agency sends, per purpose and language (optionally call type)."""

    __tablename__ = "message_templates"
    __table_args__ = (
        UniqueConstraint("agency_id", "purpose", "language", "call_type", "version"),
        Index("ix_templates_lookup", "agency_id", "purpose", "language", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    purpose: Mapped[str] = mapped_column(String(32))  # "checkin", ...
    language: Mapped[str] = mapped_column(String(8))  # ISO 639-1
    call_type: Mapped[str] = mapped_column(String(200), default="")  # "" = every call type
    version: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    author: Mapped[str] = mapped_column(String(100), default="seed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConversationStep(StrEnum):
    """Where a check-in conversation is.

    awaiting_rating (the check-in went out) -> awaiting_comment (we asked for more) -> closed.
    """

    AWAITING_RATING = "awaiting_rating"  # the check-in asked how it went
    AWAITING_COMMENT = "awaiting_comment"  # we thanked them and invited a comment
    CLOSED = "closed"  # we said thanks; later texts are kept and triaged, not answered


class Conversation(Base):
    """The texts about one check-in (or, when unsolicited, from one number) and what they said."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_agency_phone", "agency_id", "phone"),
        Index("ix_conversations_followup_rating", "followup_id", "rating"),  # reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    step: Mapped[ConversationStep] = mapped_column(String(20))
    rating: Mapped[int | None] = mapped_column(Integer)
    # Automatic texts sent in this conversation, the check-in included.
    auto_texts: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    followup: Mapped[FollowUp | None] = relationship()
    agency: Mapped[Agency] = relationship()


class CallbackStatus(StrEnum):
    OPEN = "open"  # waiting for a commander
    CLAIMED = "claimed"  # a commander has it
    RESOLVED = "resolved"  # the loop is closed


class CallbackPriority(StrEnum):
    URGENT = "urgent"  # danger now: alerts go out at once
    HIGH = "high"  # an allegation of misconduct
    NORMAL = "normal"  # everything else a person should answer


class Callback(Base):
    """A reply a watch commander must call back about; one per conversation."""

    __tablename__ = "callbacks"
    __table_args__ = (Index("ix_callbacks_status_due", "status", "due_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))  # the reply that decided
    category: Mapped[str] = mapped_column(String(16))
    priority: Mapped[CallbackPriority] = mapped_column(String(8))
    status: Mapped[CallbackStatus] = mapped_column(String(10))
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))  # a ResolutionOutcome value
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship()
    message: Mapped[Message] = relationship()
    claimed_by: Mapped[User | None] = relationship()


class RosterMember(Base):
    """A commander who gets urgent alerts by text while on duty."""

    __tablename__ = "roster_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    shift: Mapped[str | None] = mapped_column(String(40))  # e.g. "nights", "B watch"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertStatus(StrEnum):
    PENDING = "pending"  # recorded, delivery not yet attempted (or to be retried by the sender)
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # the channel refused it for good, or retries ran out


class Alert(Base):
    """One delivery of an urgent callback to one channel (a commander's phone, the alert URL)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" or "webhook"
    target: Mapped[str] = mapped_column(String(500))  # roster member id (sms) or URL (webhook)
    status: Mapped[AlertStatus] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(300))  # the error, or the gateway sid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Role(StrEnum):
    COMMANDER = "commander"  # works the callback queue
    ADMIN = "admin"  # IT staff: templates, rules, users, tokens (and the queue)
    VIEWER = "viewer"  # command staff: reports and the queue, read-only


class User(Base):
    """A staff account. Passwords are argon2 hashes; a TOTP secret adds a second factor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # since the last success
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped on sign-out, disable, password change: a session cookie carrying an older value
    # is refused, so a copied or replayed cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    agency: Mapped[Agency] = relationship()


class CallbackEventKind(StrEnum):
    """What happened on a callback; the detail page shows them in order."""

    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    ASSIGNED = "assigned"  # given to another commander
    ATTEMPT = "attempt"  # a call was made; `outcome` says how it went
    NOTE = "note"
    TEXT = "text"  # an approved text was sent to the caller
    RESOLVED = "resolved"  # `outcome` says how
    REOPENED = "reopened"


class CallbackEvent(Base):
    """One action on a callback, by whom and when (the callback's own history)."""

    __tablename__ = "callback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[CallbackEventKind] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """Who did what to which record, when. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))  # as typed, for failed sign-ins too
    action: Mapped[str] = mapped_column(String(40))  # "sign_in", "reveal_number", "claim", ...
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # never a phone number or body
    ip: Mapped[str | None] = mapped_column(String(64))


class WebhookReceipt(Base):
    """A Twilio webhook delivery already handled, by its ``I-Twilio-Idempotency-Token``.

    Twilio sends the same token when it retries a webhook; a second delivery with a token seen
    here is answered without being processed again (the unique index holds across workers)."""

    __tablename__ = "webhook_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "sms" or "status"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# --- report facts: what the reports read (kept by followup.report_facts) ---------------------


class ReportFact(Base):
    """One call as the reports count it: its dimensions and everything that followed it.

    Derived data, rebuilt from the tables above whenever they change (database triggers log
    the call in ``report_log``; ``followup.report_facts.refresh`` rebuilds it). A year of a
    large agency is then one range of one index, not a join of five tables."""

    __tablename__ = "report_facts"
    __table_args__ = (
        # Every report figure reads this index alone, in (day, outcome) order.
        Index(
            "ix_report_facts_period",
            "agency_id",
            "day",
            "status",
            "delivery",
            "detail",
            "replied",
            "rating",
            "shift",
            "district",
            "call_type",
            "language",
            "callback",
            "callback_resolved",
            "callback_in_sla",
            "first_attempt_seconds",
        ),
    )

    call_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)  # closed date, agency's zone: days since 1970-01-01
    shift: Mapped[str] = mapped_column(String(8))  # a key of reports.SHIFTS
    district: Mapped[str | None] = mapped_column(String(64))
    call_type: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))  # the check-in's
    status: Mapped[str | None] = mapped_column(String(16))  # the follow-up's FollowUpStatus
    delivery: Mapped[str | None] = mapped_column(String(12))  # sent: "delivered" or "failed"
    detail: Mapped[str | None] = mapped_column(String(32))  # skip reason, or error code
    replied: Mapped[int] = mapped_column(Integer, default=0)  # 1: the check-in got a reply
    rating: Mapped[int | None] = mapped_column(Integer)
    callback: Mapped[int] = mapped_column(Integer, default=0)  # 1: a callback was opened
    callback_resolved: Mapped[int] = mapped_column(Integer, default=0)
    callback_in_sla: Mapped[int] = mapped_column(Integer, default=0)  # resolved by its due time
    first_attempt_seconds: Mapped[int | None] = mapped_column(Integer)  # opened -> first attempt


class ReportReply(Base):
    """How many replies of each triage category a call's check-in got, with the call's
    dimensions (so the category mix reads one index too)."""

    __tablename__ = "report_replies"
    __table_args__ = (
        Index(
            "ix_report_replies_period",
            "agency_id",
            "day",
            "category",
            "shift",
            "district",
            "call_type",
            "language",
            "replies",
        ),
    )

    call_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)  # "none": not triaged
    agency_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    shift: Mapped[str] = mapped_column(String(8))
    district: Mapped[str | None] = mapped_column(String(64))
    call_type: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    replies: Mapped[int] = mapped_column(Integer)


class ReportLog(Base):
    """Rows whose calls' report facts are out of date: database triggers append the keys a
    changed row has at hand (its call, follow-up, conversation or callback) whenever a call, its
    follow-up, texts, conversation, callback or agency time zone changes."""

    __tablename__ = "report_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    call_id: Mapped[int | None] = mapped_column(Integer)
    followup_id: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    callback_id: Mapped[int | None] = mapped_column(Integer)
