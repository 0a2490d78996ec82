"""The watch commander's callback queue: what needs a call now, the detail, the handover."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from followup.callbacks import work
from followup.callbacks.work import WorkError
from followup.core.phones import mask
from followup.models import (
    Agency,
    Alert,
    AttemptOutcome,
    Call,
    Callback,
    CallbackEvent,
    CallbackPriority,
    CallbackStatus,
    Conversation,
    FollowUp,
    Message,
    ResolutionOutcome,
    Role,
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


def time_left(due_by: datetime, now: datetime) -> tuple[str, bool]:
    """Return ("25 min left" | "overdue by 2 h 5 min", overdue)."""
    delta = due_by - now
    overdue = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{rest} min"] * (not days)
    text = " ".join(parts) or "0 min"
    return (f"overdue by {text}" if overdue else f"{text} left"), overdue


def _filters() -> dict[str, str]:
    keys = ("status", "priority", "category", "district", "mine")
    return {key: request.args[key] for key in keys if request.args.get(key)}


def _queue(session: Session, agency_id: int, filters: dict[str, str]):
    query = (
        select(Callback)
        .join(Conversation, Callback.conversation_id == Conversation.id)
        .outerjoin(FollowUp, Conversation.followup_id == FollowUp.id)
        .outerjoin(Call, FollowUp.call_id == Call.id)
        .where(Callback.agency_id == agency_id)
        .options(
            joinedload(Callback.message),
            joinedload(Callback.claimed_by),
            joinedload(Callback.conversation)
            .joinedload(Conversation.followup)
            .joinedload(FollowUp.call),
        )
    )
    status = filters.get("status", "active")
    if status == "active":
        query = query.where(Callback.status != CallbackStatus.RESOLVED)
    elif status in {s.value for s in CallbackStatus}:
        query = query.where(Callback.status == status)
    if filters.get("priority"):
        query = query.where(Callback.priority == filters["priority"])
    if filters.get("category"):
        query = query.where(Callback.category == filters["category"])
    if filters.get("district"):
        query = query.where(Call.district == filters["district"])
    if filters.get("mine"):
        query = query.where(Callback.claimed_by_id == g.user.id)
    query = query.order_by(
        (Callback.priority != CallbackPriority.URGENT), Callback.due_by, Callback.id
    ).limit(200)
    return session.scalars(query).unique().all()


def _counts(session: Session, agency_id: int, now: datetime) -> dict[str, int]:
    rows = session.execute(
        select(Callback.status, func.count())
        .where(Callback.agency_id == agency_id)
        .group_by(Callback.status)
    ).all()
    counts = {status.value: 0 for status in CallbackStatus} | {str(s): n for s, n in rows}
    counts["overdue"] = session.scalar(
        select(func.count()).where(
            Callback.agency_id == agency_id,
            Callback.status != CallbackStatus.RESOLVED,
            Callback.due_by < now,
        )
    )
    return counts


def _urgent(session: Session, agency_id: int) -> list[Callback]:
    return session.scalars(
        select(Callback)
        .where(
            Callback.agency_id == agency_id,
            Callback.priority == CallbackPriority.URGENT,
            Callback.status != CallbackStatus.RESOLVED,
        )
        .order_by(Callback.id)
    ).all()


def _queue_context() -> dict:
    session = db_session()
    now = services().clock.now()
    filters = _filters()
    districts = session.scalars(
        select(Call.district)
        .where(Call.agency_id == g.user.agency_id, Call.district.is_not(None))
        .distinct()
        .order_by(Call.district)
    ).all()
    return {
        "callbacks": _queue(session, g.user.agency_id, filters),
        "counts": _counts(session, g.user.agency_id, now),
        "urgent": _urgent(session, g.user.agency_id),
        "filters": filters,
        "districts": districts,
        "now": now,
        "time_left": time_left,
        "categories": sorted({c.value for c in _categories()}),
    }


def _categories():
    from followup.replies.triage import CALLBACK, Category

    return {*CALLBACK, Category.OTHER}


@bp.get("")
@login_required
def index():
    return render_template("queue.html", **_queue_context())


@bp.get("/rows")
@login_required
def rows():
    """The queue's rows and banner, refreshed in place every few seconds."""
    return render_template("queue_live.html", **_queue_context())


def _callback(callback_id: int) -> Callback:
    callback = db_session().get(Callback, callback_id)
    if callback is None or callback.agency_id != g.user.agency_id:
        abort(404)
    return callback


def _detail_context(callback: Callback, revealed: str | None = None) -> dict:
    session = db_session()
    conversation = callback.conversation
    followup = conversation.followup
    call = followup.call if followup else None
    agency = session.get(Agency, callback.agency_id)
    messages = session.scalars(
        select(Message)
        .where(
            (Message.conversation_id == conversation.id)
            | ((Message.followup_id == followup.id) if followup else False)
        )
        .order_by(Message.created_at, Message.id)
    ).all()
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
        "messages": messages,
        "masked": mask(conversation.phone),
        "revealed": revealed,
        "prior_calls": prior_calls,
        "prior_callbacks": prior_callbacks,
        "events": events,
        "alerts": alerts,
        "attempts": work.attempts(session, callback),
        "commanders": commanders(session, agency.id),
        # As the caller would read them, not as template source.
        "staff_texts": {
            purpose: rendered.body
            for purpose in work.staff_texts(session, agency, conversation.language)
            if (
                rendered := message_templates.render_for_call(
                    session, agency, call, purpose, conversation.language
                )
            )
        },
        "attempt_outcomes": [(o.value, OUTCOME_LABELS[o]) for o in AttemptOutcome],
        "resolution_outcomes": [(o.value, OUTCOME_LABELS[o]) for o in ResolutionOutcome],
        "outcome_labels": {k.value: v for k, v in OUTCOME_LABELS.items()},
        "time_left": time_left(callback.due_by, now),
        "can_work": Role(g.user.role).can_work,
    }


@bp.get("/<int:callback_id>")
@login_required
def detail(callback_id: int):
    callback = _callback(callback_id)
    page = render_template("callback.html", **_detail_context(callback))
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
    return render_template(
        "callback.html", **_detail_context(callback, revealed=callback.conversation.phone)
    )


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


@bp.get("/handover")
@login_required
def handover():
    """A printable summary for the next shift: open, claimed and overdue callbacks."""
    session = db_session()
    now = services().clock.now()
    active = _queue(session, g.user.agency_id, {"status": "active"})
    agency = session.get(Agency, g.user.agency_id)
    return render_template(
        "handover.html",
        agency=agency,
        now=now,
        zone=agency.zone,
        open=[c for c in active if c.status == CallbackStatus.OPEN],
        claimed=[c for c in active if c.status == CallbackStatus.CLAIMED],
        overdue=[c for c in active if c.due_by < now],
        time_left=time_left,
    )
