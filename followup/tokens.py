"""Intake API tokens: issued once, stored as hashes, checked in constant time, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from followup.models import Agency, ApiToken

_PREFIX = "fu_"
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
    row = session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.agency))
        .where(ApiToken.token_hash == _digest(presented))
    )
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        row.last_used_at = now
    return row.agency
