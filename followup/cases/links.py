"""Private links to a victim's case page: ``<public URL>/c/<token>``, no sign-in.

An agency option (``case_page``, off by default: residents fear scam links, and every text must
stand on its own without one). When it is on and the service knows its public URL, each case
update text carries a link of its own: the ``case_link`` placeholder where the template puts it,
else at the end of the text. A token is 128 random bits (22 URL-safe characters); only its
SHA-256 is stored, so the database cannot give a link back (the stored copy of the text loses
its token once the gateway took it: ``masked``). A link works while the agency keeps the page on
and until the agency's retention period has passed since it was sent (the purge then deletes
it); after that it answers like a token that never existed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from followup.eligibility import notices
from followup.models import Agency, CaseLink, FollowUp, Message
from followup.retention import effective_retention_days

TOKEN_BYTES = 16  # 128 bits: guessing one is hopeless, however many requests
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")
PATH = "/c/"
PLACEHOLDER = "case_link"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def carries_link(agency: Agency, followup: FollowUp, public_url: str | None) -> bool:
    """Whether a text carries a case-page link: case updates of an agency that turned the page
    on, when the service has a public URL to link to."""
    return bool(public_url) and bool(agency.case_page) and notices.is_update(followup.purpose)


def mint(session: Session, followup: FollowUp, *, now: datetime) -> str:
    """Create a link to ``followup``'s case and return its token (the only time it exists in
    the clear). The caller commits, with the text that carries it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        CaseLink(
            agency_id=followup.agency_id,
            call_id=followup.call_id,
            followup_id=followup.id,
            token_hash=digest(token),
            language=followup.language,
            created_at=now,
        )
    )
    return token


def context(
    session: Session, agency: Agency, followup: FollowUp, *, now: datetime,
    public_url: str | None,
) -> dict[str, str]:
    """The ``case_link`` placeholder for a text: a fresh link, or empty."""
    if not carries_link(agency, followup, public_url):
        return {PLACEHOLDER: ""}
    return {PLACEHOLDER: f"{public_url.rstrip('/')}{PATH}{mint(session, followup, now=now)}"}


def placed(body: str, template_body: str, extra: dict[str, str]) -> str:
    """The text with its link: where the template put it, else on the end (a template written
    before links existed, or one IT edited without the placeholder)."""
    link = extra.get(PLACEHOLDER)
    if not link or PLACEHOLDER in template_body:
        return body
    return f"{body} {link}"


_IN_TEXT = re.compile(r"/c/[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])")
MASKED = "/c/…"


def masked(body: str) -> str:
    """A sent text as the service keeps it: its link's token left out. Until the gateway took
    the text, the clear body is kept (a lost answer is looked up by it); from then on only the
    hash remains, and the text the caller got is the one place the token is."""
    return _IN_TEXT.sub(MASKED, body)


def find(session: Session, token: str, *, now: datetime) -> CaseLink | None:
    """The live link for ``token``; None for a malformed, unknown or expired token, or when the
    agency turned the case page off (the page cannot tell these apart, on purpose)."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    link = session.scalar(select(CaseLink).where(CaseLink.token_hash == digest(token)))
    if link is None:
        return None
    agency = session.get(Agency, link.agency_id)
    if agency is None or not agency.case_page or link.created_at < expiry_cutoff(agency, now):
        return None
    return link


def expiry_cutoff(agency: Agency, now: datetime) -> datetime:
    """Links sent before this have expired: the agency's retention, as the purge applies it."""
    return now - timedelta(days=effective_retention_days(agency))


_MASK_BODY = (
    update(Message.__table__)
    .where(Message.__table__.c.id == bindparam("message_id"))
    .values(body=bindparam("body"))
)


def forget_sent(connection: Connection, message_id: int, body: str) -> None:
    """Once the gateway took a text, keep only its case-page links' hashes (``masked``)."""
    if PATH in body:
        connection.execute(_MASK_BODY, {"message_id": message_id, "body": masked(body)})
