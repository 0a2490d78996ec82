"""A caller's text arrives: keep it, read it, answer it once, and flag it for a person if needed.

Order, for every inbound text:

1. The same MessageSid again (Twilio retries) changes nothing and gets the same answer.
2. The text is stored first, before anything can fail, and triaged.
3. Compliance keywords: STOP (and sentences that mean it) opts the number out at once and
   cancels what was scheduled; START/UNSTOP (and YES after an opt-out) opt back in; HELP.
4. Danger: the safety reply (call 911, call or text 988) and urgent alerts to commanders.
5. The conversation's next step (thanks and an invitation to comment, or what could we have
   done better, then thanks), never more than one reply per text and three automatic texts
   per conversation.
6. A callback when triage says a person must call back.

An opted-out number gets no text at all (the opt-out confirmation aside); its texts are still
kept, triaged and flagged. Nothing a caller sends is dropped: a reply that matches no check-in
is kept as unsolicited.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followup.callbacks import alerts, flags
from followup.cases import offers
from followup.core.phones import to_e164
from followup.core.text import without_nul
from followup.eligibility import contacts
from followup.eligibility.contacts import is_opted_out
from followup.models import (
    Agency,
    Conversation,
    ConversationStep,
    FollowUp,
    Message,
    MessageDirection,
    MessageStatus,
    Purpose,
)
from followup.replies import commendations, receipts, safety
from followup.replies.triage import Category, TriageResult, triage
from followup.replies.triage.language import SUPPORTED
from followup.replies.triage.text import bare
from followup.texts import message_templates
from followup.texts.languages import choose_language

logger = logging.getLogger(__name__)

MAX_AUTO_TEXTS = 3  # the check-in, one follow-up question, thanks


@dataclass(frozen=True)
class InboundSms:
    """An inbound text as Twilio reports it (the webhook layer builds this from the form)."""

    sid: str
    sender: str  # From
    to: str  # To: the agency's number
    body: str
    media_urls: tuple[str, ...] = ()
    segments: int | None = None


def sms_from_form(form: Mapping[str, str]) -> InboundSms | None:
    """Read Twilio's inbound-message form; None when it lacks MessageSid or From."""
    form = {key: without_nul(value) for key, value in form.items()}
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    sender = form.get("From")
    if not sid or not sender:
        return None
    media_count = _int(form.get("NumMedia")) or 0
    return InboundSms(
        sid=sid,
        sender=sender,
        to=form.get("To", ""),
        body=form.get("Body", ""),
        media_urls=tuple(
            url for i in range(min(media_count, 10)) if (url := form.get(f"MediaUrl{i}"))
        ),
        segments=_int(form.get("NumSegments")),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class InboundOutcome:
    reply: str | None  # what to answer with (TwiML), or None for an empty response
    message_id: int
    duplicate: bool = False
    alert_ids: list[int] = field(default_factory=list)  # deliver these once committed


def receive_once(
    session: Session,
    sms: InboundSms,
    *,
    token: str | None,
    now: datetime,
    default_agency_slug: str,
) -> InboundOutcome:
    """Handle one delivery of a text, unless Twilio's idempotency ``token`` was handled before:
    then answer as the first time (the reply stored with the text), changing nothing."""
    if not receipts.claim(session, token, "sms", now=now):
        earlier = _by_sid(session, sms.sid)
        if earlier is not None:
            return InboundOutcome(earlier.reply_body, earlier.id, duplicate=True)
    return receive(session, sms, now=now, default_agency_slug=default_agency_slug)


def receive(
    session: Session, sms: InboundSms, *, now: datetime, default_agency_slug: str
) -> InboundOutcome:
    """Handle one inbound text. The caller commits, then delivers ``alert_ids``."""
    earlier = _by_sid(session, sms.sid)
    if earlier is not None:
        return InboundOutcome(earlier.reply_body, earlier.id, duplicate=True)

    agency = _agency_for(session, sms.to, default_agency_slug)
    phone = to_e164(sms.sender, agency.default_region) or sms.sender
    conversation = _conversation_for(session, agency, phone, now)
    result = triage(sms.body, language_hint=conversation.language)
    message = Message(
        agency_id=agency.id,
        direction=MessageDirection.INBOUND,
        phone=phone,
        body=sms.body,
        status=MessageStatus.RECEIVED,
        gateway="twilio",
        sid=sms.sid,
        conversation_id=conversation.id,
        media_urls=list(sms.media_urls),
        segments=sms.segments,
        category=result.category,
        triage=result.as_dict(),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # A concurrent delivery of the same MessageSid was stored first (unique sid).
        twin = _by_sid(session, sms.sid)
        if twin is None:
            raise
        return InboundOutcome(twin.reply_body, twin.id, duplicate=True)
    conversation.last_inbound_at = now
    if result.language in SUPPORTED:
        # Answer in the language the caller writes in, when the agency has texts in it.
        conversation.language = choose_language(session, agency, result.language)
    if result.category == Category.POSITIVE:
        # Praise (never a name in a complaint): who it names, kept with the call's ids.
        call = conversation.followup.call if conversation.followup else None
        message.commendation = commendations.record(session, message, call, now=now)

    purpose, alert_ids = _decide(session, agency, conversation, message, result, sms.body, now)
    language = safety.reply_language(purpose, result, conversation.language)
    reply = _reply(session, agency, conversation, purpose, now, language) if purpose else None
    message.reply_body = reply
    logger.info(
        "inbound text: agency=%s message=%s conversation=%s category=%s callback=%s reply=%s",
        agency.slug,
        message.id,
        conversation.id,
        result.category,
        result.callback,
        purpose,
    )
    return InboundOutcome(reply, message.id, alert_ids=alert_ids)


def _decide(
    session: Session,
    agency: Agency,
    conversation: Conversation,
    message: Message,
    result: TriageResult,
    body: str,
    now: datetime,
) -> tuple[str | None, list[int]]:
    """Apply the text's effects; return the purpose of the reply owed (or None) and alert ids."""
    purpose: str | None = None
    alert_ids: list[int] = []
    opted_out = is_opted_out(session, agency.id, conversation.phone)

    if result.opt_out:
        contacts.opt_out(session, agency.id, conversation.phone, source="reply", now=now)
        # Twilio's Advanced Opt-Out answers STOP itself; a second confirmation would be noise.
        # One confirmation only: a second STOP from an opted-out number gets nothing.
        confirmed_before = opted_out
        purpose = None if agency.advanced_opt_out or confirmed_before else Purpose.OPT_OUT_CONFIRM
    elif result.category == Category.OPT_IN or (opted_out and bare(body) in {"YES", "SI"}):
        contacts.opt_in(session, agency.id, conversation.phone, now=now)
        purpose = None if agency.advanced_opt_out else Purpose.OPT_IN_CONFIRM
    elif opted_out:
        purpose = None  # never text an opted-out number; the text is still kept and triaged
    elif result.category == Category.HELP:
        purpose = None if agency.advanced_opt_out else Purpose.HELP
    elif result.urgent:
        purpose = Purpose.CRISIS_REPLY
    elif offers.is_offer(conversation.followup):  # a reply to the offer of case updates
        purpose = offers.answer(session, agency, conversation, message, body, now=now)
    else:
        purpose, step = _next_step(conversation, result)
        if result.interpreter_needed and not _writes_in(session, agency, purpose, result.language):
            # No text in the language the caller wrote: a person reads it, and the
            # conversation waits where it was.
            purpose, step = None, conversation.step
        conversation.step = step

    if result.rating is not None and conversation.rating is None:
        conversation.rating = result.rating
    if result.callback:
        callback, became_urgent = flags.flag(
            session, agency, conversation, message, result, now=now
        )
        if became_urgent:
            alert_ids = alerts.create_for(session, agency, callback, now=now)
    return purpose, alert_ids


def _next_step(
    conversation: Conversation, result: TriageResult
) -> tuple[str | None, ConversationStep]:
    """The text a check-in conversation owes for this reply (if any), and its next step."""
    if conversation.step == ConversationStep.AWAITING_RATING:
        if result.category == Category.POSITIVE:
            return Purpose.ASK_COMMENT, ConversationStep.AWAITING_COMMENT
        if result.category == Category.QUESTION:
            # Answered as a question: a person will answer it (a commander has it in the queue,
            # with an approved text that carries the case number), not "what could we do better".
            return Purpose.QUESTION_ACK, ConversationStep.AWAITING_COMMENT
        if result.category in (
            Category.NEUTRAL,
            Category.NEGATIVE,
            Category.UNRESOLVED,
            Category.CONDUCT,
        ):
            return Purpose.ASK_MORE, ConversationStep.AWAITING_COMMENT
        if result.category == Category.WRONG_NUMBER:
            return None, ConversationStep.CLOSED
        # No signal ("?", "k") or a language we cannot answer in: a person reads it.
        return None, conversation.step
    if conversation.step == ConversationStep.AWAITING_COMMENT:
        return Purpose.THANKS, ConversationStep.CLOSED
    return None, conversation.step


def _writes_in(session: Session, agency: Agency, purpose: str | None, language: str) -> bool:
    """Whether the agency has ``purpose``'s text in ``language`` (a language beyond English and
    Spanish: the conversation answers in it only then, never in one the caller did not write)."""
    if purpose is None or language not in safety.LANGUAGES:
        return False
    return language in message_templates.languages_for(session, agency, purpose)


def _reply(
    session: Session,
    agency: Agency,
    conversation: Conversation,
    purpose: str,
    now: datetime,
    language: str,
) -> str | None:
    """Render the reply, record it as an outbound text, and count it; None when none is due."""
    if purpose not in safety.ALWAYS_ANSWERED and conversation.auto_texts >= MAX_AUTO_TEXTS:
        return None
    if purpose != Purpose.OPT_OUT_CONFIRM and is_opted_out(session, agency.id, conversation.phone):
        return None  # the gateway rule holds for replies too
    call = conversation.followup.call if conversation.followup else None
    try:
        rendered = message_templates.render_for_call(session, agency, call, purpose, language)
        if rendered is None and purpose == Purpose.QUESTION_ACK:
            # An agency set up before this text existed, and not seeded since: the old answer.
            purpose = Purpose.ASK_MORE
            rendered = message_templates.render_for_call(session, agency, call, purpose, language)
    except message_templates.TemplateRenderError as exc:
        logger.error("reply text %s for agency %s did not render: %s", purpose, agency.slug, exc)
        return None
    if rendered is None:
        return None
    session.add(
        Message(
            agency_id=agency.id,
            direction=MessageDirection.OUTBOUND,
            phone=conversation.phone,
            body=rendered.body,
            purpose=purpose,
            status=MessageStatus.SENT,
            gateway="twiml",
            conversation_id=conversation.id,
            created_at=now,
            updated_at=now,
        )
    )
    conversation.auto_texts += 1
    return rendered.body


def _by_sid(session: Session, sid: str) -> Message | None:
    return session.scalar(select(Message).where(Message.sid == sid))


def _agency_for(session: Session, to: str, default_slug: str) -> Agency:
    """The agency whose texting number received the text; the default agency otherwise."""
    number = to_e164(to) if to else None
    if number:
        agency = session.scalar(select(Agency).where(Agency.sms_number == number))
        if agency is not None:
            return agency
    return session.scalar(select(Agency).where(Agency.slug == default_slug))


def _conversation_for(session: Session, agency: Agency, phone: str, now: datetime) -> Conversation:
    """The conversation of the latest check-in sent to ``phone`` within the reply window, or
    the number's open unsolicited thread, created when needed."""
    since = now - timedelta(hours=agency.reply_window_hours)
    followup_id = session.scalar(
        select(Message.followup_id)
        .where(
            Message.agency_id == agency.id,
            Message.phone == phone,
            Message.direction == MessageDirection.OUTBOUND,
            Message.followup_id.is_not(None),
            Message.created_at >= since,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    if followup_id is not None:
        conversation = session.scalar(
            select(Conversation).where(Conversation.followup_id == followup_id)
        )
        if conversation is None:
            followup = session.get(FollowUp, followup_id)
            conversation = Conversation(
                agency_id=agency.id,
                followup_id=followup_id,
                phone=phone,
                language=followup.language,
                step=ConversationStep.AWAITING_RATING,
                auto_texts=1,
                opened_at=now,
            )
            session.add(conversation)
            session.flush()
        return conversation
    conversation = session.scalar(
        select(Conversation)
        .where(
            Conversation.agency_id == agency.id,
            Conversation.phone == phone,
            Conversation.followup_id.is_(None),
            Conversation.last_inbound_at >= since,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    if conversation is None:
        # Unsolicited: kept, triaged and flagged like any reply, but not a conversation we lead.
        conversation = Conversation(
            agency_id=agency.id,
            followup_id=None,
            phone=phone,
            language=agency.default_language,
            step=ConversationStep.CLOSED,
            auto_texts=0,
            opened_at=now,
            last_inbound_at=now,
        )
        session.add(conversation)
        session.flush()
    return conversation
