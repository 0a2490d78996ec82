"""Staff accounts: argon2 passwords, lockout after repeated failures, an optional TOTP factor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followup.models import Agency, AuditEvent, Role, User
from followup.staff import audit

_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
LOCK_AFTER = 5  # failed sign-ins in a row lock the account...
LOCK_FOR = timedelta(minutes=10)  # ...for this long
# Failed sign-ins from one address, across all usernames, within IP_WINDOW: past IP_LIMIT the
# address is refused outright. Counted from the audit trail, so every web worker agrees.
IP_LIMIT = 20
IP_WINDOW = timedelta(minutes=15)
TYPED_USERNAME = 64  # the audit trail keeps what was typed, cut to the column's length


class UserError(ValueError):
    """An account change is not possible; the message says why."""


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None = None  # what the person signing in is told
    needs_code: bool = False  # ask for the authenticator code


# Names every installation's first admin reaches for: never available to an admin (only the
# demo accounts of `make run` use some), so "not available" never means "another agency has it".
RESERVED = frozenset(
    {"admin", "administrator", "root", "commander", "viewer", "sergeant", "sgt", "lieutenant",
     "captain", "chief", "dispatch", "dispatcher", "supervisor", "it", "test", "demo", "user",
     "support", "system", "cli", "setup", "intake-api", "staff", "manager", "operator"}
)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def create_user(
    session: Session,
    agency: Agency,
    username: str,
    role: str,
    password: str,
    *,
    now: datetime,
    display_name: str | None = None,
    reserved_ok: bool = False,
) -> User:
    """Create a staff account. Usernames are one namespace for the whole installation (a person
    signs in with a name alone), so a refusal must not tell one agency's admin which names
    another agency uses: a name in use and a reserved one get the same answer."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError("username: 2-64 lower-case letters, digits, dots, dashes or underscores")
    if role not in {r.value for r in Role}:
        raise UserError(f"role must be one of: {', '.join(r.value for r in Role)}")
    taken = session.scalar(select(User.id).where(User.username == username)) is not None
    if taken or (username in RESERVED and not reserved_ok):
        raise UserError(
            f"username {username!r} is not available (names are shared by every agency here): "
            f"add your agency's prefix, e.g. {agency.slug.split('-')[0]}.{username}"
        )
    user = User(
        agency_id=agency.id,
        username=username,
        display_name=(display_name or username).strip(),
        role=Role(role),
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


# Long because each refusal (unknown, locked, wrong factor) must do the same work and say why.
def authenticate(
    session: Session,
    username: str,
    password: str,
    code: str | None,
    *,
    now: datetime,
    ip: str | None,
) -> SignIn:
    """Check a sign-in; record it in the audit trail either way. The caller commits.

    Every attempt leaves one audit row: ``sign_in``, ``sign_in_failed`` (with the reason, the
    refusals of a rate-limited address included, so an address that keeps trying stays
    refused), or ``sign_in_code_asked`` (the password was right; the code comes next).
    """
    username = (username or "").strip().lower()
    typed = username[:TYPED_USERNAME] or "-"
    user = None

    def fail(message: str, reason: str) -> SignIn:
        audit.record(
            session,
            "sign_in_failed",
            now=now,
            user=user,
            username=typed,
            detail={"reason": reason},
            ip=ip,
        )
        return SignIn(None, message)

    if ip and failures_from(session, ip, now=now) >= IP_LIMIT:
        return fail(
            "Too many failed sign-ins from this address. Wait 15 minutes.",
            "too many failures from this address",
        )
    user = session.scalar(select(User).where(User.username == username))

    # One answer for an unknown name, a wrong password and a locked account, after the same
    # work (one argon2 verification): neither the words nor the time tells them apart.
    generic = (
        "Wrong username or password. After 5 failed tries an account is locked for 10 minutes."
    )
    locked = generic
    if user is None or not user.active:
        _hasher.hash("a password to spend the same time")  # no timing hint that it exists
        return fail(generic, "unknown or disabled account")
    if user.locked_until and user.locked_until > now:
        _verify(user, password)  # the same work as any other attempt; the answer is no
        return fail(locked, "locked")

    def count_failure() -> bool:
        """Count a wrong password or code; True when this one locks the account."""
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
            return True
        return False

    if not _verify(user, password):
        if count_failure():
            return fail(locked, "wrong password; locked")
        return fail(generic, "wrong password")
    if user.totp_secret:
        if not code:
            audit.record(session, "sign_in_code_asked", now=now, user=user, ip=ip)
            return SignIn(None, None, needs_code=True)
        if not pyotp.TOTP(user.totp_secret).verify(code.strip(), for_time=now, valid_window=1):
            if count_failure():
                return fail(locked, "wrong code; locked")
            return fail(
                "That code is not right. Use the current code from your authenticator.",
                "wrong code",
            )
    elif user.agency.require_totp:
        return fail(
            "Your agency requires a second factor. Ask an admin to set it up.",
            "second factor required",
        )
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(session, "sign_in", now=now, user=user, ip=ip)
    return SignIn(user)


def failures_from(session: Session, ip: str, *, now: datetime) -> int:
    """Failed sign-ins from ``ip`` within the window, whatever username they tried."""
    return session.scalar(
        select(func.count()).where(
            AuditEvent.action == "sign_in_failed",
            AuditEvent.ip == ip,
            AuditEvent.at >= now - IP_WINDOW,
        )
    )


def end_sessions(user: User) -> None:
    """Make every session cookie issued to ``user`` so far stop working (the caller commits).

    A session carries the version it was signed in with; each request compares it."""
    user.session_version = (user.session_version or 0) + 1


def _verify(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)


def enable_totp(user: User, issuer: str) -> str:
    """Give ``user`` a new TOTP secret; return the otpauth:// URI for an authenticator app."""
    user.totp_secret = pyotp.random_base32()
    end_sessions(user)  # sessions signed in without the factor end
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


def commanders(session: Session, agency_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(
                User.agency_id == agency_id,
                User.active.is_(True),
                User.role.in_(Role.workers()),
            )
            .order_by(User.display_name)
        )
    )
