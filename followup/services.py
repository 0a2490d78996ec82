"""The collaborators one process shares: settings, database, clock, gateway, sender."""

from __future__ import annotations

from dataclasses import dataclass

from followup.callbacks.alerts import AlertSender
from followup.core.clock import Clock, SystemClock
from followup.core.config import Settings
from followup.core.db import Database
from followup.core.files import private_folder
from followup.sending.gateways.base import SmsGateway
from followup.sending.gateways.guard import OptOutGuard
from followup.sending.gateways.outbox import OutboxGateway
from followup.sending.rate_limit import TokenBucket
from followup.sending.sender import Sender


def build_gateway(settings: Settings) -> SmsGateway:
    """Twilio when credentials are configured, the local outbox otherwise."""
    if settings.twilio_enabled:
        from followup.sending.gateways.twilio import TwilioGateway

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


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    gateway: OptOutGuard

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        gateway: SmsGateway | None = None,
        db: Database | None = None,
    ) -> Services:
        if settings.instance_path.exists():
            private_folder(settings.instance_path)  # it holds the database and the secret key
        db = db or Database(settings.database_url)
        inner = gateway or build_gateway(settings)
        return cls(settings, db, clock or SystemClock(), OptOutGuard(inner, db))

    def alert_sender(self) -> AlertSender:
        return AlertSender(self.db, self.gateway, self.clock, public_url=self.settings.public_url)

    def sender(self, **overrides) -> Sender:
        options = {
            "public_url": self.settings.public_url,
            "batch_size": self.settings.send_batch_size,
            "sending_timeout": self.settings.sending_timeout,
            "concurrency": self.settings.send_concurrency,
            "rate_limit": TokenBucket(self.settings.send_rate) if self.settings.send_rate else None,
        }
        options.update(overrides)
        return Sender(self.db, self.gateway, self.clock, **options)
