"""Urgent alerts: every on-duty commander by text, and the agency's alert URL, at once.

Alerts are recorded (pending) in the same transaction as the callback, delivered right after
it commits, inside the webhook request, and retried by the sender's sweep if a channel was
down. Texts to commanders go through the opt-out guard like every other text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timedelta

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.callbacks import webhook_post
from followup.core.clock import Clock
from followup.core.db import Database
from followup.core.urls import UnsafeTarget
from followup.models import (
    Agency,
    Alert,
    AlertChannel,
    AlertStatus,
    Callback,
    Conversation,
    FollowUp,
    Message,
    MessageDirection,
    MessageStatus,
    Purpose,
    RosterMember,
)
from followup.sending.gateways import twilio_codes
from followup.sending.gateways.base import GatewayError, SendResult, TransientGatewayError
from followup.sending.gateways.guard import OptOutGuard
from followup.staff import audit
from followup.texts import message_templates

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SIGNATURE_HEADER = "X-Followup-Signature"


def create_for(session: Session, agency: Agency, callback_id: int, *, now: datetime) -> list[int]:
    """Record one pending alert per on-duty commander and one for the alert URL; return ids."""
    alerts = [
        Alert(agency_id=agency.id, callback_id=callback_id, channel=AlertChannel.SMS,
              target=str(member.id), status=AlertStatus.PENDING, attempts=0, created_at=now,
              updated_at=now)
        for member in session.scalars(
            select(RosterMember).where(
                RosterMember.agency_id == agency.id, RosterMember.on_duty.is_(True)
            )
        )
    ]
    if agency.alert_url:
        alerts.append(
            Alert(agency_id=agency.id, callback_id=callback_id, channel=AlertChannel.WEBHOOK,
                  target=agency.alert_url, status=AlertStatus.PENDING, attempts=0,
                  created_at=now, updated_at=now)
        )
    if not alerts:
        logger.warning("urgent callback %s: agency %s has no on-duty roster and no alert URL",
                       callback_id, agency.slug)
    session.add_all(alerts)
    session.flush()
    return [alert.id for alert in alerts]


CARRIER_FILTERED_ACTION = "carrier_filtered"


def carrier_filtered(session: Session, message: Message, *, now: datetime) -> None:
    """Tell the agency's admins that a carrier filtered a check-in as spam (Twilio 30007).

    Not urgent (no caller is in danger), so not a commander alert: a row in the audit trail,
    which the admin screens show, and a warning in the log, neither with a number or a body.
    The template is what needs attention: carriers filter on wording and links.
    """
    followup = session.get(FollowUp, message.followup_id) if message.followup_id else None
    agency = session.get(Agency, message.agency_id)
    audit.record(
        session,
        CARRIER_FILTERED_ACTION,
        now=now,
        username="system",
        agency_id=message.agency_id,
        object_type="message",
        object_id=message.id,
        detail={
            "code": twilio_codes.CARRIER_FILTERED,
            "purpose": Purpose.CHECKIN if followup else None,
            "language": followup.language if followup else None,
            "followup_id": followup.id if followup else None,
            "advice": "a carrier filtered this text as spam: review the template's wording",
        },
    )
    logger.warning(
        "agency %s: a carrier filtered text %s (30007): review the check-in template",
        agency.slug if agency else message.agency_id,
        message.id,
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the alert signature: HMAC-SHA256 over "timestamp.body", hex, as ``sha256=...``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class AlertSender:
    """Deliver alerts; several at once, each within a short timeout."""

    def __init__(
        self,
        db: Database,
        gateway: OptOutGuard,
        clock: Clock,
        *,
        public_url: str | None = None,
        post: Callable[..., requests.Response] | None = None,
        timeout: float = 4.0,
    ):
        self.db, self.gateway, self.clock = db, gateway, clock
        self.public_url, self.post, self.timeout = public_url, post, timeout

    def deliver(self, alert_ids: Iterable[int], *, budget: float = 8.0) -> None:
        """Try every alert now, in parallel; give up waiting after ``budget`` seconds."""
        ids = list(alert_ids)
        if not ids:
            return
        pool = ThreadPoolExecutor(max_workers=min(8, len(ids)))
        futures = [pool.submit(self.deliver_one, alert_id) for alert_id in ids]
        wait(futures, timeout=budget)
        # Twilio waits at most 15 s for the webhook: stop waiting, let slow channels finish in
        # the background (their rows stay pending until then, and the sweep retries them).
        pool.shutdown(wait=False)

    def retry_pending(self, *, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Deliver alerts still pending (a channel was down, or the process stopped)."""
        cutoff = self.clock.now() - older_than
        with self.db.Session() as session:
            ids = list(
                session.scalars(
                    select(Alert.id).where(
                        Alert.status == AlertStatus.PENDING,
                        Alert.updated_at <= cutoff,
                        Alert.attempts < MAX_ATTEMPTS,
                    )
                )
            )
        self.deliver(ids)
        return len(ids)

    def deliver_one(self, alert_id: int) -> None:
        with self.db.begin() as session:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.status != AlertStatus.PENDING:
                return
            callback = session.get(Callback, alert.callback_id)
            agency = session.get(Agency, alert.agency_id)
            conversation = session.get(Conversation, callback.conversation_id)
            call = conversation.followup.call if conversation.followup else None
            if alert.channel == AlertChannel.SMS:
                member = session.get(RosterMember, int(alert.target))
                rendered = message_templates.render_for_call(
                    session, agency, call, Purpose.ALERT, agency.default_language,
                    callback_id=str(callback.id),
                )
                job = ("sms", agency.id, member.phone if member else None,
                       rendered.body if rendered else None)
            elif alert.target != agency.alert_url:
                job = None  # the URL was changed or removed since: never post to the old one
            else:
                payload = self._payload(agency, callback, call)
                job = ("webhook", agency.alert_secret, alert.target, payload)
        if job is None:
            outcome, detail = "failed", "not sent: the alert URL was changed or removed since"
            taken = None
        elif job[0] == "sms":
            outcome, detail, taken = self._send_text(*job[1:])
        else:
            (outcome, detail), taken = self._send(job), None
        now = self.clock.now()
        with self.db.begin() as session:
            if taken is not None:
                _keep_text(session, job, taken, gateway=self.gateway.name, now=now)
            alert = session.get(Alert, alert_id)
            alert.attempts += 1
            alert.updated_at = now
            alert.detail = detail[:300]
            if outcome == "sent":
                alert.status = AlertStatus.SENT
            elif outcome == "failed" or alert.attempts >= MAX_ATTEMPTS:
                alert.status = AlertStatus.FAILED
            logger.info("alert %s (%s): %s", alert_id, alert.channel, alert.status)

    def _payload(self, agency: Agency, callback: Callback, call) -> dict:
        return {
            "event": "callback.urgent",
            "agency": agency.slug,
            "callback_id": callback.id,
            "priority": callback.priority,
            "category": callback.category,
            "reasons": callback.reasons,
            "call_id": call.external_id if call else None,
            "due_by": callback.due_by.isoformat(),
            "url": f"{self.public_url}/callbacks/{callback.id}" if self.public_url else None,
        }

    def _send_text(self, agency_id: int, phone: str | None, body: str | None):
        """Return ("sent" | "failed" | "retry", detail, what the gateway took); never raises."""
        if not phone or not body:
            return "failed", "no phone for the roster member, or no alert text", None
        try:
            result = self.gateway.send(agency_id, phone, body)
        except GatewayError as exc:
            if isinstance(exc, TransientGatewayError):
                return "retry", "not delivered yet: the texting service is busy (retried)", None
            if exc.meaning == twilio_codes.Meaning.OPTED_OUT:
                return "failed", "not delivered: this number opted out of texts", None
            refused = f"not delivered: the texting service refused it (code {exc.code})"
            return "failed", refused, None
        return "sent", f"sid {result.sid}", result

    def _send(self, job) -> tuple[str, str]:
        """Return ("sent" | "failed" | "retry", detail); never raises."""
        _, secret, url, payload = job
        body = json.dumps(payload, sort_keys=True).encode()
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "X-Followup-Timestamp": timestamp}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        try:
            post = self.post or webhook_post.post  # looked up now, so tests can stand in for it
            response = post(url, data=body, headers=headers, timeout=self.timeout)
        except UnsafeTarget as exc:
            return "failed", f"not delivered: {exc}"
        except requests.Timeout:
            return "retry", "not delivered yet: the alert URL did not answer in time"
        except requests.ConnectionError:
            return "retry", "not delivered yet: could not connect to the alert URL"
        except requests.RequestException:
            return "retry", "not delivered yet: the request to the alert URL failed"
        status = response.status_code
        if 200 <= status < 300:
            return "sent", f"delivered (HTTP {status})"
        if 300 <= status < 400:
            return "failed", f"not delivered: the alert URL redirected (HTTP {status})"
        if status >= 500 or status == 429:
            return "retry", f"not delivered yet: the alert URL answered HTTP {status}"
        return "failed", f"not delivered: the alert URL answered HTTP {status}"


def _keep_text(session: Session, job, taken: SendResult, *, gateway: str, now: datetime) -> None:
    """Store the alert text a commander was sent, as every text the service sends is stored:
    the outbox and the phone simulator show it, and its delivery status finds it by sid.

    Not part of the caller's conversation (it went to the commander's phone, not theirs)."""
    _, agency_id, phone, body = job
    session.add(
        Message(
            agency_id=agency_id,
            direction=MessageDirection.OUTBOUND,
            phone=phone,
            body=body,
            purpose=Purpose.ALERT,
            status=MessageStatus(taken.status),
            gateway=gateway,
            sid=taken.sid,
            error_code=taken.error_code,
            created_at=now,
            updated_at=now,
        )
    )
