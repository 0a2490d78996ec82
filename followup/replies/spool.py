"""Twilio webhooks that arrived while the database was down: kept on local disk, replayed once.

Twilio does not retry a webhook answered with a 5xx (by default), so a reply that came during a
database outage would be lost. Instead the webhook appends the signed, validated request to an
append-only file (one JSON line each, fsync'd before Twilio gets its 200) and answers with an
empty TwiML response. When the database is back, ``replay`` puts each line through the same
service calls the webhook makes.

Files in the spool folder (0600; never logged, they hold phone numbers and words):

- ``webhooks.jsonl``: where webhooks append (under ``.lock``).
- ``replay-<n>.jsonl``: a batch being replayed. A replay starts by renaming ``webhooks.jsonl``
  (under the same lock, so no append is lost or split), then works through every batch in
  order, writing ``replay-<n>.offset`` (bytes done) after each request's transaction commits.
  A crash between a commit and its offset replays that one request again, which changes
  nothing: texts are de-duplicated by MessageSid (and Twilio's idempotency token), and a
  status never moves backwards. A batch is deleted once all of it is done.
- ``rejected.jsonl``: lines that could not be read or whose signature no longer checks out,
  kept for a person (``followup spool status`` counts them).

Only one replay runs at a time per folder (``.replay.lock``); another one skips.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import exc as sa_exc

from followup.replies import inbound, receipts
from followup.sending import delivery
from followup.sending.gateways import signatures

if TYPE_CHECKING:
    from followup.services import Services

logger = logging.getLogger(__name__)

# What a database that is down or unreachable raises (not a bug in a query: those are not spooled).
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
KINDS = ("sms", "status")
# Twilio's retries of one webhook come within hours; its idempotency tokens are kept a week.
RECEIPTS_KEPT = timedelta(days=7)
LIVE = "webhooks.jsonl"
REJECTED = "rejected.jsonl"


@dataclass(frozen=True)
class SpooledWebhook:
    """One webhook request as Twilio sent and signed it."""

    kind: str  # "sms" or "status"
    url: str  # the URL Twilio signed (query string included)
    form: list[tuple[str, str]]  # every field, in order, blank values kept
    signature: str  # X-Twilio-Signature
    token: str | None  # I-Twilio-Idempotency-Token
    received_at: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "url": self.url,
                "form": [list(pair) for pair in self.form],
                "signature": self.signature,
                "token": self.token,
                "received_at": self.received_at.isoformat(),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> SpooledWebhook:
        data = json.loads(line)
        if data["kind"] not in KINDS:
            raise ValueError("unknown kind")
        received_at = datetime.fromisoformat(data["received_at"])
        if received_at.tzinfo is None:
            raise ValueError("naive received_at")
        return cls(
            kind=data["kind"],
            url=str(data["url"]),
            form=[(str(key), str(value)) for key, value in data["form"]],
            signature=str(data["signature"]),
            token=data.get("token"),
            received_at=received_at,
        )

    @property
    def message_id(self) -> int | None:
        """The ``?m=`` the sender put in a status callback URL."""
        values = parse_qs(urlsplit(self.url).query).get("m")
        value = values[0] if values else ""
        return int(value) if value.isdecimal() and len(value) <= 9 else None


@dataclass
class ReplayReport:
    replayed: int = 0  # requests put through the service (duplicates included)
    rejected: int = 0  # unreadable, or a signature that does not check out
    remaining: int = 0  # still waiting (the database went down again)
    busy: bool = False  # another replay was running; this one did nothing
    database_error: str | None = None
    alert_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"replayed={self.replayed} rejected={self.rejected} remaining={self.remaining}"
            + (" busy=1" if self.busy else "")
        )


class Spool:
    """The spool folder: append under a lock, replay batch by batch with an offset."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @property
    def live(self) -> Path:
        return self.directory / LIVE

    @property
    def rejected(self) -> Path:
        return self.directory / REJECTED

    def append(self, webhook: SpooledWebhook) -> None:
        """Add one request and fsync it: once this returns, it survives a crash."""
        data = (webhook.to_json() + "\n").encode()
        with self._lock(".lock"):
            created = not self.live.exists()
            _append_synced(self.live, data)
            if created:
                _sync_dir(self.directory)

    def waiting(self) -> int:
        """How many requests wait to be replayed (no content is read out)."""
        count = 0
        for batch in [*self._batches(), self.live]:
            if batch.exists():
                with batch.open("rb") as handle:
                    handle.seek(_offset(batch))
                    count += sum(1 for line in handle if line.strip())
        return count

    def rejected_count(self) -> int:
        if not self.rejected.exists():
            return 0
        with self.rejected.open("rb") as handle:
            return sum(1 for line in handle if line.strip())

    def replay(self, handle_one) -> ReplayReport:
        """Put every waiting request through ``handle_one(webhook)`` exactly once, in order.

        ``handle_one`` commits its own transaction; if it raises a database error the replay
        stops there and the request waits for the next one."""
        report = ReplayReport()
        try:
            lock = self._lock(".replay.lock", blocking=False)
            lock.__enter__()
        except BlockingIOError:
            report.busy = True
            return report
        try:
            self._start_batch()
            for batch in self._batches():
                if not self._replay_batch(batch, handle_one, report):
                    break
            report.remaining = self.waiting()
        finally:
            lock.__exit__(None, None, None)
        return report

    def _replay_batch(self, batch: Path, handle_one, report: ReplayReport) -> bool:
        offset = _offset(batch)
        with batch.open("rb") as handle:
            handle.seek(offset)
            for raw in handle:
                end = offset + len(raw)
                if raw.strip():
                    try:
                        webhook = SpooledWebhook.from_json(raw.decode())
                    except (ValueError, KeyError, TypeError):
                        self._reject(raw, "unreadable")
                        report.rejected += 1
                    else:
                        try:
                            outcome = handle_one(webhook)
                        except DATABASE_DOWN as exc:
                            report.database_error = type(exc).__name__
                            return False
                        except Exception as exc:
                            # One request that cannot be handled must not block the rest
                            # forever; a person sees it. Only the type is logged: a database
                            # error's text carries the statement's values (numbers, words).
                            logger.error("replaying a spooled webhook failed: %s",
                                         type(exc).__name__)
                            outcome = "failed"
                        if outcome in ("rejected", "failed"):
                            self._reject(raw, "signature" if outcome == "rejected" else "failed")
                            report.rejected += 1
                        else:
                            report.replayed += 1
                _write_offset(batch, end)
                offset = end
        batch.unlink()
        _offset_path(batch).unlink(missing_ok=True)
        _sync_dir(self.directory)
        return True

    def _start_batch(self) -> None:
        """Move what webhooks appended so far into a new batch (appends go to a fresh file)."""
        with self._lock(".lock"):
            if self.live.exists() and self.live.stat().st_size > 0:
                number = _next_batch(self._batches())
                self.live.rename(self.directory / f"replay-{number:08d}.jsonl")
                _sync_dir(self.directory)

    def _batches(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("replay-*.jsonl"))

    def _reject(self, raw: bytes, reason: str) -> None:
        logger.warning("spooled webhook set aside for a person (%s): see %s", reason, REJECTED)
        _append_synced(self.rejected, raw if raw.endswith(b"\n") else raw + b"\n")

    @contextmanager
    def _lock(self, name: str, *, blocking: bool = True) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class FormPairs(dict):
    """A spooled form: its first value per field, with every value on ``getlist`` (what
    the signature check and the inbound and status readers ask of a request's form)."""

    def __init__(self, pairs: list[tuple[str, str]] | list[list[str]]):
        super().__init__()
        self._all: dict[str, list[str]] = {}
        for key, value in pairs:
            self._all.setdefault(key, []).append(value)
            self.setdefault(key, value)

    def getlist(self, key: str) -> list[str]:
        return list(self._all.get(key, []))


def replay_for(services: Services) -> ReplayReport:
    """Replay the service's spool through the normal inbound and status paths; then forget
    idempotency tokens older than a week (the sender runs this every sweep)."""
    settings = services.settings
    alert_sender = services.alert_sender()

    def handle_one(webhook: SpooledWebhook) -> str:
        # Checked again: the file sat on disk, and only what Twilio signed is let in.
        if not signatures.is_signed(settings.webhook_auth_token, webhook.url,
                                    FormPairs(webhook.form), webhook.signature):
            return "rejected"
        form = FormPairs(webhook.form)
        with services.db.begin() as session:
            if webhook.kind == "status":
                return delivery.record_callback(
                    session, form, message_id=webhook.message_id, token=webhook.token,
                    now=webhook.received_at,
                )
            sms = inbound.sms_from_form(form)
            if sms is None:
                return "rejected"
            outcome = inbound.receive_once(
                session, sms, token=webhook.token, now=webhook.received_at,
                default_agency_slug=settings.agency_slug,
            )
        if outcome.alert_ids:
            alert_sender.deliver(outcome.alert_ids)
        return "duplicate" if outcome.duplicate else "stored"

    report = Spool(settings.spool_path).replay(handle_one)
    if not report.busy and report.database_error is None:
        with services.db.begin() as session:
            receipts.prune(session, before=services.clock.now() - RECEIPTS_KEPT)
    if report.replayed or report.rejected or report.database_error:
        logger.info("spool replay: %s", report)
    return report


def _append_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _offset_path(batch: Path) -> Path:
    return batch.with_suffix(".offset")


def _offset(batch: Path) -> int:
    try:
        return int(_offset_path(batch).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _write_offset(batch: Path, offset: int) -> None:
    target = _offset_path(batch)
    temporary = target.with_suffix(".offset-new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, str(offset).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, target)


def _next_batch(batches: list[Path]) -> int:
    numbers = [int(p.stem.split("-", 1)[1]) for p in batches if p.stem.split("-", 1)[1].isdigit()]
    return max(numbers, default=0) + 1
