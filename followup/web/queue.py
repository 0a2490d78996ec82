"""The watch commander's callback queue: what needs a call now, the detail, the handover."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select

from followup.callbacks import correction_view, queue, timeline, work
from followup.callbacks.queue import time_left
from followup.callbacks.work import WorkError
from followup.core.phones import mask
from followup.models import (
    Agency,
    Alert,
    AttemptOutcome,
    Call,
    Callback,
    CallbackEvent,
    CallbackStatus,
    Conversation,
    ResolutionOutcome,
    Role,
    RosterMember,
    User,
)
from followup.staff.users import commanders
from followup.texts import message_templates
from followup.web.auth import login_required, record_action
from followup.web.context import db_session, services

bp = Blueprint("queue", __name__, url_prefix="/callbacks")

OUTCOME_LABELS = {
    AttemptOutcome.REACHED: "Reached the caller",
    AttemptOutcome.NO_ANSWER: "No answer",
    AttemptOutcome.VOICEMAIL: "Left a voicemail",
    AttemptOutcome.WRONG_NUMBER: "Wrong number",
    ResolutionOutcome.RESOLVED_BY_PHONE: "Resolved on the phone",
    ResolutionOutcome.REFERRED: "Referred to another unit",
    ResolutionOutcome.COMPLAINT_TAKEN: "Complaint taken",
    ResolutionOutcome.NO_CONTACT: "No contact after the attempts logged",
    ResolutionOutcome.NOT_NEEDED: "Not needed",
}


def _filters() -> dict[str, str]:
    keys = ("status", "priority", "category", "district", "mine", "q", "sort")
    return {key: request.args[key] for key in keys if request.args.get(key)}


def _queue_context() -> dict:
    session = db_session()
    now = services().clock.now()
    filters = _filters()
    districts = queue.districts(session, g.user.agency_id)
    wanted = queue.parse_filter(request.args, g.user.id)
    rows, total, wanted = queue.page(session, g.user.agency_id, wanted)
    first = (wanted.page - 1) * wanted.limit + 1 if total else 0
    return {
        "callbacks": rows,
        "counts": queue.counts(session, g.user.agency_id, now, wanted),
        "status": wanted.status,
        "filters": filters,
        "search": wanted.search,
        "sort": wanted.sort,
        "sorts": queue.SORTS,
        "shown": {"first": first, "last": first + len(rows) - 1 if rows else 0, "total": total},
        "page": wanted.page,
        "pages": max(1, -(-total // wanted.limit)),
        "reply_language": queue.reply_language,
        "districts": districts,
        "now": now,
        "time_left": queue.time_left,
        "categories": sorted({c.value for c in _categories()}),
    }


def _categories():
    from followup.replies.triage import CALLBACK, Category

    return {*CALLBACK, Category.OTHER}


@bp.get("")
@login_required
def index():
    page = render_template("pages/queue/queue.html", **_queue_context())
    # The queue shows callers' words: opening it is in the audit trail (its live refreshes,
    # every few seconds, are not: they show what this view already showed, as it changes).
    # What was searched for is not kept (it may be words of a reply or digits of a number).
    detail = {k: ("(given)" if k == "q" else v[:64]) for k, v in _filters().items()}
    record_action("view_queue", detail=detail)
    db_session().commit()
    return page


@bp.get("/rows")
@login_required
def rows():
    """The queue's rows and banner, refreshed in place every few seconds."""
    return render_template("pages/queue/queue_live.html", **_queue_context())


@bp.get("/urgent")
@login_required
def urgent():
    """The unresolved urgent callbacks' ids, asked for every few seconds by every signed-in
    page (templates/static/urgent-worker.js): one indexed query, a few bytes."""
    return jsonify(ids=queue.urgent_ids(db_session(), g.user.agency_id))


def _callback(callback_id: int) -> Callback:
    callback = db_session().get(Callback, callback_id)
    if callback is None or callback.agency_id != g.user.agency_id:
        abort(404)
    return callback


# Long because the callback page shows many things, each read once here.
def _detail_context(callback: Callback, revealed: str | None = None) -> dict:
    session = db_session()
    conversation = callback.conversation
    followup = conversation.followup
    call = followup.call if followup else None
    agency = session.get(Agency, callback.agency_id)
    # Every text of the call, whichever of its texts this reply answered.
    entries = timeline.call_texts(session, conversation, call)
    messages = [entry.message for entry in entries if entry.message is not None]
    prior_calls = session.scalar(
        select(func.count()).where(
            Call.agency_id == agency.id,
            Call.caller_phone == conversation.phone,
            Call.id != (call.id if call else -1),
        )
    )
    prior_callbacks = session.scalar(
        select(func.count())
        .select_from(Callback)
        .join(Conversation)
        .where(
            Conversation.agency_id == agency.id,
            Conversation.phone == conversation.phone,
            Callback.id != callback.id,
        )
    )
    events = session.scalars(
        select(CallbackEvent)
        .where(CallbackEvent.callback_id == callback.id)
        .order_by(CallbackEvent.created_at, CallbackEvent.id)
    ).all()
    alerts = session.scalars(
        select(Alert).where(Alert.callback_id == callback.id).order_by(Alert.id)
    ).all()
    now = services().clock.now()
    return {
        "callback": callback,
        "conversation": conversation,
        "call": call,
        "agency": agency,
        "zone": agency.zone,
        "entries": entries,
        "masked": mask(conversation.phone),
        "revealed": revealed,
        "prior_calls": prior_calls,
        "prior_callbacks": prior_callbacks,
        "events": events,
        "alerts": alerts,
        "alerted": _alerted(session, agency.id, alerts),
        "attempts": work.attempts(session, callback),
        # Beside each reply's triage: how commanders read it, and the corrections that apply.
        "reviews": correction_view.reviews(session, agency.id, conversation.phone, messages),
        "commanders": commanders(session, agency.id),
        # As the caller would read them, not as template source.
        "staff_texts": _staff_texts(session, agency, call, conversation.language),
        "attempt_outcomes": [(o.value, OUTCOME_LABELS[o]) for o in AttemptOutcome],
        "resolution_outcomes": [(o.value, OUTCOME_LABELS[o]) for o in ResolutionOutcome],
        "outcome_labels": {k.value: v for k, v in OUTCOME_LABELS.items()},
        "time_left": time_left(callback.due_by, now),
        "can_work": Role(g.user.role).can_work,
    }


def _alerted(session, agency_id: int, alerts) -> dict[int, str]:
    """Who each alert went to, by name: the roster member texted (never their number), or the
    agency's alert URL's host."""
    ids = [int(a.target) for a in alerts if a.channel == "sms" and a.target.isdigit()]
    names = dict(
        session.execute(
            select(RosterMember.id, RosterMember.name).where(
                RosterMember.agency_id == agency_id, RosterMember.id.in_(ids or [-1])
            )
        ).all()
    )
    alerted = {}
    for alert in alerts:
        if alert.channel == "sms":
            name = names.get(int(alert.target)) if alert.target.isdigit() else None
            alerted[alert.id] = f"text to {name}" if name else "text to a commander since removed"
        else:
            alerted[alert.id] = f"alert URL ({urlsplit(alert.target).hostname or 'not set'})"
    return alerted


def _staff_texts(session, agency: Agency, call: Call | None, language: str) -> dict[str, str]:
    """The approved texts, whole, as the caller would read them (not as template source); one
    that cannot be written for this callback (the case number of a reply with no call) is not
    offered."""
    texts = {}
    for purpose in work.staff_texts(session, agency, language):
        try:
            rendered = message_templates.render_for_call(session, agency, call, purpose, language)
        except message_templates.TemplateRenderError:
            continue
        if rendered:
            texts[purpose] = rendered.body
    return texts


def _confirm_text(callback: Callback, purpose: str):
    """The confirm step before an approved text goes out: the whole text as it will be sent,
    and to whom (masked). Nothing is sent or written until the commander confirms."""
    session = db_session()
    conversation = callback.conversation
    call = conversation.followup.call if conversation.followup else None
    agency = session.get(Agency, callback.agency_id)
    body = _staff_texts(session, agency, call, conversation.language).get(purpose)
    if body is None:
        flash("Choose one of the approved texts.", "error")
        return redirect(url_for(".detail", callback_id=callback.id)), 303
    return render_template(
        "pages/queue/confirm_text.html",
        callback=callback,
        purpose=purpose,
        body=body,
        masked=mask(conversation.phone),
    )


@bp.get("/<int:callback_id>")
@login_required
def detail(callback_id: int):
    callback = _callback(callback_id)
    page = render_template("pages/queue/callback.html", **_detail_context(callback))
    # The whole thread and the caller's name are on this page: every view is in the audit trail.
    record_action("view_callback", object_type="callback", object_id=callback.id)
    db_session().commit()
    return page


@bp.post("/<int:callback_id>/reveal")
@login_required
def reveal(callback_id: int):
    """Show the caller's number, once, for this page; every reveal is in the audit trail."""
    callback = _callback(callback_id)
    if not Role(g.user.role).can_work:
        abort(403)
    record_action("reveal_number", object_type="callback", object_id=callback.id)
    db_session().commit()
    context = _detail_context(callback, revealed=callback.conversation.phone)
    return render_template("pages/queue/callback.html", **context)


@bp.post("/<int:callback_id>/<action>")
@login_required
def act(callback_id: int, action: str):
    callback = _callback(callback_id)
    session = db_session()
    svc = services()
    now = svc.clock.now()
    form = request.form
    try:
        if action == "claim":
            work.claim(session, callback, g.user, now=now)
            done = "You have this callback."
        elif action == "unclaim":
            work.unclaim(session, callback, g.user, now=now)
            done = "Released to the queue."
        elif action == "assign":
            assignee = session.get(User, int(form.get("user_id") or 0))
            if assignee is None:
                raise WorkError("Choose a commander.")
            work.assign(session, callback, g.user, assignee, now=now)
            done = f"Assigned to {assignee.display_name}."
        elif action == "attempt":
            work.log_attempt(
                session, callback, g.user, form.get("outcome", ""), form.get("note", ""), now=now
            )
            done = "Call attempt logged."
        elif action == "note":
            work.add_note(session, callback, g.user, form.get("note", ""), now=now)
            done = "Note added."
        elif action == "resolve":
            work.resolve(
                session, callback, g.user, form.get("outcome", ""), form.get("note", ""), now=now
            )
            done = "Resolved."
        elif action == "reopen":
            work.reopen(session, callback, g.user, form.get("note", ""), now=now)
            done = "Reopened."
        elif action == "text" and form.get("confirmed") != "yes":
            if not Role(g.user.role).can_work:
                raise WorkError("Viewers can read callbacks but not work them.")
            return _confirm_text(callback, form.get("purpose", ""))
        elif action == "text":
            user_id = g.user.id  # read before the rollback expires it
            # The text runs in its own transactions, none left open while sending (on SQLite
            # an open one would hold the write lock the opt-out guard needs to read).
            session.rollback()
            work.send_staff_text(
                svc.db, callback_id, user_id, form.get("purpose", ""), svc.gateway, now=now
            )
            done = "Text sent."
        else:
            abort(404)
    except WorkError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".detail", callback_id=callback_id)), 303
    session.commit()
    flash(done, "success")
    return redirect(url_for(".detail", callback_id=callback_id)), 303


SHIFT = timedelta(hours=12)  # "resolved this shift" on the handover: the last 12 hours


@bp.get("/handover")
@login_required
def handover():
    """A printable summary for the next shift: overdue, open and claimed callbacks (each in one
    list only), and what was resolved in the last 12 hours."""
    session = db_session()
    now = services().clock.now()
    active = queue.callbacks(session, g.user.agency_id, queue.QueueFilter())
    agency = session.get(Agency, g.user.agency_id)
    overdue = [c for c in active if c.due_by < now]
    on_time = [c for c in active if c.due_by >= now]
    return render_template(
        "pages/queue/handover.html",
        agency=agency,
        now=now,
        zone=agency.zone,
        overdue=overdue,
        open=[c for c in on_time if c.status == CallbackStatus.OPEN],
        claimed=[c for c in on_time if c.status == CallbackStatus.CLAIMED],
        resolved=queue.resolved_since(session, agency.id, now - SHIFT),
        shift_hours=int(SHIFT.total_seconds() // 3600),
        outcome_labels={k.value: v for k, v in OUTCOME_LABELS.items()},
        time_left=time_left,
    )
