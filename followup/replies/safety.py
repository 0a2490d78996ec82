"""The texts owed to a caller whatever else happens: the safety text to a person in danger and
the STOP/START/HELP confirmations. They go in the caller's own language whenever one ships in it
(templates/sms/<language>/), whatever languages the agency's check-ins are written in, and the
safety text goes out even while the database is down (triage needs none)."""

from __future__ import annotations

import logging

from followup.models import Purpose
from followup.replies.triage import TriageResult, triage
from followup.replies.triage.language import READ_BY_MODEL, SUPPORTED
from followup.texts import message_templates

logger = logging.getLogger(__name__)

# Owed whatever the conversation's count of automatic texts: they are not conversation. (The
# confirmation of a YES to the offer of case updates is a confirmation of consent, as START's is.)
ALWAYS_ANSWERED = frozenset(
    {
        Purpose.OPT_OUT_CONFIRM,
        Purpose.OPT_IN_CONFIRM,
        Purpose.HELP,
        Purpose.CRISIS_REPLY,
        Purpose.UPDATES_CONSENTED,
    }
)
# Languages the safety and compliance texts ship in.
LANGUAGES = frozenset(SUPPORTED + READ_BY_MODEL)


def reply_language(purpose: str | None, result: TriageResult, conversation_language: str) -> str:
    """The language to answer in: the caller's own for a safety or compliance text, when one
    ships in it, and for any text when they wrote in a language beyond English and Spanish (the
    conversation answers them only in their own); the conversation's otherwise."""
    if result.language in LANGUAGES and (purpose in ALWAYS_ANSWERED or result.interpreter_needed):
        return result.language
    return conversation_language


def answer_without_database(body: str) -> str | None:
    """The answer owed while the database is down: the safety text, in the caller's language,
    to a reply in danger; nothing otherwise. The replay raises the callback and the alerts
    later, once."""
    try:
        result = triage(body)
        if not result.urgent:
            return None
        language = result.language if result.language in LANGUAGES else "en"
        defaults = message_templates.default_bodies()
        text = (
            defaults.get((Purpose.CRISIS_REPLY, language)) or defaults[(Purpose.CRISIS_REPLY, "en")]
        )
        return message_templates.render_body(
            text, dict.fromkeys(message_templates.PLACEHOLDERS, "")
        )
    except Exception:  # the spool path must answer whatever happens
        logger.exception("the safety text could not be prepared during the outage")
        return None
