"""Correcting triage from the callback page: one step per reply, back to the page with the result.

Commanders and admins only (``Role.can_work``); a reply of another callback or agency is a 404.
Bad input (an unknown correction, no category chosen, a long note) is refused with the reason
and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from followup.callbacks import corrections
from followup.callbacks.work import WorkError
from followup.models import Message, Role
from followup.web.auth import client_ip, login_required
from followup.web.context import db_session, services
from followup.web.queue import _callback

bp = Blueprint("corrections", __name__, url_prefix="/callbacks")


@bp.post("/<int:callback_id>/replies/<int:message_id>/correct")
@login_required
def correct(callback_id: int, message_id: int):
    callback = _callback(callback_id)
    if not Role(g.user.role).can_work:
        abort(403)
    session = db_session()
    message = session.get(Message, message_id)
    if message is None or message.conversation_id != callback.conversation_id:
        abort(404)
    back = url_for("queue.detail", callback_id=callback_id) + f"#reply-{message_id}"
    try:
        done = corrections.correct(
            session,
            callback,
            message_id,
            g.user,
            request.form.get("action", ""),
            category=request.form.get("category"),
            note=request.form.get("note", ""),
            now=services().clock.now(),
            ip=client_ip(),
        )
    except WorkError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(back), 303
    session.commit()
    flash(done.said(), "success")
    return redirect(back), 303
