"""The sender: claim the check-ins that are due, re-check them, and hand them to the gateway.

At most once: a follow-up is marked ``sending`` and committed before the gateway is called, and
only the outcome is written afterwards. If the process dies in between, the row stays
``sending``; after ``sending_timeout`` a later sweep marks it ``unknown`` for staff to look at,
and nothing resends it. Every sweep is safe to run twice and from several processes at once.

When the gateway's answer is lost (a timeout, a 5xx), the follow-up waits ``unknown`` with
reason ``lookup_pending``; after ``lookup_after`` a sweep asks the gateway whether it took the
text: found, it is ``sent``; not found, it is retried; no answer, it stays ``unknown``.
A text sent close to quiet hours carries a validity period so it cannot arrive inside them.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from followup.cases import links
from followup.core.clock import Clock
from followup.core.db import Database
from followup.core.quiet_hours import next_allowed, next_quiet_start
from followup.eligibility import notices
from followup.eligibility import rules as eligibility
from followup.models import (
    Call,
    FollowUp,
    FollowUpStatus,
    Message,
    MessageDirection,
    MessageStatus,
    SkipReason,
)
from followup.sending import delivery, stale
from followup.sending.gateways.base import (
    GatewayError,
    UnknownOutcomeError,
)
from followup.sending.gateways.guard import OptOutGuard
from followup.sending.gateways.twilio_codes import MAX_VALIDITY_PERIOD
from followup.sending.outcomes import GatewayOutcomes, SweepReport
from followup.sending.rate_limit import Pacer
from followup.sending.retries import CARRIER_RETRY, RetryPolicy
from followup.texts import message_templates

logger = logging.getLogger(__name__)

# The two writes after each successful send, built once (building a statement costs more than
# running it): the follow-up is sent, and its message moves from pending to what Twilio said.
_FOLLOWUPS, _MESSAGES = FollowUp.__table__, Message.__table__
_MARK_SENT = (
    update(_FOLLOWUPS)
    .where(_FOLLOWUPS.c.id == bindparam("followup_id"))
    .values(
        status=FollowUpStatus.SENT.value,
        sent_at=bindparam("at"),
        error_code=None,
        updated_at=bindparam("at"),
    )
)
_MARK_ACCEPTED = (
    update(_MESSAGES)
    .where(
        _MESSAGES.c.id == bindparam("message_id"),
        _MESSAGES.c.status == MessageStatus.PENDING.value,
    )
    .values(sid=bindparam("sid"), status=bindparam("new_status"), updated_at=bindparam("at"))
)

__all__ = ["RetryPolicy", "Sender", "SweepReport"]  # from retries.py and outcomes.py


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Prepared(NamedTuple):
    """A text committed as pending and ready for the gateway."""

    followup_id: int
    message_id: int
    agency_id: int
    to: str
    body: str
    quiet_start: datetime | None  # when the agency's next quiet hours begin (None: no quiet)


@dataclass
class Sender(GatewayOutcomes):
    db: Database
    gateway: OptOutGuard
    clock: Clock
    public_url: str | None = None
    batch_size: int = 100
    sending_timeout: timedelta = timedelta(minutes=10)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    carrier_retry: RetryPolicy = CARRIER_RETRY  # for Twilio's 30001, 30003, 30500
    # How long after a lost answer to ask the gateway whether it took the text: long enough
    # for a request still running on Twilio's side to finish and show in its list.
    lookup_after: timedelta = timedelta(minutes=2)
    worker_id: str = field(default_factory=default_worker_id)
    # Gateway requests in flight at once (Twilio answers in ~100-300 ms, so one thread sends
    # only a few texts a second), and the most texts a second this process may send.
    concurrency: int = 1
    rate_limit: Pacer | None = None
    _pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    def sweep(self) -> SweepReport:
        """Mark stale sends unknown, then claim and send one batch of due follow-ups."""
        return self._finish(*self._begin())

    def _begin(self, settle: bool = True) -> tuple[SweepReport, list[str | Future[str]]]:
        """Settle what is stale or lost (unless this sender has sends running: they would look
        stale to a short timeout), claim and prepare a batch, and start sending it: with several
        threads, the sends are left running (their futures returned)."""
        report = SweepReport()
        if settle:
            report.stale = self.mark_stale()
            for outcome in self.look_up_lost():
                report.looked_up += 1
                setattr(report, outcome, getattr(report, outcome) + 1)
        claimed = self.claim_due()
        report.claimed = len(claimed)
        outcomes: list[str | Future[str]] = []
        ready: list[Prepared] = []
        for item in self._prepare_batch(claimed):
            (outcomes if isinstance(item, str) else ready).append(item)
        if self.concurrency > 1 and len(ready) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="send")
            outcomes.extend(self._pool.submit(self._deliver, prepared) for prepared in ready)
        else:
            outcomes.extend(self._deliver(prepared) for prepared in ready)
        return report, outcomes

    def _finish(self, report: SweepReport, outcomes: list[str | Future[str]]) -> SweepReport:
        """Wait for the batch's sends and count their outcomes."""
        for outcome in outcomes:
            name = outcome.result() if isinstance(outcome, Future) else outcome
            setattr(report, name, getattr(report, name) + 1)
        if report.claimed or report.stale or report.looked_up:
            logger.info("sweep: %s", report)
        return report

    def close(self) -> None:
        """Stop the sending threads (after the batch in hand)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def drain(self, max_batches: int = 1000) -> SweepReport:
        """Sweep until a batch comes back less than full (or ``max_batches`` ran).

        With several sending threads, the next batch is claimed and prepared while the last
        sends of the one before are still running, so the gateway is not left idle between
        batches (and the rate limit is used in full); what is claimed and not yet sent stays
        within a batch and twice the threads. What is stale or lost is settled once, first."""
        total = SweepReport()
        in_flight = None
        for _ in range(max_batches):
            if in_flight is not None:
                _until_left(in_flight[1], 2 * self.concurrency)
            batch = self._begin(settle=in_flight is None)
            if in_flight is not None:
                total.add(self._finish(*in_flight))
            in_flight = batch
            if batch[0].claimed < self.batch_size:
                break
        if in_flight is not None:
            total.add(self._finish(*in_flight))
        return total

    def mark_stale(self) -> int:
        """Settle ``sending`` rows a stopped sender left past the timeout (``stale``)."""
        return stale.settle(self.db, self.clock.now(), self.sending_timeout,
                            can_look_up=self.gateway.can_look_up)

    def claim_due(self) -> list[int]:
        """Atomically move up to ``batch_size`` due follow-ups to ``sending`` for this worker.

        PostgreSQL: rows another sender has locked are skipped (FOR UPDATE SKIP LOCKED).
        SQLite: the conditional UPDATE runs under the database's single write lock.
        Either way a row is claimed by exactly one sender.
        """
        now = self.clock.now()
        with self.db.begin() as session:
            due = (
                select(FollowUp.id)
                .where(FollowUp.status == FollowUpStatus.SCHEDULED, FollowUp.send_at <= now)
                .order_by(FollowUp.send_at, FollowUp.id)
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            # Two statements, not UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED LIMIT n):
            # PostgreSQL may run such a subquery more than once, and the batch then
            # grows past its limit. The rows selected here stay locked until commit.
            claimed = list(session.scalars(due))
            if claimed:
                session.execute(
                    update(FollowUp)
                    .where(FollowUp.id.in_(claimed), FollowUp.status == FollowUpStatus.SCHEDULED)
                    .values(
                        status=FollowUpStatus.SENDING,
                        claimed_at=now,
                        claimed_by=self.worker_id,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
        return sorted(claimed)

    def send_one(self, followup_id: int) -> str:
        """Send one claimed follow-up; return the SweepReport field its outcome counts under."""
        [prepared] = self._prepare_batch([followup_id])
        return prepared if isinstance(prepared, str) else self._deliver(prepared)

    def _deliver(self, prepared: Prepared) -> str:
        """Hand one prepared text to the gateway and record the answer (in its own thread)."""
        followup_id, message_id, agency_id, to, body, quiet_start = prepared
        callback = (
            f"{self.public_url}/webhooks/twilio/status?m={message_id}" if self.public_url else None
        )
        pace = self.rate_limit.acquire if self.rate_limit is not None else None
        validity = None
        if quiet_start is not None:
            # Whole seconds, rounded down, at least 1 (Twilio's minimum), less the longest the
            # rate limit can hold this text (it waits at the last moment, inside the gateway):
            # the text must not outlast the start of quiet hours.
            held = self.rate_limit.longest_wait(self.concurrency) if pace else 0.0
            left = (quiet_start - self.clock.now()).total_seconds() - held
            if left < MAX_VALIDITY_PERIOD:
                validity = max(1, math.floor(left))
        try:
            result = self.gateway.send(
                agency_id, to, body, status_callback=callback, validity_period=validity, pace=pace
            )
        except GatewayError as exc:
            return self._record_failure(followup_id, message_id, exc)
        except Exception:
            # A bug or an unexpected library error: the text may or may not have gone.
            logger.exception("unexpected error sending follow-up %s", followup_id)
            return self._record_failure(
                followup_id, message_id, UnknownOutcomeError("unexpected error")
            )
        now = self.clock.now()
        with self.db.engine.begin() as conn:
            conn.execute(_MARK_SENT, {"followup_id": followup_id, "at": now})
            # The usual case in one statement: the message still pending, as we left it.
            moved = conn.execute(
                _MARK_ACCEPTED,
                {
                    "message_id": message_id,
                    "sid": result.sid,
                    "new_status": MessageStatus(result.status).value,
                    "at": now,
                },
            ).rowcount
            links.forget_sent(conn, message_id, body)  # a case-page link: its hash only, now
        if not moved:
            # A status callback came first; never move the message backwards.
            with self.db.begin() as session:
                message = session.get(Message, message_id)
                message.sid = message.sid or result.sid
                delivery.advance(message, MessageStatus(result.status), now)
        return "sent"

    def _prepare_batch(self, followup_ids: list[int]) -> list[Prepared | str]:
        """Re-check and render claimed follow-ups; store their messages as pending and commit.

        One transaction for the batch: the texts are committed as pending before any is sent,
        so a crash from here on leaves them visible (``unknown``), never resent."""
        if not followup_ids:
            return []
        now = self.clock.now()
        templates: dict = {}  # the batch's texts, looked up once per agency/language/type
        with self.db.begin() as session, session.no_autoflush:
            found = {
                followup.id: followup
                for followup in session.scalars(
                    select(FollowUp)
                    .where(FollowUp.id.in_(followup_ids))
                    .options(joinedload(FollowUp.call).joinedload(Call.agency))
                )
            }
            # Contacts and recent texts for the whole batch in two reads, not two per text.
            facts = eligibility.batch_facts(session, found.values(), now=now)
            rows = [
                self._prepare_row(session, found.get(followup_id), now, templates, facts)
                for followup_id in followup_ids
            ]
            session.flush()  # gives each new message its id
            return [
                row
                if isinstance(row, str)
                else Prepared(
                    row[0].id, row[1].id, row[1].agency_id, row[1].phone, row[1].body, row[2]
                )
                for row in rows
            ]

    # Long because the send-time re-check runs its steps in order, each able to stop the text.
    def _prepare_row(
        self,
        session: Session,
        followup: FollowUp | None,
        now: datetime,
        templates: dict,
        facts: eligibility.BatchFacts,
    ) -> tuple[FollowUp, Message, datetime | None] | str:
        if (
            followup is None
            or followup.status != FollowUpStatus.SENDING
            or followup.claimed_by != self.worker_id  # a row this sender did not claim
        ):
            return "skipped"
        call, agency = followup.call, followup.call.agency
        followup.updated_at = now
        purpose = followup.purpose
        if followup.is_checkin:
            decision = eligibility.evaluate(
                session,
                agency,
                call,
                now=now,
                phone_given=True,
                followup_id=followup.id,
                at_send_time=True,
                facts=facts,
            )
        else:
            decision = notices.evaluate(
                session, agency, call, purpose, now=now, followup=followup, facts=facts
            )
        if not decision.eligible:
            # Held (the agency began holding unreviewed call types since it was scheduled)
            # waits for IT's decision; anything else is skipped for good.
            followup.status = FollowUpStatus.HELD if decision.held else FollowUpStatus.SKIPPED
            followup.reason = decision.reason
            return "skipped"
        quiet = None if purpose in notices.QUIET_EXEMPT else agency.quiet
        allowed = next_allowed(now, agency.zone, quiet)
        if allowed > now:  # claimed late, or a retry landed in quiet hours
            followup.status = FollowUpStatus.SCHEDULED
            followup.send_at = allowed
            return "rescheduled"
        extra = message_templates.update_context(followup.case_update) | links.context(
            session, agency, followup, now=now, public_url=self.public_url
        )
        try:
            rendered = message_templates.render_for_call(
                session, agency, call, purpose, followup.language, cache=templates, **extra
            )
        except message_templates.TemplateRenderError as exc:
            # A broken template must never reach a caller half-rendered.
            logger.error("%s text for agency %s did not render: %s", purpose, agency.slug, exc)
            followup.status = FollowUpStatus.FAILED
            followup.reason = SkipReason.TEMPLATE_ERROR
            return "failed"
        if rendered is None:
            followup.status = FollowUpStatus.FAILED
            followup.reason = SkipReason.NO_TEMPLATE
            return "failed"
        message = Message(
            agency_id=agency.id,
            followup_id=followup.id,
            direction=MessageDirection.OUTBOUND,
            phone=followup.phone,
            body=links.placed(rendered.body, rendered.template.body, extra),
            purpose=purpose,
            status=MessageStatus.PENDING,
            gateway=self.gateway.name,
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        followup.attempts += 1
        if followup.is_checkin:
            facts.texted.add((agency.id, call.caller_phone))  # one check-in per number per batch
        return followup, message, next_quiet_start(now, agency.zone, quiet)


def _until_left(outcomes: list[str | Future[str]], left: int) -> None:
    """Wait until no more than ``left`` of a batch's sends are still running or queued."""
    running = [outcome for outcome in outcomes if isinstance(outcome, Future)]
    while len(running) > left:
        _done, pending = wait(running, return_when=FIRST_COMPLETED)
        running = list(pending)
