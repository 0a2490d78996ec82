"""The call-type register on the rules page (admins): every label the agency has sent, the
built-in verdict and why, and IT's decision about each, one click per label.

Thin: the register, the decisions and the option live in ``followup.eligibility.
call_type_register`` and ``followup.agencies.settings``; each change is audited there.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from followup.agencies import settings as agency_settings
from followup.eligibility import call_type_register
from followup.models import Agency, CallType, Role
from followup.web.auth import roles_required
from followup.web.context import db_session, services

bp = Blueprint("call_types_admin", __name__, url_prefix="/admin/rules/call-types")

PAGE_SIZE = 200


def _agency() -> Agency:
    return db_session().get(Agency, g.user.agency_id)


def _unreviewed_only() -> bool:
    return request.values.get("unreviewed") in ("1", "on", "true")


def _page() -> int:
    raw = request.values.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _back():
    """Back to the register as the admin was reading it (filter and page kept)."""
    return redirect(
        url_for(".index", unreviewed=1 if _unreviewed_only() else None, page=_page())
    ), 303


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    session = db_session()
    agency = _agency()
    unreviewed_only, page = _unreviewed_only(), _page()
    entries = call_type_register.register(session, agency, unreviewed_only=unreviewed_only)
    waiting = sum(1 for entry in entries if not entry.row.decision.reviewed)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages)
    return render_template(
        "pages/settings/call_types.html",
        agency=agency,
        entries=entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(entries),
        unreviewed=waiting,
        held=sum(entry.held for entry in entries),
        unreviewed_only=unreviewed_only,
        page=page,
        pages=pages,
        zone=agency.zone,
    )


@bp.post("/<int:call_type_id>/decide")
@roles_required(Role.ADMIN)
def decide(call_type_id: int):
    session = db_session()
    agency = _agency()
    row = session.get(CallType, call_type_id)
    if row is None or row.agency_id != agency.id:
        abort(404)
    try:
        released = call_type_register.decide(
            session,
            agency,
            row,
            request.form.get("decision", ""),
            actor=g.user,
            now=services().clock.now(),
        )
    except call_type_register.DecisionRejected as exc:
        session.rollback()
        flash(f"Nothing changed: {exc}.", "error")
        return _back()
    label, decision = row.label, row.decision
    session.commit()
    flash(
        f"{label}: {decision}. {call_type_register.describe(released).capitalize()}.",
        "success",
    )
    return _back()


@bp.post("/hold")
@roles_required(Role.ADMIN)
def hold():
    session = db_session()
    agency = _agency()
    released: Counter[str] = Counter()
    try:
        changed = agency_settings.update(
            session,
            agency,
            {"hold_unreviewed_call_types": request.form.get("hold", "")},
            actor=g.user,
            now=services().clock.now(),
            released=released,
        )
    except agency_settings.RulesRejected as exc:
        session.rollback()
        flash(f"Nothing changed: {exc}.", "error")
        return _back()
    on = agency.hold_unreviewed_call_types
    session.commit()
    if not changed:
        flash("Nothing changed.", "success")
    elif on:
        flash("Check-ins for call types nobody has reviewed now wait for a decision.", "success")
    else:
        flash(
            "Check-ins no longer wait for a review. "
            f"{call_type_register.describe(released).capitalize()}.",
            "success",
        )
    return _back()
