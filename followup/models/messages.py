"""Texts, either way, the templates they are rendered from, and Twilio webhook receipts."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup.core.categories import Category  # noqa: F401 (re-exported)
from followup.core.db import Base, StrEnumType, UTCDateTime


class Purpose(StrEnum):
    """What a text is for: the template it is rendered from. Staff texts are open-ended
    (``staff_reply_<name>``, approved by IT staff); these are the ones the service sends itself."""

    CHECKIN = "checkin"  # the check-in after the call closed
    CONFIRMATION = "confirmation"  # the call was received: its case number, how to add details
    DELAY = "delay"  # no unit dispatched within the agency's threshold: not forgotten, 911
    ASK_COMMENT = "ask_comment"  # after a good answer: thanks, and an invitation to comment
    ASK_MORE = "ask_more"  # after any other answer: what could we have done better?
    QUESTION_ACK = "question_ack"  # after a question: a person will answer it
    THANKS = "thanks"  # after a comment: the conversation closes
    CRISIS_REPLY = "crisis_reply"  # danger: call 911, call or text 988
    HELP = "help"  # HELP, INFO
    OPT_OUT_CONFIRM = "opt_out_confirm"  # STOP: you will get no more texts
    OPT_IN_CONFIRM = "opt_in_confirm"  # START: texts again
    ALERT = "alert"  # to on-duty commanders, about an urgent callback
    OFFER_UPDATES = "offer_updates"  # may we text you when the case changes? reply YES
    UPDATES_CONSENTED = "updates_consented"  # the answer to that YES: updates will come

    @staticmethod
    def is_staff_text(purpose: str) -> bool:
        """Whether ``purpose`` names an approved text a commander may send (staff_reply_*)."""
        return bool(STAFF_TEXT.fullmatch(purpose))


# The approved texts a commander may send: staff_reply_<name>, named by IT staff.
STAFF_TEXT_PREFIX = "staff_reply_"
STAFF_TEXT = re.compile(r"staff_reply_[a-z0-9_]{1,40}")


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


class Message(Base):
    """One text, either way. Outbound texts carry the gateway's id (`sid`) and delivery status."""

    __tablename__ = "messages"
    __table_args__ = (
        # The reply's read: a number's latest check-in text (migration 0020 says why).
        Index("ix_messages_agency_phone_direction_created", "agency_id", "phone", "direction",
              "created_at"),
        # Reports: a check-in's outcome and a reply's category, read from the index alone.
        Index("ix_messages_followup_outcome", "followup_id", "status", "sid", "error_code"),
        Index("ix_messages_conversation_category", "conversation_id", "direction", "category"),
        # Report comments, newest first.
        Index("ix_messages_agency_direction_created", "agency_id", "direction", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), index=True)
    direction: Mapped[MessageDirection] = mapped_column(StrEnumType(MessageDirection, 8))
    phone: Mapped[str] = mapped_column(String(20))  # the caller's number, E.164
    body: Mapped[str] = mapped_column(Text)
    # Outbound: what the text was for (a Purpose value, or a staff_reply_* name).
    purpose: Mapped[str | None] = mapped_column(String(48))
    status: Mapped[MessageStatus] = mapped_column(StrEnumType(MessageStatus, 16))
    gateway: Mapped[str] = mapped_column(String(16))  # "twilio", "outbox", or "twiml" (a reply)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)  # MMS: shown, never fetched
    segments: Mapped[int | None] = mapped_column(Integer)
    # Inbound only: the triage decision (category, callback, urgent, ..., reasons) as stored.
    category: Mapped[Category | None] = mapped_column(StrEnumType(Category, 16))
    # (None is SQL NULL, as for an outbound text, whichever way the row is written.)
    triage: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
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


class WebhookReceipt(Base):
    """A Twilio webhook delivery already handled, by its ``I-Twilio-Idempotency-Token``.

    Twilio sends the same token when it retries a webhook; a second delivery with a token seen
    here is answered without being processed again (the unique index holds across workers)."""

    __tablename__ = "webhook_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "sms" or "status"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
