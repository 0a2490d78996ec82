"""Test factories and fakes: events, an API client, an in-memory gateway."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from followup.models import Call, FollowUp, Message
from followup.sending.gateways.base import GatewayError, SendResult

_ids = itertools.count(1)


def call_event(**overrides) -> dict:
    """Return a closed-call event as a dispatch system would post it (fictional number)."""
    event = {
        "call_id": f"2026-{next(_ids):06d}",
        "closed_at": "2026-11-23T09:30:00-05:00",
        "call_type": "THEFT - CAR PROWL",
        "disposition": "REPORT TAKEN",
        "caller_phone": "(202) 555-0123",
        "caller_name": "Alex Rivera",
        "district": "North",
        "beat": "N2",
        "unit": "2A14",
        "officer_id": "4471",
    }
    event.update(overrides)
    return {key: value for key, value in event.items() if value is not ...}


@dataclass
class ApiClient:
    """Posts to the intake API as a dispatch system would."""

    client: object
    token: str

    def post_call(self, event: dict | None = None, *, token: str | None = None, **overrides):
        body = event if event is not None else call_event(**overrides)
        return self.client.post(
            "/api/v1/calls",
            json=body,
            headers={"Authorization": f"Bearer {token or self.token}"},
        )

    def get_call(self, call_id: str, *, token: str | None = None):
        return self.client.get(
            f"/api/v1/calls/{call_id}", headers={"Authorization": f"Bearer {token or self.token}"}
        )


@dataclass
class FakeGateway:
    """An in-memory gateway: records what it was asked to send; can be told to fail."""

    name: str = "fake"
    sent: list[dict] = field(default_factory=list)
    failures: list[GatewayError] = field(default_factory=list)

    def fail_next(self, *errors: GatewayError) -> None:
        self.failures.extend(errors)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append({"to": to, "body": body, "status_callback": status_callback})
        return SendResult(sid=f"SM{len(self.sent):032d}", status="queued")


def checkin_sent(api, clock, sender, gateway, phone: str, **overrides) -> str:
    """Post a closed call from ``phone``, send its check-in, and let 20 minutes pass; return
    the call id."""
    event = call_event(caller_phone=phone, **overrides)
    response = api.post_call(event)
    assert response.json["followup"]["status"] == "scheduled", response.json
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    assert sender.sweep().sent == 1
    assert gateway.sent[-1]["to"] == phone
    clock.advance(minutes=20)
    return event["call_id"]


def followup_for(db, call_id: str) -> FollowUp:
    with db.Session() as session:
        return session.scalar(
            select(FollowUp).join(Call).where(Call.external_id == call_id)
        )


def messages(db) -> list[Message]:
    with db.Session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
