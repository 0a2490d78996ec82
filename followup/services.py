"""The collaborators one process shares: settings, database, clock, gateway, sender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup.core.clock import Clock, SystemClock
from followup.core.config import ConfigError, Settings, twilio_problem
from followup.core.db import Database
from followup.core.files import private_folder
from followup.sending.gateways.base import SmsGateway
from followup.sending.gateways.guard import OptOutGuard
from followup.sending.gateways.outbox import OutboxGateway

# The sender and the alerts (requests, the Twilio codes, the templates) are imported when a
# process first asks for them: a quick CLI command needs neither.
if TYPE_CHECKING:
    from followup.callbacks.alerts import AlertSender
    from followup.sending.sender import Sender


def build_gateway(settings: Settings) -> SmsGateway:
    """Twilio when credentials are configured, the local outbox when none are; half a Twilio
    configuration is an error (it would silently keep every text on this machine)."""
    if settings.twilio_missing:
        raise ConfigError(twilio_problem(settings.twilio_missing))
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
        # Every sending thread needs a connection of its own now and then (the opt-out guard's
        # read just before each text, the outcome just after): with fewer than that, a thread
        # let go by the rate limit could wait for one, and its text reach Twilio late,
        # bunched with the next.
        db = db or Database(settings.database_url, pool_size=max(5, settings.send_concurrency + 2))
        inner = gateway or build_gateway(settings)
        return cls(settings, db, clock or SystemClock(), OptOutGuard(inner, db))

    def alert_sender(self) -> AlertSender:
        from followup.callbacks.alerts import AlertSender

        return AlertSender(self.db, self.gateway, self.clock, public_url=self.settings.public_url)

    def sender(self, **overrides) -> Sender:
        from followup.sending.rate_limit import Pacer, prompt_turns
        from followup.sending.sender import Sender

        if self.settings.send_rate:
            prompt_turns()  # threads let go by the pacer run at once, not after 5 ms turns
        options = {
            "public_url": self.settings.public_url,
            "batch_size": self.settings.send_batch_size,
            "sending_timeout": self.settings.sending_timeout,
            "concurrency": self.settings.send_concurrency,
            "rate_limit": Pacer(self.settings.send_rate) if self.settings.send_rate else None,
        }
        options.update(overrides)
        return Sender(self.db, self.gateway, self.clock, **options)
