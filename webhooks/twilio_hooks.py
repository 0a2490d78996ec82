"""Twilio's webhooks: inbound texts and delivery statuses. Signed, thin, answered with TwiML.

Each request is checked against ``X-Twilio-Signature`` first (403 otherwise, whatever else is
wrong with it). A delivery whose ``I-Twilio-Idempotency-Token`` was handled before gets the
first answer again. While the database is down, a signed request is kept in the local spool
and answered as received (Twilio does not retry a 5xx), a person in danger with the safety
text at once (triage needs no database); ``followup spool replay`` and the
sender's every sweep put it through later. Nothing here logs a phone number or a text's words.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from flask import Blueprint, Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from followup.callbacks.alerts import AlertSender
from followup.replies import inbound, safety
from followup.replies.spool import DATABASE_DOWN, Spool, SpooledWebhook
from followup.sending import delivery
from followup.sending.gateways import signatures
from followup.web.context import db_session, services

logger = logging.getLogger(__name__)

bp = Blueprint("twilio_hooks", __name__, url_prefix="/webhooks/twilio")

SIGNATURE = "X-Twilio-Signature"
IDEMPOTENCY_TOKEN = "I-Twilio-Idempotency-Token"


def signed_url() -> str:
    """The URL Twilio signed: the configured public URL (behind a TLS proxy the request's own
    scheme and host are not what Twilio called), with this request's path and query. Without
    one, the request's own URL: its scheme and host come from X-Forwarded-* only for the hops
    FOLLOWUP_TRUSTED_PROXIES trusts (ProxyFix), so a client cannot choose them."""
    public = services().settings.public_url
    if not public:
        return request.url
    query = request.query_string.decode()
    return f"{public}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    token = services().settings.webhook_auth_token
    if not signatures.is_signed(token, signed_url(), request.form,
                                request.headers.get(SIGNATURE, "")):
        logger.warning(
            "rejected a Twilio webhook with a missing or wrong signature: %s", request.path
        )
        abort(403)


def _twiml(reply: str | None) -> Response:
    return Response(_twiml_text(reply), mimetype="application/xml")


@lru_cache(maxsize=256)
def _twiml_text(reply: str | None) -> str:
    """The TwiML answer, built once per reply text: replies are a few texts said many times,
    and the SDK's XML builder costs a quarter of a millisecond each time."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def _token() -> str | None:
    return request.headers.get(IDEMPOTENCY_TOKEN) or None


def _spool(kind: str, exc: Exception) -> None:
    """Keep this signed request for replay: the database is down (the error names no data)."""
    try:
        db_session().rollback()
    except DATABASE_DOWN:
        pass  # the connection is gone; the session is closed in teardown
    svc = services()
    Spool(svc.settings.spool_path).append(
        SpooledWebhook(
            kind=kind,
            url=signed_url(),
            form=list(request.form.items(multi=True)),
            signature=request.headers.get(SIGNATURE, ""),
            token=_token(),
            received_at=svc.clock.now(),
        )
    )
    logger.error(
        "database unavailable (%s): a Twilio %s webhook was spooled for replay",
        type(exc).__name__,
        kind,
    )


@bp.post("/sms")
def inbound_sms():
    require_twilio_signature()
    sms = inbound.sms_from_form(request.form)
    if sms is None:
        return Response("MessageSid and From are required", status=400, mimetype="text/plain")
    svc = services()
    try:
        session = db_session()
        outcome = inbound.receive_once(
            session,
            sms,
            token=_token(),
            now=svc.clock.now(),
            default_agency_slug=svc.settings.agency_slug,
        )
        session.commit()
    except DATABASE_DOWN as exc:
        _spool("sms", exc)
        return _twiml(safety.answer_without_database(sms.body))
    except Exception as exc:
        # Whatever went wrong, a caller's text is never lost: it is kept on disk like a text
        # that came during an outage, replayed, and set aside for a person if it fails again.
        logger.exception("an inbound text could not be handled; spooled for replay")
        _spool("sms", exc)
        return _twiml(safety.answer_without_database(sms.body))
    if outcome.alert_ids:
        # Danger: alert now, in this request, after the callback is safely stored.
        AlertSender(svc.db, svc.gateway, svc.clock, public_url=svc.settings.public_url).deliver(
            outcome.alert_ids
        )
    return _twiml(outcome.reply)


@bp.post("/status")
def delivery_status():
    require_twilio_signature()
    svc = services()
    try:
        session = db_session()
        result = delivery.record_callback(
            session, request.form, message_id=_message_id(), token=_token(), now=svc.clock.now()
        )
        session.commit()
    except DATABASE_DOWN as exc:
        _spool("status", exc)
        return Response(status=204)
    logger.info("status callback: %s", result)
    return Response(status=204)


def _message_id() -> int | None:
    value = request.args.get("m", "")
    return int(value) if value.isdecimal() and len(value) <= 9 else None  # an INTEGER id
