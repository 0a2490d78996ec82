"""Configuration, read from the environment in one place so every entry point agrees."""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from followup.core.durations import parse_duration
from followup.core.files import private_folder
from followup.core.quiet_hours import QuietHours


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


def project_root() -> Path | None:
    """Return the source checkout this package runs from, or None when installed as a wheel."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def default_instance_path() -> Path:
    root = project_root()
    return (root if root else Path.cwd()) / "instance"


def resource_dir() -> Path:
    """Return the templates/ folder: packaged inside the wheel, or at the top of a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_templates"
    if packaged.is_dir():
        return packaged
    root = project_root()
    if root is None:
        raise ConfigError("cannot find the templates/ folder: reinstall the followup package")
    return root / "templates"


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment (README documents each variable)."""

    database_url: str
    secret_key: str
    public_url: str | None = None
    intake_token: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_url: str | None = None
    # Seconds to wait for Twilio: to connect, and for an answer (a lost answer is looked up).
    twilio_connect_timeout: float = 5.0
    twilio_timeout: float = 10.0
    # Defaults for the default agency, applied when `db upgrade` or `run` first creates it.
    agency_slug: str = "default"
    agency_name: str = "Demo Police Department"
    timezone: str = "America/New_York"
    send_delay: timedelta = timedelta(hours=2)
    quiet_hours: QuietHours | None = field(default_factory=lambda: QuietHours.parse("21:00-09:00"))
    # The sender loop.
    send_interval_seconds: float = 15.0
    send_batch_size: int = 100
    send_concurrency: int = 4
    send_rate: float | None = None  # texts per second per sender process; None: no limit
    sending_timeout: timedelta = timedelta(minutes=10)
    instance_path: Path = field(default_factory=default_instance_path)
    # Reverse proxies in front of the web app whose X-Forwarded-* headers are believed (exact
    # hop count; 0: none, the request's own scheme and host stand).
    trusted_proxies: int = 0
    # Where Twilio webhooks wait while the database is down (default: <instance>/spool).
    spool_dir: Path | None = None
    # `make run`: create demo staff accounts and print their sign-in on start.
    demo_accounts: bool = False
    # The phone simulator (reply as a caller in the browser): only when asked for, and only with
    # the local outbox gateway (`make run` turns it on; production never has it).
    simulator: bool = False
    # Operations: /metrics wants this bearer token when set; /readyz fails once a due check-in
    # has waited longer than sender_max_lag (the sender is down or far behind).
    metrics_token: str | None = None
    sender_max_lag: timedelta = timedelta(minutes=10)

    @property
    def twilio_enabled(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_messaging_service_sid or self.twilio_from_number)
        )

    @property
    def simulator_enabled(self) -> bool:
        return self.simulator and not self.twilio_enabled

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or self.instance_path / "spool"

    @property
    def webhook_auth_token(self) -> str:
        """The key Twilio webhooks are signed with: the account's auth token, or, with the local
        outbox (no Twilio), one derived from the secret key for the phone simulator."""
        if self.twilio_auth_token:
            return self.twilio_auth_token
        return hmac.new(self.secret_key.encode(), b"followup-simulator", "sha256").hexdigest()

    # Long because it reads every variable README lists, one line each, in one place.
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read the settings from ``env`` (default: the process environment); overrides win."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        instance = Path(get("FOLLOWUP_INSTANCE_PATH") or default_instance_path())
        values: dict = {
            "instance_path": instance,
            "database_url": get("FOLLOWUP_DATABASE_URL")
            or f"sqlite:///{instance / 'followup.sqlite3'}",
            "secret_key": get("FOLLOWUP_SECRET_KEY") or _dev_secret_key(instance),
            "public_url": (get("FOLLOWUP_PUBLIC_URL") or "").rstrip("/") or None,
            "intake_token": get("FOLLOWUP_INTAKE_TOKEN"),
            "twilio_account_sid": get("TWILIO_ACCOUNT_SID"),
            "twilio_auth_token": get("TWILIO_AUTH_TOKEN"),
            "twilio_messaging_service_sid": get("TWILIO_MESSAGING_SERVICE_SID"),
            "twilio_from_number": get("TWILIO_FROM_NUMBER"),
            "twilio_api_url": get("FOLLOWUP_TWILIO_API_URL"),
            "spool_dir": Path(spool) if (spool := get("FOLLOWUP_SPOOL_DIR")) else None,
        }
        try:
            make_url(values["database_url"])
        except ArgumentError:
            # The value may hold a password, so the message does not repeat it.
            raise ConfigError(
                "FOLLOWUP_DATABASE_URL is not a database URL "
                "(e.g. sqlite:///path/to/file.sqlite3, postgresql+psycopg://user@host/db)"
            ) from None
        values["demo_accounts"] = _flag(get("FOLLOWUP_DEMO_ACCOUNTS"))
        values["simulator"] = _flag(get("FOLLOWUP_SIMULATOR"))
        if name := get("FOLLOWUP_AGENCY_NAME"):
            values["agency_name"] = name
        if slug := get("FOLLOWUP_AGENCY_SLUG"):
            values["agency_slug"] = slug
        if tz := get("FOLLOWUP_TIMEZONE"):
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    f"FOLLOWUP_TIMEZONE={tz!r} is not an IANA time zone (e.g. America/Chicago)"
                ) from None
            values["timezone"] = tz
        values.update(_parsed(get, "FOLLOWUP_SEND_DELAY", "send_delay", parse_duration))
        values.update(_parsed(get, "FOLLOWUP_QUIET_HOURS", "quiet_hours", QuietHours.parse))
        values.update(_parsed(get, "FOLLOWUP_SEND_INTERVAL", "send_interval_seconds", _seconds))
        values.update(_parsed(get, "FOLLOWUP_SENDING_TIMEOUT", "sending_timeout", parse_duration))
        values.update(_parsed(get, "FOLLOWUP_SEND_BATCH", "send_batch_size", _positive_int))
        values.update(_parsed(get, "FOLLOWUP_SEND_CONCURRENCY", "send_concurrency", _concurrency))
        values.update(_parsed(get, "FOLLOWUP_SEND_RATE", "send_rate", _rate))
        values.update(_parsed(get, "FOLLOWUP_TWILIO_TIMEOUT", "twilio_timeout", _timeout))
        values.update(
            _parsed(get, "FOLLOWUP_TWILIO_CONNECT_TIMEOUT", "twilio_connect_timeout", _timeout)
        )
        values.update(_parsed(get, "FOLLOWUP_SENDER_MAX_LAG", "sender_max_lag", _lag))
        values["metrics_token"] = get("FOLLOWUP_METRICS_TOKEN")
        values.update(_parsed(get, "FOLLOWUP_TRUSTED_PROXIES", "trusted_proxies", _hop_count))
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)


def _flag(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "on")


def _parsed(get, variable: str, key: str, parse) -> dict:
    raw = get(variable)
    if raw is None:
        return {}
    try:
        return {key: parse(raw)}
    except ValueError as exc:
        raise ConfigError(f"{variable}: {exc}") from None


def _seconds(text: str) -> float:
    value = parse_duration(text).total_seconds()
    if value <= 0:
        raise ValueError("must be more than zero")
    return value


def _concurrency(text: str) -> int:
    value = _positive_int(text)
    if value > 64:
        raise ValueError(f"{value} is more than 64 (Twilio allows 100 requests in flight)")
    return value


def _rate(text: str) -> float | None:
    """Texts per second: a positive number, or ``off`` for no limit."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    problem = f"{text!r} is not a number of texts per second (e.g. 10), or off"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(problem) from None
    if not 0 < value < float("inf"):  # also refuses nan
        raise ValueError(problem)
    return value


def _hop_count(text: str) -> int:
    if not text.isdigit() or int(text) > 10:
        raise ValueError(f"{text!r} is not a number of proxy hops from 0 to 10")
    return int(text)


def _lag(text: str) -> timedelta:
    value = parse_duration(text)
    if value <= timedelta(0):
        raise ValueError("must be more than zero")
    return value


def _timeout(text: str) -> float:
    """Seconds, more than 0 and at most 120 (Twilio answers in well under a second)."""
    problem = f"{text!r} is not a number of seconds from 0.1 to 120 (e.g. 10)"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(problem) from None
    if not 0.1 <= value <= 120:  # also refuses nan
        raise ValueError(problem)
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _dev_secret_key(instance: Path) -> str:
    """Return a secret key kept in the instance folder, so sessions survive a restart in dev."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    private_folder(instance)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
