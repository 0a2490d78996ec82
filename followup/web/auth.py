"""Signing in and out, the 30-minute idle limit, and who may see which screen."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

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

from followup import audit, users
from followup.models import Role, User
from webhooks.context import db_session, services

bp = Blueprint("auth", __name__)

IDLE_LIMIT = timedelta(minutes=30)  # CJIS: end the session after 30 minutes without activity
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
    user = db_session().get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return
    g.user = user
    if not request.headers.get(POLL_HEADER):
        session["seen"] = now


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.user is None:
            if request.headers.get("HX-Request"):
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", needs_code=False, username="")
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
        return render_template("login.html", needs_code=True, username=username)
    if result.user is None:
        return render_template(
            "login.html", error=result.error, needs_code=False, username=username
        ), 401
    session.clear()
    session["user_id"] = result.user.id
    session["seen"] = svc.clock.now().timestamp()
    target = request.args.get("next", "")
    # Only ever a path on this site: never an open redirect.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home")
    return redirect(target)


@bp.post("/logout")
def logout():
    if g.user is not None:
        audit.record(
            db_session(), "sign_out", now=services().clock.now(), user=g.user, ip=client_ip()
        )
        db_session().commit()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
