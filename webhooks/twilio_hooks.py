"""Twilio's webhooks: inbound texts and delivery statuses. Signed, thin, answered with TwiML."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from followup import delivery, inbound
from followup.alerts import AlertSender
from webhooks.context import db_session, services

logger = logging.getLogger(__name__)

bp = Blueprint("twilio_hooks", __name__, url_prefix="/webhooks/twilio")


def signed_url() -> str:
    """The URL Twilio signed: the configured public URL (behind a TLS proxy the request's own
    scheme and host are not what Twilio called), with this request's path and query."""
    public = services().settings.public_url
    if not public:
        return request.url
    query = request.query_string.decode()
    return f"{public}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    validator = RequestValidator(services().settings.webhook_auth_token)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not validator.validate(signed_url(), request.form, signature):
        logger.warning("rejected a Twilio webhook with a missing or wrong signature: %s",
                       request.path)
        abort(403)


def _twiml(reply: str | None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), mimetype="application/xml")


@bp.post("/sms")
def inbound_sms():
    require_twilio_signature()
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    sender = form.get("From")
    if not sid or not sender:
        return Response("MessageSid and From are required", status=400, mimetype="text/plain")
    media_count = _int(form.get("NumMedia")) or 0
    sms = inbound.InboundSms(
        sid=sid,
        sender=sender,
        to=form.get("To", ""),
        body=form.get("Body", ""),
        media_urls=tuple(
            url for i in range(min(media_count, 10)) if (url := form.get(f"MediaUrl{i}"))
        ),
        segments=_int(form.get("NumSegments")),
    )
    svc = services()
    session = db_session()
    outcome = inbound.receive(
        session, sms, now=svc.clock.now(), default_agency_slug=svc.settings.agency_slug
    )
    session.commit()
    if outcome.alert_ids:
        # Danger: alert now, in this request, after the callback is safely stored.
        AlertSender(svc.db, svc.gateway, svc.clock, public_url=svc.settings.public_url).deliver(
            outcome.alert_ids
        )
    return _twiml(outcome.reply)


@bp.post("/status")
def delivery_status():
    require_twilio_signature()
    form = request.form
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    svc = services()
    session = db_session()
    result = delivery.record_status(
        session,
        message_id=_int(request.args.get("m")),
        sid=form.get("MessageSid") or form.get("SmsSid"),
        status=status,
        error_code=_int(form.get("ErrorCode")),
        now=svc.clock.now(),
    )
    session.commit()
    logger.info("status callback: %s -> %s", status, result)
    return Response(status=204)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
