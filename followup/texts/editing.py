"""Editing the texts an agency sends: versions, previews, activation, rollback, test sends.

A bad template never reaches a caller: a body is checked (placeholders, syntax, allowed
constructs) before it is saved, and rendered with sample call data before it is activated.
Every save is a new version; exactly one version of a template is active.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from followup.models import Agency, MessageTemplate, Purpose, User
from followup.sending.gateways.guard import OptOutGuard
from followup.sending.segments import SegmentInfo, count_segments
from followup.staff import audit
from followup.texts import message_templates
from followup.texts.message_templates import KEYWORDS, PLACEHOLDERS, TemplateRenderError

PURPOSES = {
    Purpose.CHECKIN: "The check-in after a call closes",
    Purpose.ASK_COMMENT: "After a good answer: thanks, and an invitation to comment",
    Purpose.ASK_MORE: "After any other answer: what could we have done better?",
    Purpose.QUESTION_ACK: "After a question: a person will answer it",
    Purpose.THANKS: "After a comment: thanks (the conversation closes)",
    Purpose.CRISIS_REPLY: "To a caller in danger: 911 and 988",
    Purpose.HELP: "The answer to HELP or INFO",
    Purpose.OPT_OUT_CONFIRM: "The confirmation of STOP",
    Purpose.OPT_IN_CONFIRM: "The confirmation of START",
    Purpose.ALERT: "To on-duty commanders, about an urgent callback",
    Purpose.CONFIRMATION: "When a call is received: its case number, how to add details",
    Purpose.DELAY: "When no unit is dispatched in time: not forgotten, 911 for emergencies",
    "update_detective_assigned": "Case update: a detective is assigned",
    "update_arrest_made": "Case update: an arrest was made",
    "update_report_available": "Case update: the report is available",
    "update_case_closed": "Case update: the case is closed",
    "update_property_ready": "Case update: property is ready to pick up",
    "update_court_date": "Case update: a court date is set",
    "update_warrant_issued": "Case update: a warrant was issued",
    "update_referred_to_prosecutor": "Case update: referred to the prosecutor",
    "update_custom": "Case update in the records system's own words",
    Purpose.OFFER_UPDATES: "The offer of case updates (reply YES), when an update has no consent",
    Purpose.UPDATES_CONSENTED: "The answer to YES: case updates will come",
}
_LANGUAGE = re.compile(r"^[a-z]{2}$")
MAX_RENDERED = 1600  # Twilio refuses longer bodies
WARN_SEGMENTS = 3
SAMPLE_DAY = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


class TemplateRejected(ValueError):
    """The template cannot be saved or activated as it is; the message says why and where."""


@dataclass(frozen=True)
class Preview:
    text: str | None  # the text a caller would get, with sample call data
    error: TemplateRenderError | None
    segments: SegmentInfo | None
    warning: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def highlighted(self) -> Markup:
        """The text, escaped, with each character that forces UCS-2 marked."""
        if self.text is None:
            return Markup("")
        forcing = set(self.segments.ucs2_characters) if self.segments else set()
        return Markup("").join(
            Markup("<mark>{}</mark>").format(c) if c in forcing else escape(c) for c in self.text
        )


def purpose_allowed(purpose: str) -> bool:
    return purpose in PURPOSES or Purpose.is_staff_text(purpose)


def sample_context(agency: Agency, language: str) -> dict[str, str]:
    """Placeholder values for previews: the agency's own, and a made-up call."""
    return (
        message_templates.agency_context(agency)
        | KEYWORDS
        | {
            "call_date": message_templates.format_day(
                SAMPLE_DAY.astimezone(agency.zone).date(), language
            ),
            "call_type": "THEFT - CAR PROWL",
            "caller_first_name": "Alex",
            "case_number": "24-118842",
            "callback_id": "42",
            "officer_name": "Officer Diaz",
            "officer_badge": "4471",
            "unit": "2A14",
            "detective_name": "Morgan Lee",
            "detective_phone": "(202) 555-0142",
            "report_number": "R26-00417",
            "court_date": "Jan 12, 9:00 AM",
            "court_location": "Westlake Municipal Court, Room 2",
            "update_text": "Your case file has been updated.",
            "case_link": "https://followup.example.org/c/7Kq2xWm9PzR4tYv8LbN3sA"
            if getattr(agency, "case_page", False) else "",
        }
    )


def preview(agency: Agency, body: str, language: str) -> Preview:
    """Check and render ``body`` as a caller would read it; never raises."""
    if not body.strip():
        return Preview(None, TemplateRenderError("the text is empty"), None, None)
    try:
        text = message_templates.render_body(body, sample_context(agency, language))
    except TemplateRenderError as exc:
        return Preview(None, exc, None, None)
    if not text:
        return Preview(text, TemplateRenderError("the text renders empty"), None, None)
    info = count_segments(text)
    if len(text) > MAX_RENDERED:
        return Preview(
            text,
            TemplateRenderError(f"{len(text)} characters: a text can be at most {MAX_RENDERED}"),
            info,
            None,
        )
    warning = (
        f"{info.segments} segments: carriers bill each one, and long texts get fewer replies"
        if info.segments > WARN_SEGMENTS
        else None
    )
    return Preview(text, None, info, warning)


def _key(agency_id: int, purpose: str, language: str, call_type: str):
    return (
        MessageTemplate.agency_id == agency_id,
        MessageTemplate.purpose == purpose,
        MessageTemplate.language == language,
        MessageTemplate.call_type == call_type,
    )


def versions(
    session: Session, agency: Agency, purpose: str, language: str, call_type: str = ""
) -> list[MessageTemplate]:
    return list(
        session.scalars(
            select(MessageTemplate)
            .where(*_key(agency.id, purpose, language, call_type))
            .order_by(MessageTemplate.version.desc())
        )
    )


# Long because every check on a new version happens before anything is written.
def save_version(
    session: Session,
    agency: Agency,
    purpose: str,
    language: str,
    body: str,
    *,
    user: User | None,
    now: datetime,
    call_type: str = "",
    activate: bool = False,
) -> MessageTemplate:
    """Store ``body`` as the next version (inactive unless ``activate``); refuse a bad one."""
    purpose, language, call_type = purpose.strip(), language.strip().lower(), call_type.strip()
    if not purpose_allowed(purpose):
        raise TemplateRejected(
            f"purpose {purpose!r}: use one of {', '.join(PURPOSES)} or staff_reply_<name>"
        )
    if not _LANGUAGE.match(language):
        raise TemplateRejected(f"language {language!r}: use a two-letter code such as es")
    if len(call_type) > 200:
        raise TemplateRejected("call type: at most 200 characters")
    body = body.replace("\r\n", "\n").strip()
    checked = preview(agency, body, language)
    if not checked.ok:
        raise TemplateRejected(f"not saved: {checked.error}")
    latest = session.scalar(
        select(func.max(MessageTemplate.version)).where(
            *_key(agency.id, purpose, language, call_type)
        )
    )
    template = MessageTemplate(
        agency_id=agency.id,
        purpose=purpose,
        language=language,
        call_type=call_type,
        version=(latest or 0) + 1,
        body=body,
        active=False,
        author=user.username if user else "import",
        created_at=now,
    )
    session.add(template)
    session.flush()
    audit.record(
        session,
        "template_saved",
        now=now,
        user=user,
        username=None if user else "import",
        agency_id=agency.id,
        object_type="template",
        object_id=template.id,
        detail={
            "purpose": purpose,
            "language": language,
            "call_type": call_type,
            "version": template.version,
        },
    )
    if activate:
        activate_version(session, agency, template, user=user, now=now)
    return template


def activate_version(
    session: Session,
    agency: Agency,
    template: MessageTemplate,
    *,
    user: User | None,
    now: datetime,
) -> None:
    """Make ``template`` the one active version of its kind; it must render without errors."""
    if template.agency_id != agency.id:
        raise TemplateRejected("that template belongs to another agency")
    checked = preview(agency, template.body, template.language)
    if not checked.ok:
        raise TemplateRejected(f"not activated: {checked.error}")
    session.execute(
        update(MessageTemplate)
        .where(*_key(agency.id, template.purpose, template.language, template.call_type))
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )
    template.active = True
    audit.record(
        session,
        "template_activated",
        now=now,
        user=user,
        username=None if user else "import",
        agency_id=agency.id,
        object_type="template",
        object_id=template.id,
        detail={
            "purpose": template.purpose,
            "language": template.language,
            "version": template.version,
        },
    )


def shown_version(history: list[MessageTemplate], asked: str | None) -> MessageTemplate | None:
    """The version the editor shows: the one asked for (the draft just saved), else the active
    one, else the newest."""
    asked = (asked or "").strip()
    chosen = next((t for t in history if asked.isdigit() and t.version == int(asked)), None)
    return chosen or next((t for t in history if t.active), None) or next(iter(history), None)


def diff(older: MessageTemplate, newer: MessageTemplate) -> list[str]:
    """A unified diff of two versions' bodies, line by line."""
    return list(
        difflib.unified_diff(
            older.body.splitlines(),
            newer.body.splitlines(),
            fromfile=f"version {older.version}",
            tofile=f"version {newer.version}",
            lineterm="",
        )
    )


def test_text(agency: Agency, template: MessageTemplate) -> str:
    """The sample rendering of ``template`` that a test send texts; TemplateRejected when it
    does not render."""
    checked = preview(agency, template.body, template.language)
    if not checked.ok:
        raise TemplateRejected(f"not sent: {checked.error}")
    return checked.text


def send_test(gateway: OptOutGuard, agency_id: int, text: str, to: str) -> str:
    """Text ``text`` to ``to`` (an E.164 number) through the guarded gateway; return the
    gateway's id. Raises GatewayError. Call it outside any open transaction: the guard reads
    the opt-out list on a connection of its own (on SQLite a transaction holds the lock)."""
    return gateway.send(agency_id, to, text).sid


__all__ = ["PLACEHOLDERS", "PURPOSES", "Preview", "TemplateRejected"]
