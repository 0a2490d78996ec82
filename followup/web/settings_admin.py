"""IT staff's screens: message templates, sending rules, the on-duty roster, intake tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from followup.agencies import settings as agency_settings
from followup.core.phones import mask, to_e164
from followup.eligibility.sensitive import match_sensitive
from followup.intake import tokens
from followup.models import (
    Agency,
    ApiToken,
    Message,
    MessageDirection,
    MessageStatus,
    MessageTemplate,
    Role,
    RosterMember,
)
from followup.models.messages import STAFF_TEXT_PREFIX
from followup.sending.gateways.base import GatewayError
from followup.texts import editing, message_templates
from followup.web.auth import record_action, roles_required
from followup.web.context import db_session, services

bp = Blueprint("settings_admin", __name__, url_prefix="/admin")


def _agency() -> Agency:
    return db_session().get(Agency, g.user.agency_id)


# --- templates ------------------------------------------------------------------------------


@bp.get("/templates")
@roles_required(Role.ADMIN)
def templates():
    rows = (
        db_session()
        .scalars(
            select(MessageTemplate)
            .where(MessageTemplate.agency_id == g.user.agency_id)
            .order_by(
                MessageTemplate.purpose,
                MessageTemplate.language,
                MessageTemplate.call_type,
                MessageTemplate.version.desc(),
            )
        )
        .all()
    )
    kinds: dict[tuple[str, str, str], dict] = {}
    for row in rows:
        kind = kinds.setdefault(
            (row.purpose, row.language, row.call_type), {"latest": row, "active": None}
        )
        if row.active:
            kind["active"] = row
    return render_template("pages/settings/templates.html", kinds=kinds, purposes=editing.PURPOSES)


def _edit_key() -> tuple[str, str, str]:
    purpose = (request.values.get("purpose") or "").strip()
    if purpose == STAFF_TEXT_PREFIX.rstrip("_") and request.values.get("staff_name"):
        name = request.values["staff_name"].strip().lower().replace(" ", "_")
        purpose = f"{STAFF_TEXT_PREFIX}{name}"
    return (
        purpose,
        (request.values.get("language") or "").strip().lower(),
        (request.values.get("call_type") or "").strip(),
    )


@bp.get("/templates/edit")
@roles_required(Role.ADMIN)
def template_edit():
    purpose, language, call_type = _edit_key()
    agency = _agency()
    history = editing.versions(db_session(), agency, purpose, language, call_type)
    active = next((t for t in history if t.active), None)
    shown = editing.shown_version(history, request.args.get("version"))
    body = shown.body if shown else ""
    return render_template(
        "pages/settings/template_edit.html",
        purpose=purpose,
        language=language,
        call_type=call_type,
        body=body,
        shown=shown,
        history=history,
        active=active,
        preview=editing.preview(agency, body, language) if body else None,
        placeholders=message_templates.PLACEHOLDERS,
        purposes=editing.PURPOSES,
        error=None,
    )


@bp.post("/templates/preview")
@roles_required(Role.ADMIN)
def template_preview():
    """The live preview beside the editor (htmx posts the textarea as the admin types)."""
    language = (request.form.get("language") or "en").strip().lower()
    body = request.form.get("body", "")
    return render_template(
        "pages/settings/template_preview.html", preview=editing.preview(_agency(), body, language)
    )


@bp.post("/templates/save")
@roles_required(Role.ADMIN)
def template_save():
    purpose, language, call_type = _edit_key()
    agency = _agency()
    body = request.form.get("body", "")
    session = db_session()
    try:
        saved = editing.save_version(
            session,
            agency,
            purpose,
            language,
            body,
            user=g.user,
            now=services().clock.now(),
            call_type=call_type,
            activate=bool(request.form.get("activate")),
        )
    except editing.TemplateRejected as exc:
        session.rollback()
        history = editing.versions(session, agency, purpose, language, call_type)
        return render_template(
            "pages/settings/template_edit.html",
            purpose=purpose,
            language=language,
            call_type=call_type,
            body=body,
            history=history,
            active=next((t for t in history if t.active), None),
            preview=editing.preview(agency, body, language),
            placeholders=message_templates.PLACEHOLDERS,
            purposes=editing.PURPOSES,
            error=str(exc),
        ), 400
    session.commit()
    flash(
        f"Saved as version {saved.version}"
        + (" and made active." if saved.active else ". Activate it when ready."),
        "success",
    )
    where = {"purpose": purpose, "language": language, "call_type": call_type}
    return redirect(url_for(".template_edit", version=saved.version, **where)), 303


def _template(template_id: int | str) -> MessageTemplate:
    key = str(template_id)  # a link's id: anything but a plain number finds nothing
    template = db_session().get(MessageTemplate, int(key) if key.isdigit() and len(key) < 10 else 0)
    if template is None or template.agency_id != g.user.agency_id:
        abort(404)
    return template


@bp.post("/templates/<int:template_id>/activate")
@roles_required(Role.ADMIN)
def template_activate(template_id: int):
    template = _template(template_id)
    session = db_session()
    try:
        editing.activate_version(
            session, _agency(), template, user=g.user, now=services().clock.now()
        )
    except editing.TemplateRejected as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(f"Version {template.version} is now active.", "success")
    return redirect(
        url_for(
            ".template_edit",
            purpose=template.purpose,
            language=template.language,
            call_type=template.call_type,
        )
    ), 303


@bp.get("/templates/<int:template_id>/diff")
@roles_required(Role.ADMIN)
def template_diff(template_id: int):
    pair = (_template(template_id), _template((request.args.get("against") or "").strip()))
    older, newer = sorted(pair, key=lambda t: t.version)  # old to new, whichever came first
    return render_template(
        "pages/settings/template_diff.html",
        older=older,
        newer=newer,
        lines=editing.diff(older, newer),
    )


@bp.post("/templates/<int:template_id>/test")
@roles_required(Role.ADMIN)
def template_test(template_id: int):
    template = _template(template_id)
    number = to_e164(request.form.get("phone", ""))
    back = (
        redirect(
            url_for(
                ".template_edit",
                purpose=template.purpose,
                language=template.language,
                call_type=template.call_type,
            )
        ),
        303,
    )
    if number is None:
        flash("Enter a mobile number to send the test to.", "error")
        return back
    agency = _agency()
    try:
        text = editing.test_text(agency, template)
    except editing.TemplateRejected as exc:
        flash(f"Not sent: {exc}", "error")
        return back
    agency_id, purpose = agency.id, template.purpose
    # End the read before the gateway is called: the opt-out guard reads on its own connection,
    # and on SQLite this request's transaction would hold the lock it waits for.
    db_session().rollback()
    try:
        sid = editing.send_test(services().gateway, agency_id, text, number)
    except GatewayError as exc:
        flash(f"Not sent: {exc}", "error")
        return back
    now = services().clock.now()
    db_session().add(
        Message(
            agency_id=agency_id, direction=MessageDirection.OUTBOUND, phone=number, body=text,
            purpose=f"test:{purpose}"[:48], status=MessageStatus.SENT,
            gateway=services().gateway.name, sid=sid, created_at=now, updated_at=now,
        )
    )
    record_action(
        "template_test_sent",
        object_type="template",
        object_id=template.id,
        detail={"to": mask(number)},
    )
    db_session().commit()
    flash(f"Test text sent to {mask(number)}.", "success")
    return back


# --- sending rules and the roster ----------------------------------------------------------


def _rules_page(values=None, errors=None, tested=None, status=200, pasted=""):
    session = db_session()
    agency = _agency()
    roster = session.scalars(
        select(RosterMember).where(RosterMember.agency_id == agency.id).order_by(RosterMember.id)
    ).all()
    return render_template(
        "pages/settings/rules.html",
        agency=agency,
        values=values or agency_settings.form_values(agency),
        errors=errors or {},
        roster=roster,
        mask=mask,
        tested=tested,
        pasted=pasted,  # the tester's labels, kept in its box to edit and test again
        next_send=agency_settings.next_scheduled(session, agency),
        zone=agency.zone,
    ), status


@bp.get("/rules")
@roles_required(Role.ADMIN)
def rules():
    return _rules_page()


@bp.post("/rules")
@roles_required(Role.ADMIN)
def rules_save():
    session = db_session()
    agency = _agency()
    try:
        changed = agency_settings.update(
            session, agency, request.form, actor=g.user, now=services().clock.now()
        )
    except agency_settings.RulesRejected as exc:
        session.rollback()
        return _rules_page(values=request.form, errors=exc.errors, status=400)
    session.commit()
    flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.", "success")
    return redirect(url_for(".rules")), 303


@bp.post("/rules/tester")
@roles_required(Role.ADMIN)
def rules_tester():
    """Paste call-type labels from the CAD: which would never get a text, and why."""
    agency = _agency()
    pasted = request.form.get("labels", "")[:200_000]
    labels = [line.strip() for line in pasted.splitlines() if line.strip()]
    patterns = agency.sensitive_patterns or ()
    tested = [(label, match_sensitive(label, patterns)) for label in labels[:2000]]
    return _rules_page(tested=tested, pasted=pasted)


@bp.post("/roster")
@roles_required(Role.ADMIN)
def roster_add():
    number = to_e164(request.form.get("phone", ""))
    name = (request.form.get("name") or "").strip()
    if number is None or not name:
        flash("Give a name and a mobile number.", "error")
        return redirect(url_for(".rules")), 303
    session = db_session()
    member = RosterMember(
        agency_id=g.user.agency_id,
        name=name[:100],
        phone=number,
        shift=(request.form.get("shift") or "").strip()[:40] or None,
        on_duty=True,
        created_at=services().clock.now(),
    )
    session.add(member)
    session.flush()
    record_action("roster_added", object_type="roster_member", object_id=member.id)
    session.commit()
    flash(f"{member.name} added to the roster, on duty.", "success")
    return redirect(url_for(".rules")), 303


@bp.post("/roster/<int:member_id>/<action>")
@roles_required(Role.ADMIN)
def roster_change(member_id: int, action: str):
    session = db_session()
    member = session.get(RosterMember, member_id)
    if member is None or member.agency_id != g.user.agency_id:
        abort(404)
    if action == "remove":
        session.delete(member)
    elif action == "duty":
        member.on_duty = not member.on_duty
    else:
        abort(404)
    record_action(f"roster_{action}", object_type="roster_member", object_id=member_id)
    session.commit()
    return redirect(url_for(".rules")), 303


# --- the agency and its intake tokens -----------------------------------------------------


def _agency_page(new_token: str | None = None):
    session = db_session()
    rows = session.scalars(
        select(ApiToken).where(ApiToken.agency_id == g.user.agency_id).order_by(ApiToken.id)
    ).all()
    return render_template(
        "pages/settings/agency.html", agency=_agency(), tokens=rows, new_token=new_token
    )


@bp.get("/agencies")
@roles_required(Role.ADMIN)
def agency():
    return _agency_page()


@bp.post("/tokens")
@roles_required(Role.ADMIN)
def token_create():
    session = db_session()
    name = (request.form.get("name") or "").strip()[:100] or "cad"
    row, plain = tokens.create_token(session, _agency(), name, now=services().clock.now())
    record_action("token_created", object_type="api_token", object_id=row.id, detail={"name": name})
    session.commit()
    # Shown in this response only: never put in a redirect, a flash or a log.
    return _agency_page(new_token=plain)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def token_revoke(token_id: int):
    session = db_session()
    row = session.get(ApiToken, token_id)
    if row is None or row.agency_id != g.user.agency_id:
        abort(404)
    tokens.revoke_token(session, token_id, now=services().clock.now())
    record_action("token_revoked", object_type="api_token", object_id=token_id)
    session.commit()
    flash(f"Token {row.prefix}… revoked: the intake API refuses it from now on.", "success")
    return redirect(url_for(".agency")), 303
