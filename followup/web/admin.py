"""Administration for IT staff: staff accounts and the audit trail."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from followup.models import Agency, AuditEvent, Role, User
from followup.staff import users
from followup.web.auth import record_action, roles_required
from followup.web.context import db_session, services
from followup.web.csv_export import csv_response

bp = Blueprint("admin", __name__)


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def user_list(shown: dict | None = None):
    rows = (
        db_session()
        .scalars(select(User).where(User.agency_id == g.user.agency_id).order_by(User.username))
        .all()
    )
    return render_template(
        "pages/admin/users.html", users=rows, roles=[r.value for r in Role], shown=shown
    )


@bp.post("/admin/users")
@roles_required(Role.ADMIN)
def user_create():
    session = db_session()
    now = services().clock.now()
    form = request.form
    agency = session.get(Agency, g.user.agency_id)
    try:
        user = users.create_user(
            session,
            agency,
            form.get("username", ""),
            form.get("role", ""),
            form.get("password", ""),
            now=now,
            display_name=form.get("display_name") or None,
        )
    except users.UserError as exc:
        session.rollback()
        flash(f"Not created: {exc}.", "error")
        return redirect(url_for(".user_list")), 303
    record_action(
        "user_created",
        object_type="user",
        object_id=user.id,
        detail={"username": user.username, "role": user.role},
    )
    session.commit()
    flash(f"Account {user.username} created.", "success")
    return redirect(url_for(".user_list")), 303


# Actions that take a confirm step: what each does, as the confirm page says it.
CONFIRMED = {
    "disable": (
        "Disable",
        "They are signed out everywhere at once and cannot sign in until enabled again.",
    ),
    "reset-password": (
        "Reset the password of",
        "Their current password stops working and they are signed out; you get a temporary "
        "password, shown once, to give them.",
    ),
}


@bp.post("/admin/users/<int:user_id>/<action>")
@roles_required(Role.ADMIN)
def user_action(user_id: int, action: str):
    session = db_session()
    user = session.get(User, user_id)
    if user is None or user.agency_id != g.user.agency_id:
        abort(404)
    shown = None
    if action == "disable" and user.id == g.user.id:
        flash("You cannot disable your own account.", "error")
        return redirect(url_for(".user_list")), 303
    if action in CONFIRMED and request.form.get("confirmed") != "yes":
        # Nothing changes until the admin confirms, on a page that says what will happen.
        return render_template(
            "pages/admin/confirm_user.html", user=user, action=action, what=CONFIRMED[action]
        )
    if action == "disable":
        user.active = False
        users.end_sessions(user)
    elif action == "enable":
        user.active = True
    elif action == "reset-password":
        shown = secrets.token_urlsafe(12)
        users.set_password(session, user, shown)
    elif action == "totp":
        shown = users.enable_totp(user, issuer=session.get(Agency, user.agency_id).name)
    else:
        abort(404)
    record_action(
        f"user_{action.replace('-', '_')}",
        object_type="user",
        object_id=user.id,
        detail={"username": user.username},
    )
    session.commit()
    if shown:
        # In this answer's body only: a flash would carry it in the session cookie, which is
        # signed but readable, and travels with every request until it is shown.
        what = "temporary password" if action == "reset-password" else "authenticator link"
        return user_list({"username": user.username, "what": what, "value": shown})
    else:
        flash(f"{user.username}: {action}d.", "success")
    return redirect(url_for(".user_list")), 303


def _audit_query():
    # The agency's own rows, and failed sign-ins to no known account: they belong to no agency,
    # and every admin should see someone guessing names (the typed name is never shown).
    query = select(AuditEvent).where(
        or_(
            AuditEvent.agency_id == g.user.agency_id,
            (AuditEvent.agency_id.is_(None)) & (AuditEvent.action == "sign_in_failed"),
        )
    )
    args = request.args
    if args.get("action"):
        query = query.where(AuditEvent.action == args["action"])
    if args.get("username"):
        query = query.where(AuditEvent.username == args["username"].strip().lower())
    for key, op in (("since", "ge"), ("until", "lt")):
        if args.get(key):
            try:
                day = datetime.strptime(args[key], "%Y-%m-%d").date()
            except ValueError:
                abort(400, f"{key}: use YYYY-MM-DD")
            if not date(2000, 1, 1) <= day <= date(9000, 1, 1):
                abort(400, f"{key}: a date from 2000 on")
            agency = db_session().get(Agency, g.user.agency_id)
            moment = datetime.combine(day + timedelta(days=op == "lt"), time(), tzinfo=agency.zone)
            query = query.where(AuditEvent.at >= moment if op == "ge" else AuditEvent.at < moment)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    session = db_session()
    events = session.scalars(_audit_query().limit(500)).all()
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.agency_id == g.user.agency_id)
        .distinct()
        .order_by(AuditEvent.action)
    ).all()
    agency = session.get(Agency, g.user.agency_id)
    return render_template(
        "pages/admin/audit.html",
        events=events,
        actions=actions,
        zone=agency.zone,
        args=request.args,
    )


@bp.get("/audit.csv")
@roles_required(Role.ADMIN)
def audit_csv():
    session = db_session()
    rows = [
        [
            event.at.isoformat(),
            event.username if event.agency_id else "(no such account)",
            event.action,
            event.object_type or "",
            event.object_id or "",
            ";".join(f"{k}={v}" for k, v in sorted(event.detail.items())),
            event.ip or "",
        ]
        for event in session.scalars(_audit_query())
    ]
    record_action("audit_exported")
    session.commit()
    return csv_response(
        "audit.csv",
        ["at_utc", "username", "action", "object_type", "object_id", "detail", "ip"],
        rows,
    )
