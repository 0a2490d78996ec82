"""The callback page's read model of triage corrections: for each reply, triage's reading, the
one that counts, who corrected it and when, and which one-step corrections apply."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from followup.callbacks.corrections import (
    NOUNS,
    Reading,
    engine_reading,
    history,
    reading_of,
    suggested_opt_out,
)
from followup.eligibility import contacts
from followup.models import Category, Message, MessageDirection, TriageCorrection

CHOICES = [
    (Category.CRISIS, "danger now (crisis)"),
    (Category.CONDUCT, "a misconduct complaint (conduct)"),
    (Category.UNRESOLVED, "the problem continues (unresolved)"),
    (Category.NEGATIVE, "unhappy with the service (negative)"),
    (Category.QUESTION, "a question"),
    (Category.WRONG_NUMBER, "a wrong number"),
    (Category.POSITIVE, "praise (positive)"),
    (Category.NEUTRAL, "neutral, an acknowledgement"),
    (Category.OPT_OUT, "asks to stop the texts (opt-out: stops texts now)"),
    (Category.OPT_IN, "asks for the texts again (opt-in)"),
    (Category.HELP, "asks for help with the texts (help)"),
    (Category.OTHER, "none of these (other)"),
]


@dataclass(frozen=True)
class ReplyReview:
    """One reply on the callback page: triage's reading, the one that counts, the history."""

    message_id: int
    engine: Reading
    current: Reading
    corrections: list[TriageCorrection]
    suggested_opt_out: bool  # triage thought the caller may want to stop, and did not act
    opted_out: bool  # the number is opted out now

    @property
    def confirmable(self) -> bool:
        """Whether "Triage is right" would change anything."""
        return not self.corrections or self.current != self.engine

    @property
    def offers_confirm_opt_out(self) -> bool:
        return self.suggested_opt_out and not self.current.opt_out and not self.opted_out

    @property
    def offers_not_opt_out(self) -> bool:
        """The one-step "Not an opt-out" (an opt-out read beside another category; an opt-out
        reply itself is corrected by choosing what it was)."""
        return self.current.opt_out and self.current.category != Category.OPT_OUT

    @property
    def not_label(self) -> str:
        return f"Not {NOUNS[self.current.category]}"

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(c.value, label) for c, label in CHOICES if c != self.current.category]


def reviews(
    session: Session, agency_id: int, phone: str, messages: list[Message]
) -> dict[int, ReplyReview]:
    """What the callback page shows beside each triaged reply of ``messages``."""
    replies = [
        m for m in messages if m.direction == MessageDirection.INBOUND and m.category is not None
    ]
    found = history(session, [m.id for m in replies])
    opted_out = bool(phone) and contacts.is_opted_out(session, agency_id, phone)
    shown = {}
    for message in replies:
        rows = found.get(message.id, [])
        engine = engine_reading(message)
        shown[message.id] = ReplyReview(
            message.id,
            engine,
            reading_of(rows[-1]) if rows else engine,
            rows,
            suggested_opt_out(message),
            opted_out,
        )
    return shown
