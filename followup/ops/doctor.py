"""`followup doctor`: what in a configuration must be fixed before it goes live, and how.

Every check gives findings: ``ok``, ``warning`` (it works, but look at it) or ``fatal`` (it must
not go live: the doctor exits non-zero). The checks here read the settings and the file system
only; those that read the database and call the alert URLs are in ``followup.ops.doctor_data``.

``followup web``, ``run`` and ``sender`` refuse to start on ``startup_problems``: half a Twilio
configuration always, and, once Twilio is configured (texts reach real phones), a public URL
that is missing or not https and a development secret key.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import make_url

from followup.core.config import Settings, twilio_problem


class Level(StrEnum):
    """How much a finding matters, least first."""

    OK = "ok"  # checked, and fine
    WARNING = "warning"  # works, but someone should look (e.g. texts stay in the local outbox)
    FATAL = "fatal"  # must not go live: `followup doctor` exits 1


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked: "twilio", "secret_key", "migrations", ...
    level: Level
    message: str  # what is wrong (or right), plainly
    fix: str | None = None  # how to put it right

    @property
    def fatal(self) -> bool:
        return self.level == Level.FATAL


MIN_SECRET_LENGTH = 32
# Values people leave in place: the words of examples and tutorials.
PLACEHOLDER_SECRET = re.compile(r"(change|replace|example|secret|dev|test|demo)", re.IGNORECASE)
NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def configuration(settings: Settings, env: Mapping[str, str]) -> list[Finding]:
    """Check what the environment and the file system say, without touching the database."""
    return [
        _twilio(settings),
        _public_url(settings),
        _secret_key(settings, env),
        *_permissions(settings),
    ]


def startup_problems(settings: Settings, env: Mapping[str, str]) -> list[Finding]:
    """The fatal findings `web`, `run` and `sender` refuse to start on (see the module's
    docstring): half of Twilio always; with Twilio, the public URL and the secret key."""
    problems = [_twilio(settings)]
    if settings.twilio_enabled:
        problems += [_public_url(settings), _secret_key(settings, env, length=False)]
    return [finding for finding in problems if finding.fatal]


def refusal(command: str, problems: Iterable[Finding]) -> str:
    """The message a command stops with: each problem and its fix."""
    lines = [f"`followup {command}` will not start:"]
    for finding in problems:
        lines.append(f"  - {finding.message}")
        if finding.fix:
            lines.append(f"    fix: {finding.fix}")
    lines.append("Run `followup doctor` to check the whole configuration.")
    return "\n".join(lines)


def _twilio(settings: Settings) -> Finding:
    if settings.twilio_missing:
        return Finding(
            "twilio",
            Level.FATAL,
            twilio_problem(settings.twilio_missing),
            "README, Running in production, step 4 (Twilio)",
        )
    if not settings.twilio_enabled:
        return Finding(
            "twilio",
            Level.WARNING,
            "no Twilio credentials: texts stay in the local outbox and reach no phone",
            "set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_MESSAGING_SERVICE_SID",
        )
    if settings.twilio_api_url:
        return Finding(
            "twilio",
            Level.WARNING,
            "FOLLOWUP_TWILIO_API_URL is set: texts go to that server, not to Twilio",
            "unset FOLLOWUP_TWILIO_API_URL (it is for tests)",
        )
    via = "a Messaging Service" if settings.twilio_messaging_service_sid else "a phone number"
    return Finding("twilio", Level.OK, f"texts go through Twilio, from {via}")


def _public_url(settings: Settings) -> Finding:
    fix = "set FOLLOWUP_PUBLIC_URL to the https address Twilio reaches, e.g. https://followup.example.gov"
    url = settings.public_url
    if not url:
        level = Level.FATAL if settings.twilio_enabled else Level.WARNING
        return Finding(
            "public_url",
            level,
            "FOLLOWUP_PUBLIC_URL is not set: Twilio's delivery statuses have nowhere to go and "
            "webhook signatures are checked against whatever host the request names",
            fix,
        )
    if not url.lower().startswith("https://"):
        return Finding(
            "public_url",
            Level.FATAL,
            f"FOLLOWUP_PUBLIC_URL is not https ({url}): replies, statuses and sign-ins would "
            "cross the network in the clear",
            fix,
        )
    return Finding("public_url", Level.OK, f"public URL {url}")


def _secret_key(settings: Settings, env: Mapping[str, str], *, length: bool = True) -> Finding:
    fix = (
        f"set FOLLOWUP_SECRET_KEY to a long random value ({NEW_SECRET}); changing it signs "
        "everyone out and retires every intake signing key"
    )
    if not (env.get("FOLLOWUP_SECRET_KEY") or "").strip():
        return Finding(
            "secret_key",
            Level.FATAL,
            "FOLLOWUP_SECRET_KEY is not set: the service uses a development key kept in "
            f"{settings.instance_path / 'secret_key'}",
            fix,
        )
    key = settings.secret_key
    if length and (len(key) < MIN_SECRET_LENGTH or PLACEHOLDER_SECRET.search(key)):
        return Finding(
            "secret_key",
            Level.FATAL,
            f"FOLLOWUP_SECRET_KEY looks made up by hand ({len(key)} characters"
            f"{', a placeholder word' if PLACEHOLDER_SECRET.search(key) else ''}): anyone who "
            "guesses it can sign in as anyone",
            fix,
        )
    return Finding("secret_key", Level.OK, "FOLLOWUP_SECRET_KEY is set")


def _permissions(settings: Settings) -> list[Finding]:
    """The SQLite file and the instance folder (secret key, demo password, spool) hold phone
    numbers, replies and keys: nobody but the service's user may read them."""
    folders = [settings.instance_path, settings.spool_path]
    files = [settings.instance_path / "secret_key", settings.instance_path / "demo_password"]
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        files += [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        folders.append(database.parent)
    found = []
    for path, is_folder in [(p, True) for p in folders] + [(p, False) for p in files]:
        try:
            mode = path.stat().st_mode
        except OSError:
            continue  # not there (yet): nothing to read
        if mode & (stat.S_IROTH | stat.S_IXOTH if is_folder else stat.S_IROTH):
            found.append(
                Finding(
                    "permissions",
                    Level.FATAL,
                    f"{path} is readable by other users of this machine "
                    f"(mode {stat.filemode(mode)})",
                    f"chmod {'700' if is_folder else '600'} {path}",
                )
            )
    if not found:
        return [Finding("permissions", Level.OK, "the database and instance folder are private")]
    return sorted(set(found), key=lambda finding: finding.message)
