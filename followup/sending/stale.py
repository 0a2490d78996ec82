"""Follow-ups a stopped sender left mid-send: settled without ever resending blindly."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from followup.core.db import Database, rare
from followup.models import FollowUp, FollowUpStatus, Message, MessageDirection, SkipReason

logger = logging.getLogger(__name__)


def settle(db: Database, now: datetime, timeout: timedelta, *, can_look_up: bool) -> int:
    """Settle ``sending`` rows claimed longer than ``timeout`` ago; return how many.

    A text is stored (pending) and committed before the gateway is called, so a stale row
    whose attempt stored no text never reached the gateway: it is scheduled again. One that
    did is looked up at the gateway, as a lost answer is (``unknown``, lookup pending); with
    a gateway that cannot be asked it stays ``unknown`` for staff. Nothing is resent blindly.
    """
    # In flight: a handful of rows among all the follow-ups ever sent or scheduled.
    stale = rare(FollowUp.status == FollowUpStatus.SENDING) & (FollowUp.claimed_at < now - timeout)
    stored = (
        select(Message.id)
        .where(
            Message.followup_id == FollowUp.id,
            Message.direction == MessageDirection.OUTBOUND,
            Message.created_at >= FollowUp.claimed_at,
        )
        .exists()
    )
    settled = {}
    lookup = SkipReason.LOOKUP_PENDING if can_look_up else None
    with db.begin() as session:
        settled["rescheduled"] = session.execute(
            update(FollowUp)
            .where(stale, ~stored)
            .values(status=FollowUpStatus.SCHEDULED, send_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        settled["unknown"] = session.execute(
            update(FollowUp)
            .where(stale, stored)
            .values(status=FollowUpStatus.UNKNOWN, reason=lookup, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    count = sum(settled.values())
    if count:
        logger.warning(
            "follow-ups left mid-send by a stopped sender: %d never reached the gateway "
            "(scheduled again), %d %s", settled["rescheduled"], settled["unknown"],
            "to look up at the gateway" if lookup else "marked unknown",
        )
    return count
