"""A caller's text arrives: keep it, read it, answer it once, and flag it for a person if needed.

Order, for every inbound text:

1. The same MessageSid again (Twilio retries) changes nothing and gets the same answer.
2. The text is stored first, before anything can fail, and triaged.
3. Compliance keywords: STOP (and sentences that mean it) opts the number out at once and
   cancels what was scheduled; START/UNSTOP (and YES after an opt-out) opt back in; HELP.
4. Danger: the safety reply (call 911, call or text 988) and urgent alerts to commanders.
5. A YES to the offer of case updates consents to them (``followup.cases.offers``).
6. The conversation's next step (thanks and an invitation to comment, or what could we have
   done better, then thanks), never more than one reply per text and three automatic texts
   per conversation; in a language beyond English and Spanish only when the agency has the
   text in it (a person reads the reply otherwise, and the conversation waits).
7. A callback when triage says a person must call back.
8. Praise in a positive reply naming the call's officer, unit or call-taker is kept as a
   commendation (``followup.replies.commendations``).

An opted-out number gets no text at all (the opt-out confirmation aside); its texts are still
kept, triaged and flagged. Nothing a caller sends is dropped: a reply that matches no check-in
is kept as unsolicited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from followup.callbacks import alerts, flags
from followup.cases import offers
from followup.core import logs
from followup.core.phones import to_e164
from followup.core.text import without_nul
from followup.eligibility import contacts
from followup.models import ConversationStep, MessageDirection, MessageStatus, Purpose
from followup.replies import commendations, receipts, safety, store
from followup.replies.store import AgencyRow, Thread
from followup.replies.triage import Category, TriageResult, triage
from followup.replies.triage.language import SUPPORTED
from followup.replies.triage.text import bare
from followup.texts import message_templates
from followup.texts.languages import language_for

logger = logging.getLogger(__name__)

_E164 = re.compile(r"\+[1-9]\d{1,14}")

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
    receipts.claim(session, token, "sms", now=now)
    # A token handled before means the text is stored: ``receive`` finds it by its MessageSid.
    return receive(session, sms, now=now, default_agency_slug=default_agency_slug)


def receive(
    session: Session, sms: InboundSms, *, now: datetime, default_agency_slug: str
) -> InboundOutcome:
    """Handle one inbound text. The caller commits, then delivers ``alert_ids``.

    A few Core statements in the caller's transaction (``followup.replies.store``): one read,
    then the writes. When a concurrent reply to the same text created its conversation first,
    the text is read and decided again, once."""
    connection = session.connection()
    for _ in range(2):
        outcome = _receive(session, connection, sms, now, default_agency_slug)
        if outcome is not None:
            return outcome
    raise RuntimeError("the conversation of an inbound text kept changing under it")


# Long because it is the whole reply in order: read, decide, write; each step is one call.
def _receive(
    session: Session, connection: Connection, sms: InboundSms, now: datetime, slug: str
) -> InboundOutcome | None:
    """One attempt: the outcome, or None when the conversation changed under it."""
    to = _as_sent(sms.to) if sms.to else None
    # Twilio sends E.164, which reads the same in every region; anything else is read in the
    # agency's region, known after the read.
    phone = _as_sent(sms.sender) if sms.sender.startswith("+") else None
    found = store.read(connection, sid=sms.sid, phone=phone or sms.sender, to=to, slug=slug,
                       now=now)
    if phone is None:
        phone = to_e164(sms.sender, found.agency.default_region) or sms.sender
        if phone != sms.sender:
            found = store.read(connection, sid=sms.sid, phone=phone, to=to, slug=slug, now=now)
    if found.earlier_id is not None:
        earlier = store.earlier_reply(connection, found.earlier_id)
        return InboundOutcome(earlier, found.earlier_id, duplicate=True)

    agency, thread = found.agency, found.thread
    result = triage(sms.body, language_hint=thread.language)
    thread.last_inbound_at = now
    if result.language in SUPPORTED:
        # Answer in the language the caller writes in, when the agency has texts in it.
        thread.language = language_for(agency, result.language, found.checkin_languages)
    purpose, standing = _decide(connection, agency, thread, result, sms.body, found.opted_out)
    opted_out = {"opt_out": True, "opt_in": False}.get(standing, found.opted_out)
    language = safety.reply_language(purpose, result, thread.language)
    answer = _reply(connection, agency, thread, purpose, language, opted_out) if purpose else None

    new = thread.id is None
    if new and store.insert_thread(connection, agency, thread, now) is None:
        return None
    # Praise (never a name in a complaint): who it names, kept with the call's ids.
    positive = result.category == Category.POSITIVE
    praise = commendations.praised(sms.body, thread.call) if positive else []
    text = store.text_row(
        agency, thread, now, direction=MessageDirection.INBOUND, body=sms.body,
        status=MessageStatus.RECEIVED, gateway="twilio", sid=sms.sid,
        media_urls=list(sms.media_urls), segments=sms.segments, category=result.category,
        triage=result.as_dict(), reply_body=answer[1] if answer else None,
        commendation=commendations.words(sms.body, praise),
    )
    reply = store.reply_row(agency, thread, *answer, now) if answer else None
    message_id = store.insert_texts(connection, text, reply)
    if message_id is None:
        # A concurrent delivery of the same MessageSid was stored first: answer as it did.
        if new:
            store.delete_thread(connection, thread.id)  # inserted by this request, for nothing
        twin = store.read(connection, sid=sms.sid, phone=thread.phone, to=to, slug=slug, now=now)
        earlier = store.earlier_reply(connection, twin.earlier_id)
        return InboundOutcome(earlier, twin.earlier_id, duplicate=True)
    if not new:
        store.update_thread(connection, thread)
    commendations.record(connection, praise, thread.call, agency_id=agency.id,
                         message_id=message_id, now=now)
    if purpose == Purpose.UPDATES_CONSENTED:
        offers.consent(session, agency, call_id=thread.call.id, offer_id=thread.followup_id,
                       phone=thread.phone, message_id=message_id, now=now)
    if standing == "opt_out":
        contacts.opt_out(session, agency.id, thread.phone, source="reply", now=now)
    elif standing == "opt_in":
        contacts.opt_in(session, agency.id, thread.phone, now=now)
    alert_ids: list[int] = []
    if result.callback:
        values, became_urgent = flags.merge(agency, thread.callback, result, message_id, now=now)
        callback_id = store.save_callback(connection, thread, values)
        if became_urgent:
            alert_ids = alerts.create_for(session, agency, callback_id, now=now)
    logs.note(
        logger,
        "inbound text: agency=%s message=%s conversation=%s category=%s callback=%s reply=%s",
        agency.slug,
        message_id,
        thread.id,
        result.category,
        result.callback,
        answer[0] if answer else None,
    )
    return InboundOutcome(answer[1] if answer else None, message_id, alert_ids=alert_ids)


def _as_sent(number: str) -> str | None:
    """``to_e164(number) or number`` for a number as Twilio sends it: E.164 already, which
    ``to_e164`` returns unchanged or refuses (kept as sent either way), so it is not parsed
    again (phonenumbers takes about half a millisecond a number)."""
    if _E164.fullmatch(number):
        return number
    return to_e164(number) or (number if number.startswith("+") else None)


def _decide(
    connection: Connection,
    agency: AgencyRow,
    thread: Thread,
    result: TriageResult,
    body: str,
    opted_out: bool,
) -> tuple[str | None, str | None]:
    """Decide the text's effects on the conversation; return the purpose of the reply owed (or
    None) and the change to the number's standing ("opt_out", "opt_in" or None)."""
    purpose: str | None = None
    standing: str | None = None
    if result.opt_out:
        standing = "opt_out"
        # Twilio's Advanced Opt-Out answers STOP itself; a second confirmation would be noise.
        # One confirmation only: a second STOP from an opted-out number gets nothing.
        purpose = None if agency.advanced_opt_out or opted_out else Purpose.OPT_OUT_CONFIRM
    elif result.category == Category.OPT_IN or (opted_out and bare(body) in {"YES", "SI"}):
        standing = "opt_in"
        purpose = None if agency.advanced_opt_out else Purpose.OPT_IN_CONFIRM
    elif opted_out:
        purpose = None  # never text an opted-out number; the text is still kept and triaged
    elif result.category == Category.HELP:
        purpose = None if agency.advanced_opt_out else Purpose.HELP
    elif result.urgent:
        purpose = Purpose.CRISIS_REPLY
    elif offers.is_offer(thread):  # a reply to the offer of case updates
        purpose = offers.answer(thread.call, body)
    else:
        purpose, step = _next_step(thread, result)
        if result.interpreter_needed and not _writes_in(
            connection, agency, purpose, result.language
        ):
            # No text in the language the caller wrote: a person reads it, and the
            # conversation waits where it was.
            purpose, step = None, thread.step
        thread.step = step

    if result.rating is not None and thread.rating is None:
        thread.rating = result.rating
    return purpose, standing


def _next_step(
    conversation: Thread, result: TriageResult
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


def _writes_in(
    connection: Connection, agency: AgencyRow, purpose: str | None, language: str
) -> bool:
    """Whether the agency has ``purpose``'s text in ``language`` (a language beyond English and
    Spanish: the conversation answers in it only then, never in one the caller did not write).
    One statement more, for such a reply only."""
    if purpose is None or language not in safety.LANGUAGES:
        return False
    return bool(store.templates(connection, agency, (purpose,), {language}))


def _reply(
    connection: Connection,
    agency: AgencyRow,
    thread: Thread,
    purpose: str,
    language: str,
    opted_out: bool,
) -> tuple[str, str] | None:
    """Render the reply and count it; return its purpose and text, or None when none is due."""
    if purpose not in safety.ALWAYS_ANSWERED and thread.auto_texts >= MAX_AUTO_TEXTS:
        return None
    if purpose != Purpose.OPT_OUT_CONFIRM and opted_out:
        return None  # the gateway rule holds for replies too
    # An agency set up before the question text existed, and not seeded since: the old answer.
    purposes = (purpose, Purpose.ASK_MORE) if purpose == Purpose.QUESTION_ACK else (purpose,)
    rows = store.templates(connection, agency, purposes, {language, agency.default_language})
    call = thread.call
    call_type = call.call_type if call else ""
    for purpose in purposes:
        candidates = [row for row in rows if row.purpose == purpose]
        template = message_templates.best_template(candidates, language, call_type)
        if template is not None:
            break
    else:
        return None
    try:
        body = message_templates.render_body(
            template.body, message_templates.call_context(agency, call, template.language)
        )
    except message_templates.TemplateRenderError as exc:
        logger.error("reply text %s for agency %s did not render: %s", purpose, agency.slug, exc)
        return None
    thread.auto_texts += 1
    return purpose, body
