"""Signing in and out, the 30-minute idle and 12-hour limits, and who may see which screen.

The session is Flask's signed cookie: the user's id, when they signed in, when they were last
active, and their account's ``session_version`` at sign-in. Nothing lives in a worker's memory.
Signing out, disabling the account or changing its password bumps the version in the database,
so every copy of an older cookie is refused from then on.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from followup.models import Role, User
from followup.staff import audit, users
from followup.web.context import db_session, services

bp = Blueprint("auth", __name__)

IDLE_LIMIT = timedelta(minutes=30)  # CJIS: end the session after 30 minutes without activity
ABSOLUTE_LIMIT = timedelta(hours=12)  # and 12 hours after signing in, active or not
POLL_HEADER = "X-Followup-Poll"  # background refreshes carry this; they are not activity


def load_user() -> None:
    """Put the signed-in user on ``g`` (or None), ending the session if it sat idle too long."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    now = services().clock.now().timestamp()
    if now - session.get("seen", 0) > IDLE_LIMIT.total_seconds():
        session.clear()
        flash("You were signed out after 30 minutes without activity.", "info")
        return
    if now - session.get("signed_in", 0) > ABSOLUTE_LIMIT.total_seconds():
        session.clear()
        flash("You were signed out 12 hours after signing in. Sign in again.", "info")
        return
    user = db_session().get(User, user_id)
    if user is None or not user.active or session.get("version") != user.session_version:
        # Signed out elsewhere, disabled, or the password changed: this cookie is spent.
        session.clear()
        return
    g.user = user
    # End the read: on SQLite every transaction holds the write lock, and a page that works in
    # transactions of its own (the simulator's send-due, readiness, reports) must not wait on
    # this one. g.user reloads on first use.
    db_session().rollback()
    if not request.headers.get(POLL_HEADER):
        session["seen"] = now


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            if request.headers.get("HX-Request") or request.headers.get(POLL_HEADER):
                # A page's own background request: the page goes to sign-in itself.
                return Response(status=401, headers={"HX-Redirect": url_for("auth.login")})
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: Role):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def client_ip() -> str | None:
    return request.remote_addr


def record_action(action: str, **kwargs) -> None:
    """Put what the signed-in user does now in the audit trail, with the request's address,
    in this request's session (the caller commits)."""
    audit.record(
        db_session(), action, now=services().clock.now(), user=g.user, ip=client_ip(), **kwargs
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("pages/auth/login.html", needs_code=False, username="")
    svc = services()
    db = db_session()
    username = request.form.get("username", "")
    result = users.authenticate(
        db,
        username,
        request.form.get("password", ""),
        request.form.get("code"),
        now=svc.clock.now(),
        ip=client_ip(),
    )
    db.commit()
    if result.needs_code:
        return render_template("pages/auth/login.html", needs_code=True, username=username)
    if result.user is None:
        return render_template(
            "pages/auth/login.html", error=result.error, needs_code=False, username=username
        ), 401
    session.clear()
    session["user_id"] = result.user.id
    session["version"] = result.user.session_version
    session["signed_in"] = session["seen"] = svc.clock.now().timestamp()
    return redirect(safe_next(request.args.get("next", "")) or url_for("home"))


def safe_next(target: str) -> str | None:
    """``target`` if it is a path on this site, as a browser would read it; else None.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` and ``/\\evil.example`` are ``//evil.example``: another site."""
    seen = "".join(ch for ch in target if ch not in "\t\n\r").replace("\\", "/")
    if not seen.startswith("/") or seen.startswith("//") or any(ord(ch) < 32 for ch in seen):
        return None
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        return None
    return seen


@bp.post("/logout")
def logout():
    if g.user is not None:
        # Every copy of this session's cookie (and the user's other sessions) stops working.
        users.end_sessions(g.user)
        audit.record(
            db_session(), "sign_out", now=services().clock.now(), user=g.user, ip=client_ip()
        )
        db_session().commit()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
