"""What follows a reply: the conversation, the callback a commander works, and its alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.core.db import Base, StrEnumType, UTCDateTime
from followup.models.messages import Category

if TYPE_CHECKING:
    from followup.models.agencies import Agency
    from followup.models.calls import FollowUp
    from followup.models.messages import Message
    from followup.models.staff import User

class AttemptOutcome(StrEnum):
    REACHED = "reached"  # spoke with the caller
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"  # left a message
    WRONG_NUMBER = "wrong_number"


class ResolutionOutcome(StrEnum):
    RESOLVED_BY_PHONE = "resolved_by_phone"  # talked it through on the phone
    REFERRED = "referred"  # passed to another unit (detectives, victim services...)
    COMPLAINT_TAKEN = "complaint_taken"  # a misconduct complaint was taken
    NO_CONTACT = "no_contact"  # no contact after the attempts logged
    NOT_NEEDED = "not_needed"  # nothing to do (e.g. the reply needed no call)




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
        # A number's threads; its unsolicited one (followup_id NULL) for the reply's read.
        Index("ix_conversations_agency_phone_followup", "agency_id", "phone", "followup_id"),
        Index("ix_conversations_followup_rating", "followup_id", "rating"),  # reports
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    step: Mapped[ConversationStep] = mapped_column(StrEnumType(ConversationStep, 20))
    rating: Mapped[int | None] = mapped_column(Integer)
    # Automatic texts sent in this conversation, the check-in included.
    auto_texts: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    followup: Mapped[FollowUp | None] = relationship()
    agency: Mapped[Agency] = relationship()


class CallbackStatus(StrEnum):
    r"""Where a callback stands. One per conversation; a later reply can only raise its stakes.

    ::

        (reply that needs a person) --> open --claim/assign--> claimed --resolve--> resolved
                                         ^  \<----release-----/                      |
                                         |                                           |
                                         +----reopen, or the caller writes again-----+

    Resolving needs an outcome (``ResolutionOutcome``); "no contact" needs an attempt logged.
    """

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
    __table_args__ = (
        Index("ix_callbacks_status_due", "status", "due_by"),
        # The urgent banner's poll, from every open page every few seconds.
        Index("ix_callbacks_agency_urgent", "agency_id", "priority", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))  # the reply that decided
    category: Mapped[Category] = mapped_column(StrEnumType(Category, 16))
    priority: Mapped[CallbackPriority] = mapped_column(StrEnumType(CallbackPriority, 8))
    status: Mapped[CallbackStatus] = mapped_column(StrEnumType(CallbackStatus, 10))
    due_by: Mapped[datetime] = mapped_column(UTCDateTime)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[ResolutionOutcome | None] = mapped_column(
        StrEnumType(ResolutionOutcome, 32)
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship()
    message: Mapped[Message] = relationship()
    claimed_by: Mapped[User | None] = relationship()


class AlertStatus(StrEnum):
    """One alert's delivery to one channel.

    ::

        (urgent callback) --> pending --channel took it--> sent
                                 |  ^
                                 |  +--channel down (sweep retries, at most MAX_ATTEMPTS)
                                 +--refused for good, or attempts ran out--> failed
    """

    PENDING = "pending"  # recorded, delivery not yet attempted (or to be retried by the sender)
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # the channel refused it for good, or retries ran out


class AlertChannel(StrEnum):
    """Where an urgent alert goes."""

    SMS = "sms"  # a text to an on-duty commander (target: the roster member's id)
    WEBHOOK = "webhook"  # the agency's alert URL, as signed JSON (target: the URL)


class Alert(Base):
    """One delivery of an urgent callback to one channel (a commander's phone, the alert URL)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    channel: Mapped[AlertChannel] = mapped_column(StrEnumType(AlertChannel, 8))
    target: Mapped[str] = mapped_column(String(500))  # roster member id (sms) or URL (webhook)
    status: Mapped[AlertStatus] = mapped_column(StrEnumType(AlertStatus, 8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(300))  # the error, or the gateway sid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
    kind: Mapped[CallbackEventKind] = mapped_column(StrEnumType(CallbackEventKind, 12))
    # How an attempt went (an AttemptOutcome) or how it was resolved (a ResolutionOutcome).
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
