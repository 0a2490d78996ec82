"""Calls and what followed them, written straight into the tables for the board, peer and
non-response tests (hundreds of calls where the intake API would be slow), then counted into
the report facts by the real refresh. All numbers fictional (+1 202-555-01xx).

A call is described by a ``Spec``; ``seed`` writes the call, its follow-up, the check-in text,
the reply's conversation and message, and a callback, as the services would have.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from followup.models import (
    Call,
    Callback,
    Conversation,
    FollowUp,
    Message,
)
from followup.reports import facts

_numbers = itertools.count(1)


@dataclass
class Spec:
    closed_at: datetime
    district: str = "North"
    call_type: str = "THEFT - CAR PROWL"
    language: str = "en"
    sent: bool = True  # else skipped (no_phone)
    delivered: bool = True
    reply: str | None = None  # the reply's text, if any
    rating: int | None = None
    category: str = "positive"
    commendation: str | None = None
    callback: bool = False
    in_sla: bool = False  # resolved before its due time (else left open)


def spec_rows(count: int, **fields) -> list[Spec]:
    return [Spec(**fields) for _ in range(count)]


# Long because each call's rows are written in the order their keys need.
def seed(db, agency_id: int, specs: list[Spec]) -> list[int]:
    """Write the calls; count them into the report facts; return the inbound message ids."""
    inbound_ids = []
    with db.begin() as session:
        for spec in specs:
            n = next(_numbers)
            phone = f"+1202555{100 + n % 100:04d}"
            at = spec.closed_at
            call = Call(
                agency_id=agency_id, external_id=f"SEED-{n:06d}", status="closed",
                call_type=spec.call_type, disposition="REPORT", closed_at=at,
                caller_phone=phone if spec.sent else None, language=spec.language,
                district=spec.district, self_initiated=False, do_not_contact=False,
                fingerprint="seed", received_at=at, updated_at=at,
            )
            session.add(call)
            session.flush()
            followup = FollowUp(
                agency_id=agency_id, call_id=call.id, phone=phone if spec.sent else None,
                language=spec.language, status="sent" if spec.sent else "skipped",
                reason=None if spec.sent else "no_phone", send_at=at, attempts=1,
                sent_at=at if spec.sent else None, created_at=at, updated_at=at,
            )
            session.add(followup)
            session.flush()
            if not spec.sent:
                continue
            session.add(Message(
                agency_id=agency_id, followup_id=followup.id, direction="outbound",
                phone=phone, body="check-in", purpose="checkin",
                status="delivered" if spec.delivered else "sent", gateway="twilio",
                sid=f"SMseed{n:027d}", media_urls=[], created_at=at, updated_at=at,
            ))
            if spec.reply is None:
                continue
            replied_at = at + timedelta(minutes=30)
            conversation = Conversation(
                agency_id=agency_id, followup_id=followup.id, phone=phone,
                language=spec.language, step="closed", rating=spec.rating, auto_texts=2,
                opened_at=at, last_inbound_at=replied_at,
            )
            session.add(conversation)
            session.flush()
            message = Message(
                agency_id=agency_id, direction="inbound", phone=phone, body=spec.reply,
                status="received", gateway="twilio", sid=f"SMseedin{n:025d}",
                conversation_id=conversation.id, media_urls=[], category=spec.category,
                triage={"category": spec.category}, commendation=spec.commendation,
                created_at=replied_at, updated_at=replied_at,
            )
            session.add(message)
            session.flush()
            inbound_ids.append(message.id)
            if spec.callback:
                due = replied_at + timedelta(hours=24)
                session.add(Callback(
                    agency_id=agency_id, conversation_id=conversation.id,
                    message_id=message.id, category=spec.category, priority="normal",
                    status="resolved" if spec.in_sla else "open", due_by=due, reasons=[],
                    resolved_at=replied_at + timedelta(hours=1) if spec.in_sla else None,
                    outcome="resolved_by_phone" if spec.in_sla else None,
                    created_at=replied_at, updated_at=replied_at,
                ))
    facts.refresh_all(db)
    return inbound_ids
