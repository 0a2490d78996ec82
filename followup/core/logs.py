"""Log lines: one JSON object per line (or readable text), a request id, phone numbers redacted.

Message bodies are never logged in the first place; numbers can still slip in through a library's
message, an exception's text or a URL, so every line passes through :func:`redact` on its way out.
"""

from __future__ import annotations

import logging
import os
import sys
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

from followup.core.phones import redact

FORMATS = ("json", "text")
class RedactPhones(logging.Filter):
    """Replace phone numbers in a record's message (its arguments already filled in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            # Other handlers get the same record, so they see the redacted message too.
            record.msg, record.args = redact(record.getMessage()), ()
        return True


# The id of the request being handled in this thread, set by the web layer (followup.web.context).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


# What the request being handled did, in words, for its one access line (a list the web layer
# sets per request, followup.web.context); None outside a request.
request_notes: ContextVar[list[str] | None] = ContextVar("request_notes", default=None)


def note(logger: logging.Logger, message: str, *args) -> None:
    """Log what a hot path did (INFO): on the access line of the request being handled, so a
    request costs one log line, or on its own line outside a request (a replay, the CLI)."""
    notes = request_notes.get()
    if notes is None:
        logger.info(message, *args)
    else:
        notes.append(message % args if args else message)


class RequestIdFilter(logging.Filter):
    """Put the current request's id on records made while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            current = request_id.get()
            if current:
                record.request_id = current
        return True


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines whose every string field (the traceback and extras too) is redacted."""

    def process_log_record(self, log_data: dict) -> dict:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in log_data.items()
        }


class RedactingTextFormatter(logging.Formatter):
    """Readable lines for a terminal, redacted like the JSON ones."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id:
            line = f"{line} [request {request_id}]"
        return redact(line)


def json_formatter() -> logging.Formatter:
    return RedactingJsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def text_formatter() -> logging.Formatter:
    return RedactingTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def choose_format(value: str | None, stream: IO | None = None) -> str:
    """Return "json" or "text": as asked, else text on a terminal and JSON anywhere else.

    ``make run`` in a terminal stays readable; under gunicorn, systemd or a container (no
    terminal) a log collector gets JSON lines.
    """
    value = (value or "").strip().lower()
    if value in FORMATS:
        return value
    stream = stream or sys.stderr
    return "text" if hasattr(stream, "isatty") and stream.isatty() else "json"


def build_handler(log_format: str, stream: IO | None = None) -> logging.Handler:
    """A stream handler with the chosen format, the request id and phone redaction."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if log_format == "json" else text_formatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactPhones())
    handler._followup = True  # type: ignore[attr-defined]  # ours: configure() adds it once
    return handler


def configure(env: dict[str, str] | None = None) -> None:
    """Install the handler on the root logger once, unless another one (a test runner's) is set.

    FOLLOWUP_LOG_FORMAT is read here rather than with the other settings: logging starts before
    the settings are read, so a bad setting can itself be logged.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    env = os.environ if env is None else env
    asked = env.get("FOLLOWUP_LOG_FORMAT", "")
    root.addHandler(build_handler(choose_format(asked, sys.stderr)))
    root.setLevel(logging.INFO)
    if asked.strip() and asked.strip().lower() not in FORMATS:
        # A log format is no reason to refuse to start: say so and go on.
        logging.getLogger(__name__).warning(
            "FOLLOWUP_LOG_FORMAT=%r is neither json nor text; chose by terminal", asked
        )


def quiet_third_parties() -> None:
    """Keep third-party loggers that echo request data (or chatter) at WARNING."""
    # The Twilio SDK logs request URLs at INFO; list requests carry phone numbers in them.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    # APScheduler reports every run of the sweep job at INFO; the sweep logs what it did itself.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic announces its context on every schema check; `db upgrade` reports what it did.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The dev server's request lines carry query strings; followup.access logs each request
    # (path, status, duration, request id) instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
