"""SMS gateways: Twilio when credentials are configured, the local outbox otherwise."""

from __future__ import annotations

from followup.config import Settings
from followup.gateways.base import SmsGateway
from followup.gateways.outbox import OutboxGateway
from followup.gateways.twilio_gateway import TwilioGateway


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
