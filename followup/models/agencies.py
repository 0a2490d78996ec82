"""Agencies and what belongs to one alone: intake tokens and the on-duty roster."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, FetchedValue, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from followup.core.db import Base, UTCDateTime
from followup.core.quiet_hours import QuietHours


class Agency(Base):
    """A police or public-safety agency and its sending rules."""

    __tablename__ = "agencies"
    # Columns with database defaults (the opt-ins below) are read when first used, not
    # returned by the INSERT: an INSERT then names no column an older schema lacks.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))  # the non-emergency line, for texts
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    default_region: Mapped[str] = mapped_column(String(2), default="US")  # for phone numbers
    send_delay_seconds: Mapped[int] = mapped_column(Integer, default=7200)
    quiet_hours: Mapped[str] = mapped_column(String(16), default="21:00-09:00")  # or "off"
    # A reply within this many hours of a check-in belongs to its conversation.
    reply_window_hours: Mapped[int] = mapped_column(Integer, default=168)
    sms_number: Mapped[str | None] = mapped_column(String(20))  # the agency's texting number
    advanced_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)  # Twilio answers STOP
    sla_urgent_minutes: Mapped[int] = mapped_column(Integer, default=15)
    sla_high_minutes: Mapped[int] = mapped_column(Integer, default=240)
    sla_normal_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    alert_url: Mapped[str | None] = mapped_column(String(500))  # urgent callbacks POSTed here
    alert_secret: Mapped[str | None] = mapped_column(String(200))  # HMAC key for alert_url
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)  # staff need a second factor
    # Phone numbers and message bodies older than this are removed by `followup purge`.
    retention_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # Call types that wait longer (or less) than send_delay: [{"pattern": ..., "delay_seconds": n}],
    # the first whose words match the call type wins.
    call_type_delays: Mapped[list[dict]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # texts go out in these
    frequency_cap_days: Mapped[int] = mapped_column(Integer, default=30)
    max_age_days: Mapped[int] = mapped_column(Integer, default=7)
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    # Agency additions on top of the built-in sensitive list: words, codes or regexes.
    sensitive_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    excluded_dispositions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Opt-ins (off by default): the public feedback board at /public/<slug>, and comparing the
    # agency's figures with the anonymous quartiles of the other agencies that opted in.
    # (Defaults from the database only: see __mapper_args__.)
    public_board: Mapped[bool] = mapped_column(Boolean, server_default=false())
    peer_benchmark: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The agency's own sites that may frame the embeddable board (https origins).
    board_embed_origins: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    # Hold check-ins whose call type nobody has reviewed in the call-type register (off by
    # default): they wait, unsent, until IT decides about the label.
    hold_unreviewed_call_types: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Texts across the whole call (issue 20). Off in the database for agencies that existed
    # before them; ``create_agency`` turns confirmation and delay texts on for new agencies.
    confirmation_texts: Mapped[bool] = mapped_column(Boolean, server_default=false())
    delay_texts: Mapped[bool] = mapped_column(Boolean, server_default=false())
    delay_minutes: Mapped[int] = mapped_column(Integer, server_default="30")
    # Other thresholds: [{"priority": "1", "minutes": 10}] or [{"pattern": "BURGLARY", ...}];
    # the first that matches the call wins.
    delay_rules: Mapped[list[dict]] = mapped_column(JSON, server_default="[]")
    case_update_texts: Mapped[bool] = mapped_column(Boolean, server_default=false())
    case_page: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Offer case updates by text (reply YES) when an update comes with no consent (schema 0017).
    case_update_offers: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The victim services page. FetchedValue: an INSERT that does not set it names no column an
    # older schema lacks (as the database defaults above).
    resources_url: Mapped[str | None] = mapped_column(String(500), server_default=FetchedValue())

    @property
    def delay_threshold(self) -> timedelta:
        return timedelta(minutes=self.delay_minutes)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours)

    @property
    def send_delay(self) -> timedelta:
        return timedelta(seconds=self.send_delay_seconds)


class ApiToken(Base):
    """A bearer token a dispatch system uses to post events for one agency; only a hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()


class RosterMember(Base):
    """A commander who gets urgent alerts by text while on duty."""

    __tablename__ = "roster_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    shift: Mapped[str | None] = mapped_column(String(40))  # e.g. "nights", "B watch"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
