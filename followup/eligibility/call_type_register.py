"""The call-type register as IT works it: every label the agency has sent, with its count, the
built-in verdict and why, and IT's decision (confirm, mark sensitive, mark ordinary).

The page, the CLI and the settings read it through ``register`` (one read model). A decision is
audited and releases the check-ins held for that label (``release_held``): each is decided again
as at intake, now, so it is scheduled when the rules allow it and its call is still young enough
(``max_age_days``), and skipped with the reason otherwise. Check-ins already scheduled are
re-checked by the sender just before sending, as after any change of rules; check-ins already
skipped stay skipped (a call skipped days ago does not get a text because a label was marked
ordinary later).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from followup.eligibility import rules
from followup.eligibility.call_types import label_key
from followup.eligibility.sensitive import SensitiveMatch, explain, match_agency, match_builtin
from followup.models import (
    Agency,
    Call,
    CallType,
    CallTypeDecision,
    FollowUp,
    FollowUpStatus,
    User,
)
from followup.staff import audit

# What IT may decide, as the page and the CLI name it.
CHOICES = {
    "confirm": CallTypeDecision.CONFIRMED,
    "sensitive": CallTypeDecision.SENSITIVE,
    "ordinary": CallTypeDecision.ORDINARY,
}


class DecisionRejected(ValueError):
    """The decision cannot be made (unknown label, unknown choice); nothing changed."""


@dataclass(frozen=True)
class Entry:
    """One label of the register, with what the built-in list and the agency's own patterns
    say about it, and how many check-ins wait for a decision about it."""

    row: CallType
    builtin: SensitiveMatch | None
    own: SensitiveMatch | None
    held: int

    @property
    def builtin_verdict(self) -> str:
        return "sensitive" if self.builtin else "ordinary"

    @property
    def why(self) -> str:
        return explain(self.builtin)

    def outcome(self, agency: Agency) -> str:
        """What happens to the next call with this label, in words."""
        decision = self.row.decision
        if self.own:
            return f"never texted: {explain(self.own)}"
        if decision == CallTypeDecision.SENSITIVE:
            return "never texted: marked sensitive"
        if decision == CallTypeDecision.ORDINARY:
            return "texted: marked ordinary"
        if self.builtin:
            return "never texted: the built-in list"
        if agency.hold_unreviewed_call_types and not decision.reviewed:
            return "held until reviewed"
        return "texted"


def register(session: Session, agency: Agency, *, unreviewed_only: bool = False) -> list[Entry]:
    """Every label ``agency`` has sent, most frequent first (unreviewed only, if asked)."""
    query = select(CallType).where(CallType.agency_id == agency.id)
    if unreviewed_only:
        query = query.where(CallType.decision == CallTypeDecision.UNREVIEWED)
    rows = session.scalars(query.order_by(CallType.count.desc(), CallType.key)).all()
    held = held_by_label(session, agency)
    patterns = agency.sensitive_patterns or ()
    return [
        Entry(
            row, match_builtin(row.label), match_agency(row.label, patterns), held.get(row.key, 0)
        )
        for row in rows
    ]


def held_by_label(session: Session, agency: Agency) -> Counter[str]:
    """How many check-ins of ``agency`` are held, by label key."""
    counts: Counter[str] = Counter()
    for label, n in session.execute(
        select(Call.call_type, func.count())
        .join(FollowUp, FollowUp.call_id == Call.id)
        .where(FollowUp.agency_id == agency.id, FollowUp.status == FollowUpStatus.HELD)
        .group_by(Call.call_type)
    ):
        counts[label_key(label)] += n
    return counts


def find(session: Session, agency: Agency, label: str) -> CallType:
    """The register's row for ``label`` (matched as intake matches it)."""
    row = session.scalar(
        select(CallType).where(CallType.agency_id == agency.id, CallType.key == label_key(label))
    )
    if row is None:
        raise DecisionRejected(f"{label.strip()!r} is not in the register: no call has used it")
    return row


def decide(
    session: Session,
    agency: Agency,
    row: CallType | int,
    choice: str,
    *,
    actor: User | str,
    now: datetime,
) -> Counter[str]:
    """Record IT's decision about a label (``choice``: confirm, sensitive or ordinary), audit
    it and release the check-ins held for it; return what became of those. The caller commits."""
    decision = CHOICES.get((choice or "").strip().lower())
    if decision is None:
        raise DecisionRejected("choose confirm, sensitive or ordinary")
    if not isinstance(row, CallType):
        found = session.get(CallType, row)
        if found is None or found.agency_id != agency.id:
            raise DecisionRejected("no such call type in this agency's register")
        row = found
    user = actor if isinstance(actor, User) else None
    before = row.decision
    row.decision, row.decided_at = decision, now
    row.decided_by = (user.username if user else str(actor))[:100]
    released = release_held(session, agency, now=now, key=row.key, review=decision)
    audit.record(
        session,
        "call_type_decided",
        now=now,
        user=user,
        username=None if user else str(actor),
        agency_id=agency.id,
        object_type="call_type",
        object_id=row.id,
        detail={
            "label": row.label,
            "decision": str(decision),
            "before": str(before),
            **{f"held_{outcome}": n for outcome, n in sorted(released.items())},
        },
    )
    return released


def release_held(
    session: Session,
    agency: Agency,
    *,
    now: datetime,
    key: str | None = None,
    review: CallTypeDecision | None = None,
) -> Counter[str]:
    """Decide again, now, the check-ins held for ``key`` (every held one when None); return how
    many became what ("scheduled", or the reason they were skipped or are still held)."""
    held = session.scalars(
        select(FollowUp)
        .join(FollowUp.call)
        .where(FollowUp.agency_id == agency.id, FollowUp.status == FollowUpStatus.HELD)
        .options(contains_eager(FollowUp.call))
        .order_by(FollowUp.id)
        .with_for_update(of=FollowUp)
    ).all()
    outcomes: Counter[str] = Counter()
    for followup in held:
        call = followup.call
        if key is not None and label_key(call.call_type) != key:
            continue
        verdict = rules.decide(
            session,
            agency,
            call,
            now=now,
            phone_given=True,  # a held check-in passed the phone rules already
            current=FollowUpStatus.HELD,
            followup_id=followup.id,
            review=review,
        )
        followup.status, followup.reason, followup.send_at = (
            verdict.status,
            verdict.reason,
            verdict.send_at,
        )
        followup.updated_at = now
        session.flush()  # the next one's frequency cap sees this one scheduled
        outcomes[str(verdict.reason or verdict.status)] += 1
    return outcomes


def describe(outcomes: Counter[str]) -> str:
    """``release_held``'s outcome in a sentence for a person."""
    if not outcomes:
        return "no check-ins were waiting for it"
    parts = [f"{n} {what.replace('_', ' ')}" for what, n in sorted(outcomes.items())]
    total = sum(outcomes.values())
    return f"{total} held check-in{'s' if total != 1 else ''} decided again: {', '.join(parts)}"
