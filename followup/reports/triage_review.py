"""Triage as commanders see it: per category triage gave, how many replies commanders corrected
away from it, confirmed, or left as they were.

The period rule of every figure holds (``followup.reports.filters``): the replies of the calls
closed in the period, under the same filters, whenever they were read. A reply counts by its
latest correction (``followup.callbacks.corrections``). Unsolicited texts, which belong to no
call, are outside the reports, as in the category mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followup.callbacks.corrections import latest_ids
from followup.models import (
    Conversation,
    FollowUp,
    Message,
    ReportFact,
    TriageCorrection,
)
from followup.reports.filters import Scope


@dataclass
class CategoryReview:
    """One category triage gave, as commanders saw its replies."""

    category: str
    replies: int = 0  # replies triage gave this category
    confirmed: int = 0  # a commander agreed (their latest reading kept the category)
    corrected: int = 0  # a commander moved the reply to another category
    moved_in: int = 0  # replies triage gave another category that commanders moved here

    @property
    def unreviewed(self) -> int:
        return max(self.replies - self.confirmed - self.corrected, 0)

    @property
    def precision(self) -> float | None:
        """Of the replies triage put here, the share no commander moved elsewhere."""
        return (self.replies - self.corrected) / self.replies if self.replies else None

    @property
    def reviewed_precision(self) -> float | None:
        """Of the replies commanders read, the share they left in this category."""
        reviewed = self.confirmed + self.corrected
        return self.confirmed / reviewed if reviewed else None


@dataclass
class TriageReview:
    categories: list[CategoryReview] = field(default_factory=list)
    opt_outs_reversed: int = 0  # triage acted on an opt-out; a commander said it was not one
    opt_outs_added: int = 0  # a commander said the caller asked to stop; triage had not acted

    @property
    def corrections(self) -> int:
        return sum(c.confirmed + c.corrected for c in self.categories)


def triage_review(session: Session, scope: Scope, replies: dict[str, int]) -> TriageReview:
    """The review of the replies in ``scope``; ``replies``: their count by triage category (the
    figures' category mix, from the report facts)."""
    rows = session.execute(
        select(
            Message.category,
            TriageCorrection.category,
            TriageCorrection.engine_opt_out,
            TriageCorrection.opt_out,
            func.count(),
        )
        .select_from(TriageCorrection)
        .join(Message, Message.id == TriageCorrection.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(FollowUp, FollowUp.id == Conversation.followup_id)
        .join(ReportFact, ReportFact.call_id == FollowUp.call_id)
        .where(
            TriageCorrection.id.in_(latest_ids(scope.agency.id)),
            *scope.where(ReportFact),
        )
        .group_by(
            Message.category,
            TriageCorrection.category,
            TriageCorrection.engine_opt_out,
            TriageCorrection.opt_out,
        )
    ).all()
    found = {name: CategoryReview(name, n) for name, n in replies.items() if name != "none"}
    review = TriageReview()
    for given, said, engine_opt_out, opt_out, n in rows:
        given, said = str(given), str(said)
        if given == said:
            found.setdefault(given, CategoryReview(given)).confirmed += n
        else:
            found.setdefault(given, CategoryReview(given)).corrected += n
            found.setdefault(said, CategoryReview(said)).moved_in += n
        if engine_opt_out and not opt_out:
            review.opt_outs_reversed += n
        elif opt_out and not engine_opt_out:
            review.opt_outs_added += n
    review.categories = sorted(found.values(), key=lambda c: (-c.replies, c.category))
    return review
