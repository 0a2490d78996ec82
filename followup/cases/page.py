"""What the case page shows: the updates the victim was texted about the case, and no more.

Only case updates whose text was sent appear, newest first, as the event in the page's words and
the day the text went. Of an update's details, only a report number, a court date and a
detective's phone may show, and each only when the text that went out said it word for word:
never a name (the detective's or anybody else's), an address (the court's location), or the
records system's own words (a custom update's text, which could hold either). A text whose body
the retention purge has emptied no longer shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.eligibility import notices
from followup.models import (
    Agency,
    Call,
    CaseLink,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
)
from followup.texts.message_templates import format_day

# The detail fields the page may show (when the text said them), with the page's word for each.
SHOWN = (
    ("report_number", "report_number"),
    ("court_date", "court_date_value"),
    ("detective_phone", "detective_phone"),
)


@dataclass(frozen=True)
class Entry:
    event: str  # detective_assigned, arrest_made, ... (the page's words name it)
    day: str  # when the text went, in the agency's zone and the page's language
    details: tuple[tuple[str, str], ...]  # (word key, value) the text already gave


@dataclass(frozen=True)
class CasePage:
    agency_name: str
    agency_phone: str | None
    resources_url: str | None
    case_number: str
    language: str
    entries: tuple[Entry, ...]


def build(session: Session, link: CaseLink, language: str) -> CasePage:
    """The page for a live ``link`` (``followup.cases.links.find``), in ``language``."""
    call = session.get(Call, link.call_id)
    agency = session.get(Agency, link.agency_id)
    rows = session.execute(
        select(FollowUp, Message.body, Message.created_at)
        .join(Message, Message.followup_id == FollowUp.id)
        .where(
            FollowUp.call_id == call.id,
            FollowUp.purpose.startswith(notices.UPDATE_PREFIX),
            FollowUp.status == FollowUpStatus.SENT,
            Message.direction == MessageDirection.OUTBOUND,
            Message.body != "",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
    ).all()
    entries, seen = [], set()
    for followup, body, sent_at in rows:
        if followup.id in seen or followup.case_update is None:
            continue  # one entry per text (the latest attempt that went)
        seen.add(followup.id)
        entries.append(_entry(agency, followup, body, sent_at, language))
    return CasePage(
        agency_name=agency.name,
        agency_phone=agency.phone,
        resources_url=agency.resources_url,
        case_number=call.external_id,
        language=language,
        entries=tuple(entries),
    )


def _entry(
    agency: Agency, followup: FollowUp, body: str, sent_at: datetime, language: str
) -> Entry:
    detail = followup.case_update.detail or {}
    details = tuple(
        (word, str(detail[field]))
        for field, word in SHOWN
        if detail.get(field) and str(detail[field]) in body
    )
    day = format_day(sent_at.astimezone(agency.zone).date(), language)
    return Entry(followup.case_update.event, day, details)
