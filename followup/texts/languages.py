"""Which language a text goes out in: the caller's, when the agency has texts in it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from followup.models import Agency
from followup.texts import message_templates


def choose_language(session: Session, agency: Agency, tag: str | None) -> str:
    """Return ``tag``'s language if the agency has texts in it, else the agency default."""
    if tag:
        return language_for(agency, tag, message_templates.languages_for(session, agency))
    return agency.default_language


def language_for(agency: Agency, tag: str | None, available: set[str]) -> str:
    """``choose_language`` with the agency's text languages (``available``) already read."""
    if tag:
        primary = tag.split("-")[0].lower()
        supported = set(agency.languages or ()) or {agency.default_language}
        if primary in supported and primary in available:
            return primary
    return agency.default_language
