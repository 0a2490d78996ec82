"""The phone simulator: with the local outbox gateway, reply as a caller in the browser.

Each reply is posted to the real Twilio webhook, signed the way Twilio signs (with the key the
webhook checks), through the app itself, so the whole loop (triage, conversation, callbacks,
alerts) runs exactly as it does with Twilio.

It shows callers' numbers and words and can speak as any number, so it exists only when it was
turned on (FOLLOWUP_SIMULATOR, which `make run` sets) and the local outbox is the gateway (never
with Twilio), and only for a signed-in commander or admin, who sees and speaks for their own
agency only.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from followup.core.phones import to_e164
from followup.models import Agency, Message, MessageDirection, Role
from followup.sending.segments import count_segments
from followup.web.context import db_session, services

bp = Blueprint("simulator", __name__, url_prefix="/simulator")


@bp.before_request
def _allowed():
    if not services().settings.simulator_enabled:
        abort(404)
    if g.user is None:
        return redirect(url_for("auth.login", next=request.full_path))
    allowed = Role(g.user.role).can_work
    # End the read: on SQLite a transaction holds the write lock, and send-due writes from
    # transactions of its own.
    db_session().rollback()
    if not allowed:
        abort(403)
    return None


def _agency() -> Agency:
    return db_session().get(Agency, g.user.agency_id)


@bp.get("")
def page():
    session = db_session()
    phones = [
        phone
        for phone, _ in session.execute(
            select(Message.phone, func.max(Message.id))
            .where(Message.agency_id == g.user.agency_id, Message.phone != "")
            .group_by(Message.phone)
            .order_by(func.max(Message.id).desc())
            .limit(30)
        )
    ]
    phone = request.args.get("phone") or (phones[0] if phones else "")
    thread = []
    if phone:
        thread = session.scalars(
            select(Message)
            .where(Message.agency_id == g.user.agency_id, Message.phone == phone)
            .order_by(Message.id)
            .limit(200)
        ).all()
    return render_template(
        "pages/simulator/simulator.html",
        phones=phones,
        phone=phone,
        thread=thread,
        inbound=MessageDirection.INBOUND,
        error=request.args.get("error"),
    )


@bp.post("/send")
def send():
    svc = services()
    raw_phone = request.form.get("phone", "").strip()
    body = request.form.get("body", "")
    phone = to_e164(raw_phone) if raw_phone else None
    if phone is None:
        return redirect(
            url_for(".page", phone=raw_phone, error="Enter a mobile number, e.g. +1 202-555-0123.")
        )
    if len(body) > 1600:
        return redirect(url_for(".page", phone=phone, error="A text is at most 1,600 characters."))
    agency = _agency()
    if agency.sms_number is None and agency.slug != svc.settings.agency_slug:
        # Replies find their agency by the number they were sent to.
        return redirect(
            url_for(".page", phone=phone, error="Set this agency's texting number first.")
        )
    params = {
        "ToCountry": "US",
        "ToState": "DC",
        "SmsMessageSid": "",
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": "",
        "FromState": "DC",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "US",
        "To": agency.sms_number or "+12025550100",
        "ToZip": "",
        "NumSegments": str(max(1, count_segments(body).segments)),
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "ApiVersion": "2010-04-01",
    }
    params["SmsMessageSid"] = params["SmsSid"] = params["MessageSid"]
    path = url_for("twilio_hooks.inbound_sms")
    base = svc.settings.public_url or request.host_url.rstrip("/")
    signature = RequestValidator(svc.settings.webhook_auth_token).compute_signature(
        base + path, params
    )
    # Through the whole WSGI app, as Twilio's request would arrive (no network, no deadlock
    # with a single-worker server).
    response = current_app.test_client().post(
        path,
        data=params,
        headers={"X-Twilio-Signature": signature},
        base_url=request.host_url,
    )
    if response.status_code != 200:
        return redirect(
            url_for(".page", phone=phone, error=f"The webhook answered {response.status_code}.")
        )
    return redirect(url_for(".page", phone=phone))


@bp.post("/send-due")
def send_due():
    """Run the sender now rather than waiting for its next sweep."""
    services().sender().drain()
    return redirect(url_for(".page", phone=request.form.get("phone") or None))
