"""The comments queue: commanders and admins decide which replies the public board shows.

Reading the queue shows residents' words, so each view is audited (the page, never a body);
each decision is audited by ``followup.reports.moderation``.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from followup.models import Agency, Role
from followup.reports import moderation
from followup.reports.public import months_of
from followup.web.auth import record_action, roles_required
from followup.web.context import db_session, services

bp = Blueprint("moderation", __name__, url_prefix="/reports/moderation")

REVIEWERS = Role.workers()


def _agency() -> Agency:
    return db_session().get(Agency, g.user.agency_id)


def _since(agency: Agency):
    return months_of(services().clock.now().astimezone(agency.zone).date())[0]


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@bp.get("")
@roles_required(*REVIEWERS)
def queue():
    session = db_session()
    agency = _agency()
    since = _since(agency)
    page = _page()
    candidates, waiting = moderation.queue(session, agency, since=since, page=page)
    published = moderation.published(session, agency, since=since)
    record_action("view_moderation_queue", detail={"page": page})
    session.commit()
    return render_template(
        "pages/reports/moderation.html",
        agency=agency,
        candidates=candidates,
        waiting=waiting,
        published=published,
        page=page,
        pages=max(1, -(-waiting // moderation.PAGE_SIZE)),
        since=since,
        zone=agency.zone,
    )


def _decided(action, message: str):
    session = db_session()
    try:
        action(session, _agency())
    except moderation.ModerationError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(message, "success")
    return redirect(url_for(".queue", page=request.args.get("page", 1))), 303


@bp.post("/<int:message_id>/approve")
@roles_required(*REVIEWERS)
def approve(message_id: int):
    text = request.form.get("text", "")
    return _decided(
        lambda session, agency: moderation.approve(
            session, agency, message_id, text, user=g.user, now=services().clock.now()
        ),
        "Published on the board.",
    )


@bp.post("/<int:message_id>/decline")
@roles_required(*REVIEWERS)
def decline(message_id: int):
    return _decided(
        lambda session, agency: moderation.decline(
            session, agency, message_id, user=g.user, now=services().clock.now()
        ),
        "Declined: it will not be published.",
    )


@bp.post("/published/<int:review_id>/withdraw")
@roles_required(*REVIEWERS)
def withdraw(review_id: int):
    return _decided(
        lambda session, agency: moderation.withdraw(
            session, agency, review_id, user=g.user, now=services().clock.now()
        ),
        "Withdrawn from the board.",
    )
