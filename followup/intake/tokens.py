"""Intake API credentials: issued once, stored as hashes, checked in constant time, revocable.

Two kinds share the ``api_tokens`` table:

- a bearer token (``fu_...``), sent as ``Authorization: Bearer``;
- a signing key for CAD systems that sign each request instead of sending a secret: a public key
  id (``fus_...``, sent as ``X-Followup-Key``) and a signing secret that is never sent. Only the
  key id's hash is stored; the secret is derived from the server's secret key and the key id, so
  a copy of the database alone can neither sign nor authenticate. Requests carry
  ``X-Followup-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``, the same
  HMAC the outbound alerts use (``alerts.sign``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from followup.callbacks.alerts import sign
from followup.models import Agency, ApiToken

_PREFIX = "fu_"
SIGNING_PREFIX = "fus_"  # a signing key id: refused as a bearer token
KEY_HEADER = "X-Followup-Key"
SIGNATURE_HEADER = "X-Followup-Signature"
# A signed request older (or newer) than this is refused: a captured request cannot be replayed
# later, and a CAD clock a few minutes off still works.
SIGNATURE_TOLERANCE = timedelta(minutes=5)
_SIGNATURE_PART = re.compile(r"(t|v1)=(.*)")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
# Writing the token row on every request makes every intake request wait for the one before it
# (the row stays locked until commit); a minute is all the precision `token list` shows.
_TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, agency: Agency, name: str, *, now: datetime
) -> tuple[ApiToken, str]:
    """Create a token for ``agency``; return the row and the plain token, shown only this once."""
    plain = _PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        agency_id=agency.id,
        name=name.strip() or "unnamed",
        prefix=plain[:10],
        token_hash=_digest(plain),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, plain


def revoke_token(session: Session, token_id: int, *, now: datetime) -> ApiToken | None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
    return row


def authenticate(
    session: Session,
    presented: str,
    *,
    now: datetime,
    env_token: str | None = None,
    default_agency_slug: str | None = None,
) -> Agency | None:
    """Return the agency ``presented`` belongs to, or None when it is unknown or revoked.

    ``env_token`` is the FOLLOWUP_INTAKE_TOKEN of a simple deployment: it stands for the
    default agency and is compared in constant time.
    """
    if not presented:
        return None
    if (
        env_token
        and default_agency_slug
        and hmac.compare_digest(_digest(presented), _digest(env_token))
    ):
        return session.scalar(select(Agency).where(Agency.slug == default_agency_slug))
    row = _find(session, presented)
    if row is None or row.revoked_at is not None or row.prefix.startswith(SIGNING_PREFIX):
        # A signing key id is not secret (it travels in a header): never accept it as a bearer.
        return None
    _touch(session, row, now)
    return row.Agency


# The agency and the token's standing, in one statement that every intake request runs (built
# once: building it costs more than running it); the token as plain columns, since only the
# agency is used as an object.
_FIND = (
    select(Agency, ApiToken.id, ApiToken.prefix, ApiToken.revoked_at, ApiToken.last_used_at)
    .join(ApiToken, ApiToken.agency_id == Agency.id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def _find(session: Session, presented: str) -> Row | None:
    return session.execute(_FIND, {"digest": _digest(presented)}).first()


def _touch(session: Session, row: Row, now: datetime) -> None:
    """Record when the token was last used, to the minute (written with the request's commit)."""
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now),
            execution_options={"synchronize_session": False},
        )


# --- signed requests -----------------------------------------------------------------------


class SignatureRejected(ValueError):
    """A signed request was refused; the message says why, for the integrator (no secrets)."""


def create_signing_key(
    session: Session, agency: Agency, name: str, *, now: datetime, server_secret: str
) -> tuple[ApiToken, str, str]:
    """Create a signing key for ``agency``; return the row, the key id and the signing secret.

    Both are shown only this once: the database keeps the key id's hash, and the secret is
    derived again from ``server_secret`` (FOLLOWUP_SECRET_KEY) when a request arrives.
    """
    key_id = SIGNING_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        agency_id=agency.id,
        name=name.strip() or "unnamed",
        prefix=key_id[:10],
        token_hash=_digest(key_id),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, key_id, signing_secret(server_secret, key_id)


def signing_secret(server_secret: str, key_id: str) -> str:
    """Return the signing secret of ``key_id``: an HMAC of it under the server's secret key."""
    message = b"followup-intake-signing:" + key_id.encode("utf-8")
    return hmac.new(server_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``X-Followup-Signature`` value a CAD system sends (tests and docs use it)."""
    digest = sign(secret, str(timestamp), body).removeprefix("sha256=")
    return f"t={timestamp},v1={digest}"


def authenticate_signed(
    session: Session,
    key_id: str,
    header: str,
    body: bytes,
    *,
    now: datetime,
    server_secret: str,
) -> Agency:
    """Return the agency of a correctly signed request, or raise SignatureRejected.

    Checked in this order, all before anything is written: the header's shape, its time
    (within five minutes either way of ``now``), the key id, and the HMAC (constant time).
    """
    timestamp, digest = _parse_signature(header)
    skew = abs(now.timestamp() - int(timestamp))
    if skew > SIGNATURE_TOLERANCE.total_seconds():
        raise SignatureRejected(
            f"the signature's timestamp t={timestamp} is {int(skew)} seconds from the server's "
            "clock; it must be within 300 (sign each request when it is sent)"
        )
    if not key_id.startswith(SIGNING_PREFIX):
        raise SignatureRejected(f"{KEY_HEADER} must be a signing key id ({SIGNING_PREFIX}...)")
    row = _find(session, key_id)
    if row is None or row.revoked_at is not None:
        raise SignatureRejected(f"{KEY_HEADER} is not an active signing key")
    expected = sign(signing_secret(server_secret, key_id), timestamp, body)
    if not hmac.compare_digest(expected, "sha256=" + digest.lower()):
        raise SignatureRejected(
            "the signature does not match the body: sign the exact bytes sent, as "
            "HMAC-SHA256 of '<t>.<body>' with the key's signing secret, in hex"
        )
    _touch(session, row, now)
    return row.Agency


def _parse_signature(header: str) -> tuple[str, str]:
    """Split ``t=<unix>,v1=<hex>`` (in either order) into the timestamp and the digest."""
    malformed = SignatureRejected(
        f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<64 hex digits>"
    )
    found: dict[str, str] = {}
    for part in header.split(","):
        match = _SIGNATURE_PART.fullmatch(part.strip())
        if match is None or match.group(1) in found:
            raise malformed
        found[match.group(1)] = match.group(2)
    timestamp, digest = found.get("t", ""), found.get("v1", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _HEX_DIGEST.fullmatch(digest):
        raise malformed
    return timestamp, digest
