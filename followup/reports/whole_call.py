"""Report figures for the texts across the whole call: each purpose's texts (check-in,
confirmation, delay, case updates) sent, delivered, failed and answered; the share of received
calls that were confirmed; and the delay texts against how long callers waited for a unit.

The calls are those of every other figure (``followup.reports.filters``): closed in the period,
under the same filters, and everything about them counts whenever it happened. A call still open
is counted once it closes. The check-in's row is the funnel's own figures, so the two tables
always agree.

Definitions:
- sent: the gateway accepted the text (as the funnel's "Sent"); delivered: the carrier confirmed
  it; failed: refused by the gateway, or undelivered after the gateway took it.
- replied: texts that got at least one reply; replies: the replies themselves.
- a received call: one the CAD reported with its received time; confirmed: its confirmation sent.
- time to dispatch: received to the first unit dispatched (or arrived, when the CAD sent no
  dispatch); a call waited past its threshold when no unit was dispatched (or arrived, or the call
  closed) within the delay threshold the agency's rules give it (followup.eligibility.notices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session, aliased

from followup.eligibility import notices
from followup.intake.schema import DETAIL_FIELDS
from followup.models import (
    Call,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    MessageStatus,
    ReportFact,
)
from followup.models.calls import CHECKIN
from followup.reports.filters import Scope

# The rows of the per-purpose table, in the order a call meets them; case updates are one row.
PURPOSES = {
    notices.CONFIRMATION: "Confirmation (call received)",
    notices.DELAY: "Delay text (no unit yet)",
    CHECKIN: "Check-in (call closed)",
    "update": "Case updates",
}
_FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)
# Every purpose but the check-in, by name: each is one look-up in the index.
_OTHERS = (
    notices.CONFIRMATION,
    notices.DELAY,
    *(notices.UPDATE_PREFIX + event for event in DETAIL_FIELDS),
)


@dataclass
class PurposeFigures:
    purpose: str  # a key of PURPOSES
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    replied: int = 0  # texts that got at least one reply
    replies: int = 0

    @property
    def label(self) -> str:
        return PURPOSES[self.purpose]

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sent if self.sent else None


@dataclass
class WholeCall:
    purposes: list[PurposeFigures] = field(default_factory=list)
    received: int = 0  # calls reported as received (with a received time)
    confirmed: int = 0  # of those, a confirmation sent
    dispatched: int = 0  # of those, a unit dispatched or arrived (with its time)
    dispatch_median_minutes: float | None = None  # received -> first unit, over ``dispatched``
    waited: int = 0  # received calls with no unit within their delay threshold
    waited_texted: int = 0  # of those, a delay text sent
    delay_sent: int = 0  # delay texts sent (a unit may have come after it)

    @property
    def confirmed_share(self) -> float | None:
        return self.confirmed / self.received if self.received else None


# Long because its three counts (sent, how they ended, replies) share one scope: split, they drift.
def whole_call_figures(session: Session, scope: Scope, checkin: PurposeFigures) -> WholeCall:
    """The figures for ``scope``'s calls; ``checkin`` is the funnel's check-in figures."""
    found = {purpose: PurposeFigures(purpose) for purpose in PURPOSES}
    found[CHECKIN] = checkin
    # Driven from the agency's texts other than check-ins (an index: a year of check-ins is
    # never read here), each kept when its call is in the scope (the facts' primary key).
    others = and_(
        FollowUp.agency_id == scope.agency.id,
        FollowUp.purpose.in_(_OTHERS),
        exists().where(ReportFact.call_id == FollowUp.call_id, *scope.where(ReportFact)),
    )

    for purpose, status, n in session.execute(
        select(FollowUp.purpose, FollowUp.status, func.count())
        .where(others, FollowUp.status.in_((FollowUpStatus.SENT, FollowUpStatus.FAILED)))
        .group_by(FollowUp.purpose, FollowUp.status)
    ):
        row = found[_row(purpose)]
        if status == FollowUpStatus.SENT:
            row.sent += n
        else:
            row.failed += n
    # How each sent text ended: by its last text the gateway took (as the check-in's figures).
    text = aliased(Message)
    last = (
        select(func.max(text.id))
        .where(
            text.followup_id == FollowUp.id,
            text.direction == MessageDirection.OUTBOUND,
            text.sid.is_not(None),
        )
        .correlate(FollowUp)
        .scalar_subquery()
    )
    for purpose, status, n in session.execute(
        select(FollowUp.purpose, Message.status, func.count())
        .join(Message, Message.id == last)
        .where(others, FollowUp.status == FollowUpStatus.SENT)
        .group_by(FollowUp.purpose, Message.status)
    ):
        if status == MessageStatus.DELIVERED:
            found[_row(purpose)].delivered += n
        elif status in _FAILED:
            found[_row(purpose)].failed += n
    for purpose, replied, replies in session.execute(
        select(FollowUp.purpose, func.count(distinct(Conversation.id)), func.count(Message.id))
        .join(Conversation, Conversation.followup_id == FollowUp.id)
        .join(
            Message,
            (Message.conversation_id == Conversation.id)
            & (Message.direction == MessageDirection.INBOUND),
        )
        .where(others)
        .group_by(FollowUp.purpose)
    ):
        found[_row(purpose)].replied += replied
        found[_row(purpose)].replies += replies

    figures = WholeCall(purposes=list(found.values()), delay_sent=found[notices.DELAY].sent)
    _stages(session, scope, figures)
    return figures


def _row(purpose: str) -> str:
    return "update" if notices.is_update(purpose) else purpose


def _stages(session: Session, scope: Scope, figures: WholeCall) -> None:
    """Confirmed calls, the time to dispatch and the delay texts, from the received calls."""
    confirmation, delay = aliased(FollowUp), aliased(FollowUp)
    rows = session.execute(
        select(
            Call.call_type,
            Call.priority,
            Call.created_at_cad,
            Call.dispatched_at,
            Call.arrived_at,
            Call.closed_at,
            confirmation.status,
            delay.status,
        )
        .outerjoin(
            confirmation,
            (confirmation.call_id == Call.id) & (confirmation.purpose == notices.CONFIRMATION),
        )
        .outerjoin(delay, (delay.call_id == Call.id) & (delay.purpose == notices.DELAY))
        # Driven from the agency's received calls (an index): a call closed in the period was
        # received before it ended.
        .where(
            Call.agency_id == scope.agency.id,
            Call.created_at_cad < scope.until,
            exists().where(ReportFact.call_id == Call.id, *scope.where(ReportFact)),
        )
    )
    waits = []
    for call_type, priority, received, dispatched, arrived, closed, confirmed, delayed in rows:
        figures.received += 1
        figures.confirmed += confirmed == FollowUpStatus.SENT
        unit = min((t for t in (dispatched, arrived) if t is not None), default=None)
        if unit is not None:
            figures.dispatched += 1
            waits.append(max((unit - received).total_seconds(), 0) / 60)
        call = _Thresholded(call_type, priority)
        ended = unit or closed
        if ended is not None and ended - received > notices.delay_threshold(scope.agency, call):
            figures.waited += 1
            figures.waited_texted += delayed == FollowUpStatus.SENT
    figures.dispatch_median_minutes = median(waits) if waits else None


@dataclass(frozen=True)
class _Thresholded:
    """What ``notices.delay_threshold`` reads of a call."""

    call_type: str
    priority: str | None
