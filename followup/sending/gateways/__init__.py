"""SMS gateways: Twilio when credentials are configured, the local outbox otherwise."""

from __future__ import annotations

from followup.core.config import Settings
from followup.sending.gateways.base import SmsGateway
from followup.sending.gateways.outbox import OutboxGateway
from followup.sending.gateways.twilio import TwilioGateway


def build_gateway(settings: Settings) -> SmsGateway:
    if settings.twilio_enabled:
        return TwilioGateway(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            from_number=settings.twilio_from_number,
            api_url=settings.twilio_api_url,
            timeout=settings.twilio_timeout,
            connect_timeout=settings.twilio_connect_timeout,
        )
    return OutboxGateway()
