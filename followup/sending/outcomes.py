"""What the gateway's answer means for a check-in: a refusal, a retry, a lost answer looked up.

When the gateway's answer is lost (a timeout, a 5xx), the follow-up waits ``unknown`` with
reason ``lookup_pending``; after ``lookup_after`` a sweep asks the gateway whether it took the
text: found, it is ``sent``; not found, it is retried; no answer, it stays ``unknown``.
These are the sender's methods (``Sender`` inherits them), kept apart from the sweep itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from followup.callbacks import alerts
from followup.cases import links
from followup.eligibility import contacts
from followup.models import FollowUp, FollowUpStatus, Message, MessageDirection, SkipReason
from followup.models.messages import MessageStatus
from followup.sending import delivery
from followup.sending.gateways import twilio_codes
from followup.sending.gateways.base import (
    GatewayError,
    LookupFailedError,
    PermanentGatewayError,
    ProviderServerError,
    TransientGatewayError,
    UnknownOutcomeError,
)
from followup.sending.gateways.twilio_codes import Meaning
from followup.sending.retries import schedule_retry

logger = logging.getLogger(__name__)

# The clocks of this host and Twilio's may differ a little: a lookup starts this much earlier.
LOOKUP_MARGIN = timedelta(minutes=1)


@dataclass
class SweepReport:
    """What one sweep did, as counts (safe to log: no numbers, no bodies)."""

    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    rescheduled: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    stale: int = 0
    lookup: int = 0  # answers lost (timeout, 5xx): the gateway is asked later
    looked_up: int = 0  # lost answers looked up this sweep (their outcomes count above)

    def add(self, other: SweepReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return " ".join(f"{name}={getattr(self, name)}" for name in self.__dataclass_fields__)


class GatewayOutcomes:
    """Record what became of a text handed to the gateway (mixed into ``Sender``, whose
    database, gateway, clock, policies and worker id these use)."""

    def _record_failure(self, followup_id: int, message_id: int, exc: GatewayError) -> str:
        now = self.clock.now()
        with self.db.begin() as session:
            followup = session.get(FollowUp, followup_id)
            message = session.get(Message, message_id)
            message.error_code = exc.code
            message.updated_at = now
            followup.error_code = exc.code
            followup.updated_at = now
            lost = isinstance(exc, UnknownOutcomeError | ProviderServerError)
            if lost and self.gateway.can_look_up:
                # The text may have gone: ask the gateway later, before anything resends it.
                followup.status = FollowUpStatus.UNKNOWN
                followup.reason = SkipReason.LOOKUP_PENDING
                logger.warning(
                    "follow-up %s: answer lost (%s); will look it up, not resend", followup_id, exc
                )
                return "lookup"
            if isinstance(exc, UnknownOutcomeError):
                followup.status = FollowUpStatus.UNKNOWN
                logger.warning(
                    "follow-up %s: outcome unknown (%s); not resending", followup_id, exc
                )
                return "unknown"
            message.status = MessageStatus.FAILED
            if isinstance(exc, TransientGatewayError):
                return self._schedule_retry(session, followup, now, exc)
            assert isinstance(exc, PermanentGatewayError)
            followup.status = FollowUpStatus.FAILED
            followup.reason = SkipReason.GATEWAY_REJECTED
            if exc.meaning == Meaning.OPTED_OUT:
                contacts.opt_out(
                    session,
                    followup.agency_id,
                    followup.phone,
                    source=twilio_codes.OPT_OUT_SOURCE,
                    now=now,
                )
            elif exc.meaning == Meaning.CARRIER_FILTERED:
                alerts.carrier_filtered(session, message, now=now)
            logger.info("follow-up %s failed permanently: code=%s", followup_id, exc.code)
            return "failed"

    def _schedule_retry(
        self, session: Session, followup: FollowUp, now: datetime, exc: GatewayError
    ) -> str:
        policy = self.carrier_retry if twilio_codes.is_carrier_transient(exc.code) else self.retry
        return schedule_retry(followup, now, policy, exc.code)

    # -- lost answers --------------------------------------------------------------------------

    def look_up_lost(self) -> list[str]:
        """Ask the gateway about texts whose answer was lost; return each one's outcome.

        A row is taken by one sender at a time (a conditional UPDATE); one left ``running`` by
        a sender that stopped is taken again after ``sending_timeout`` (asking twice is safe).
        """
        now = self.clock.now()
        due = or_(
            (FollowUp.reason == SkipReason.LOOKUP_PENDING)
            & (FollowUp.claimed_at <= now - self.lookup_after),
            (FollowUp.reason == SkipReason.LOOKUP_RUNNING)
            & (FollowUp.claimed_at < now - self.sending_timeout),
        )
        with self.db.Session() as session:
            candidates = list(
                session.scalars(
                    select(FollowUp.id)
                    .where(FollowUp.status == FollowUpStatus.UNKNOWN, due)
                    .order_by(FollowUp.id)
                    .limit(self.batch_size)
                )
            )
        outcomes = []
        for followup_id in candidates:
            with self.db.begin() as session:
                taken = session.execute(
                    update(FollowUp)
                    .where(
                        FollowUp.id == followup_id, FollowUp.status == FollowUpStatus.UNKNOWN, due
                    )
                    .values(
                        reason=SkipReason.LOOKUP_RUNNING,
                        claimed_at=now,
                        claimed_by=self.worker_id,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
            if taken:
                outcomes.append(self._look_up(followup_id))
        return outcomes

    def _look_up(self, followup_id: int) -> str:
        with self.db.Session() as session:
            message = session.scalars(
                select(Message)
                .where(
                    Message.followup_id == followup_id,
                    Message.direction == MessageDirection.OUTBOUND,
                )
                .order_by(Message.id.desc())
                .limit(1)
            ).first()
            message_id, to, body = message.id, message.phone, message.body
            since, known_sid = message.created_at - LOOKUP_MARGIN, message.sid
        found, failure = None, None
        if known_sid is None:  # else a status callback already named Twilio's sid: it was taken
            try:
                found = self.gateway.find_sent(to, body, since=since)
            except LookupFailedError as exc:
                failure = exc
            except Exception:
                logger.exception("unexpected error looking up follow-up %s", followup_id)
                failure = LookupFailedError("unexpected error")
        now = self.clock.now()
        with self.db.begin() as session:
            followup = session.get(FollowUp, followup_id)
            message = session.get(Message, message_id)
            followup.updated_at = now
            if failure is not None:
                followup.reason = SkipReason.LOOKUP_FAILED
                logger.warning(
                    "follow-up %s: lookup failed (%s); left unknown, not resent",
                    followup_id,
                    failure,
                )
                return "unknown"
            if found is not None or known_sid is not None:
                followup.status = FollowUpStatus.SENT
                followup.reason = None
                followup.error_code = None
                followup.sent_at = message.created_at
                message.body = links.masked(message.body)  # taken: a link keeps only its hash
                if found is not None:
                    message.sid = message.sid or found.sid
                    try:
                        status = MessageStatus(found.status)
                    except ValueError:  # one this service does not track: Twilio has it
                        status = MessageStatus.ACCEPTED
                    delivery.advance(message, status, now)
                    if found.error_code is not None:
                        message.error_code = found.error_code
                logger.info("follow-up %s: lookup found the text; recorded as sent", followup_id)
                return "sent"
            # Twilio does not have it: the lost answer was a refusal; trying again is safe.
            message.status = MessageStatus.FAILED
            message.updated_at = now
            logger.info("follow-up %s: lookup found no text; retrying", followup_id)
            return self._schedule_retry(
                session, followup, now, TransientGatewayError("not taken", code=message.error_code)
            )
