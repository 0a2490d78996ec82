"""Trying a check-in again: backoff, its bounds, and what a carrier's error in a callback means.

Two ways a check-in comes back for another try:
- the gateway refused it for now (HTTP 429, Twilio 20429, 30001/30003/30500 on create, or a 5xx
  after a lookup showed Twilio did not take it): the sender reschedules it with backoff;
- a status callback says the carrier could not deliver it for a reason that may pass (30001
  queue overflow or expired validity, 30003 handset unreachable, 30500 Twilio internal error):
  the check-in goes back to ``scheduled``, fewer times and with longer waits.
Both land outside quiet hours and within the agency's maximum age, or the check-in fails.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.callbacks import alerts
from followup.core.quiet_hours import next_allowed
from followup.eligibility import notices
from followup.models import (
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    SkipReason,
)
from followup.sending.gateways import twilio_codes
from followup.sending.gateways.twilio_codes import Meaning

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient gateway failures, capped and bounded."""

    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8  # sends in all, the first included
    jitter: Callable[[], float] = random.random  # 0..1; tests pass a constant

    def delay(self, attempts: int) -> timedelta:
        """Return the wait after the ``attempts``-th failed attempt (1-based)."""
        raw = min(self.cap, self.base * (2 ** (attempts - 1)))
        return raw * (0.5 + 0.5 * self.jitter())


# A carrier's transient error: the caller's phone may be off for hours, and each try is a text
# the carrier may deliver late; three sends at most, half an hour apart or more.
CARRIER_RETRY = RetryPolicy(base=timedelta(minutes=30), cap=timedelta(hours=4), max_attempts=3)


def schedule_retry(followup: FollowUp, now: datetime, policy: RetryPolicy, code: int | None) -> str:
    """Reschedule ``followup`` after a transient failure, or fail it when out of tries or time.

    Return ``"retrying"`` or ``"failed"`` (SweepReport field names).
    """
    agency = followup.agency
    # A check-in is worth sending until the call is too old; a text about a call still open
    # (confirmation, delay) only for a while; a case update, as long as a check-in.
    started = followup.call.closed_at or followup.created_at
    if followup.purpose in notices.QUIET_EXEMPT:
        deadline = followup.created_at + notices.STALE_AFTER
        quiet = None
    else:
        deadline = started + timedelta(days=agency.max_age_days)
        quiet = agency.quiet
    retry_at = next_allowed(now + policy.delay(followup.attempts), agency.zone, quiet)
    followup.error_code = code
    followup.updated_at = now
    if followup.attempts >= policy.max_attempts or retry_at > deadline:
        followup.status = FollowUpStatus.FAILED
        followup.reason = (
            SkipReason.RETRIES_EXHAUSTED
            if followup.attempts >= policy.max_attempts
            else SkipReason.WINDOW_PASSED
        )
        logger.info(
            "follow-up %s gave up after %d attempts (code=%s)", followup.id, followup.attempts, code
        )
        return "failed"
    followup.status = FollowUpStatus.SCHEDULED
    followup.reason = None
    followup.send_at = retry_at
    logger.info(
        "follow-up %s: transient failure (code=%s), retry %d at %s",
        followup.id,
        code,
        followup.attempts,
        retry_at.isoformat(),
    )
    return "retrying"


def after_carrier_error(
    session: Session,
    message: Message,
    code: int | None,
    now: datetime,
    policy: RetryPolicy = CARRIER_RETRY,
) -> bool:
    """Act on the error code of a final status callback; return True if the check-in will be
    sent again (then the number is not marked unreachable: the retry is the answer).

    30007 alerts the agency's admins. A transient code reschedules the check-in when it is
    ``sent`` and this text is its latest (a repeated or late callback changes nothing).
    """
    meaning = twilio_codes.meaning(code)
    if meaning == Meaning.CARRIER_FILTERED:
        alerts.carrier_filtered(session, message, now=now)
    if meaning not in twilio_codes.CARRIER_TRANSIENT or message.followup_id is None:
        return False
    followup = session.get(FollowUp, message.followup_id)
    if followup is None or followup.status != FollowUpStatus.SENT:
        return False
    newer = session.scalar(
        select(Message.id)
        .where(
            Message.followup_id == followup.id,
            Message.direction == MessageDirection.OUTBOUND,
            Message.id > message.id,
        )
        .limit(1)
    )
    if newer is not None:
        return False
    return schedule_retry(followup, now, policy, code) == "retrying"
