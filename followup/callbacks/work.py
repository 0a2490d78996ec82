"""What watch commanders do with a callback: claim it, call, note, resolve. Every step recorded.

Each function checks that the step makes sense now, records a CallbackEvent (the callback's
history) and an audit row, and leaves committing to the caller.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followup.eligibility.contacts import is_opted_out
from followup.models import (
    Agency,
    AttemptOutcome,
    Callback,
    CallbackEvent,
    CallbackEventKind,
    CallbackStatus,
    Message,
    MessageDirection,
    MessageStatus,
    Purpose,
    ResolutionOutcome,
    Role,
    User,
)
from followup.models.messages import STAFF_TEXT_PREFIX
from followup.sending.gateways.base import GatewayError
from followup.sending.gateways.guard import OptOutGuard
from followup.staff import audit
from followup.texts import message_templates


class WorkError(ValueError):
    """The step is not possible now; the message says why, in words for the commander."""


def _can_work(user: User) -> None:
    if not Role(user.role).can_work:
        raise WorkError("Viewers can read callbacks but not work them.")


def _event(
    session: Session,
    callback: Callback,
    user: User,
    kind: CallbackEventKind,
    now: datetime,
    *,
    outcome: str | None = None,
    note: str | None = None,
    detail: dict | None = None,
) -> None:
    session.add(
        CallbackEvent(
            callback_id=callback.id,
            user_id=user.id,
            kind=kind,
            outcome=outcome,
            note=note,
            created_at=now,
        )
    )
    callback.updated_at = now
    audit.record(
        session,
        f"callback_{kind}",
        now=now,
        user=user,
        object_type="callback",
        object_id=callback.id,
        detail=(detail or {}) | ({"outcome": outcome} if outcome else {}),
    )


def _open(callback: Callback) -> None:
    if callback.status == CallbackStatus.RESOLVED:
        raise WorkError("This callback is resolved. Reopen it first.")


def claim(session: Session, callback: Callback, user: User, *, now: datetime) -> None:
    _can_work(user)
    _open(callback)
    if callback.claimed_by_id not in (None, user.id):
        raise WorkError(
            f"{callback.claimed_by.display_name} has this callback. Ask them, or "
            "have it assigned to you."
        )
    callback.claimed_by_id, callback.claimed_at = user.id, now
    callback.status = CallbackStatus.CLAIMED
    _event(session, callback, user, CallbackEventKind.CLAIMED, now)


def unclaim(session: Session, callback: Callback, user: User, *, now: datetime) -> None:
    _can_work(user)
    _open(callback)
    if callback.claimed_by_id is None:
        raise WorkError("Nobody has claimed this callback.")
    if callback.claimed_by_id != user.id and user.role != Role.ADMIN:
        raise WorkError("Only the commander who claimed it can let it go.")
    callback.claimed_by_id = callback.claimed_at = None
    callback.status = CallbackStatus.OPEN
    _event(session, callback, user, CallbackEventKind.UNCLAIMED, now)


def assign(
    session: Session, callback: Callback, user: User, assignee: User, *, now: datetime
) -> None:
    _can_work(user)
    _open(callback)
    if assignee.agency_id != callback.agency_id or not Role(assignee.role).can_work:
        raise WorkError("Callbacks can be assigned to commanders of this agency only.")
    callback.claimed_by_id, callback.claimed_at = assignee.id, now
    callback.status = CallbackStatus.CLAIMED
    _event(
        session,
        callback,
        user,
        CallbackEventKind.ASSIGNED,
        now,
        note=f"to {assignee.display_name}",
        detail={"to_user": assignee.id},
    )


def log_attempt(
    session: Session, callback: Callback, user: User, outcome: str, note: str, *, now: datetime
) -> None:
    _can_work(user)
    _open(callback)
    if outcome not in {o.value for o in AttemptOutcome}:
        raise WorkError("Choose how the call went.")
    if callback.claimed_by_id is None:
        claim(session, callback, user, now=now)  # calling the person is taking it on
    _event(
        session,
        callback,
        user,
        CallbackEventKind.ATTEMPT,
        now,
        outcome=outcome,
        note=note.strip() or None,
    )


def add_note(session: Session, callback: Callback, user: User, note: str, *, now: datetime) -> None:
    _can_work(user)
    if not note.strip():
        raise WorkError("Write the note first.")
    if len(note) > 4000:
        raise WorkError("A note is at most 4,000 characters.")
    _event(session, callback, user, CallbackEventKind.NOTE, now, note=note.strip())


def attempts(session: Session, callback: Callback) -> int:
    return session.scalar(
        select(func.count()).where(
            CallbackEvent.callback_id == callback.id,
            CallbackEvent.kind == CallbackEventKind.ATTEMPT,
        )
    )


def resolve(
    session: Session, callback: Callback, user: User, outcome: str, note: str, *, now: datetime
) -> None:
    _can_work(user)
    _open(callback)
    if outcome not in {o.value for o in ResolutionOutcome}:
        raise WorkError("Choose how the callback was resolved.")
    if outcome == ResolutionOutcome.NO_CONTACT and attempts(session, callback) == 0:
        raise WorkError("Log the call attempts before resolving as no contact.")
    callback.status = CallbackStatus.RESOLVED
    callback.outcome, callback.resolved_at = outcome, now
    _event(
        session,
        callback,
        user,
        CallbackEventKind.RESOLVED,
        now,
        outcome=outcome,
        note=note.strip() or None,
    )


def reopen(session: Session, callback: Callback, user: User, note: str, *, now: datetime) -> None:
    _can_work(user)
    if callback.status != CallbackStatus.RESOLVED:
        raise WorkError("Only a resolved callback can be reopened.")
    callback.status = CallbackStatus.CLAIMED if callback.claimed_by_id else CallbackStatus.OPEN
    callback.outcome = callback.resolved_at = None
    _event(session, callback, user, CallbackEventKind.REOPENED, now, note=note.strip() or None)


def staff_texts(session: Session, agency: Agency, language: str) -> dict[str, str]:
    """The approved texts a commander may send, as {purpose: body}, in ``language`` if present."""
    from followup.models import MessageTemplate

    rows = session.scalars(
        select(MessageTemplate).where(
            MessageTemplate.agency_id == agency.id,
            MessageTemplate.purpose.like(f"{STAFF_TEXT_PREFIX}%"),
            MessageTemplate.active.is_(True),
        )
    ).all()
    chosen: dict[str, str] = {}
    for row in sorted(
        rows, key=lambda t: (t.language != language, t.language != agency.default_language)
    ):
        chosen.setdefault(row.purpose, row.body)
    return chosen


def prepare_staff_text(
    session: Session,
    callback: Callback,
    user: User,
    purpose: str,
    gateway_name: str,
    *,
    now: datetime,
) -> Message:
    """Check and render an approved text, and store it as pending (the caller commits, then
    sends it with ``gateway``: no transaction stays open across the gateway call)."""
    _can_work(user)
    if not Purpose.is_staff_text(purpose):
        raise WorkError("Choose one of the approved texts.")
    conversation = callback.conversation
    agency = session.get(Agency, callback.agency_id)
    if is_opted_out(session, agency.id, conversation.phone):
        raise WorkError("This number has opted out of texts. Call instead.")
    call = conversation.followup.call if conversation.followup else None
    try:
        rendered = message_templates.render_for_call(
            session, agency, call, purpose, conversation.language
        )
    except message_templates.TemplateRenderError:
        rendered = None  # e.g. the case number, for a reply that matched no call
    if rendered is None:
        raise WorkError("That text is not available for this callback.")
    message = Message(
        agency_id=agency.id,
        direction=MessageDirection.OUTBOUND,
        phone=conversation.phone,
        body=rendered.body,
        purpose=purpose,
        status=MessageStatus.PENDING,
        gateway=gateway_name,
        conversation_id=conversation.id,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


def send_staff_text(
    db, callback_id: int, user_id: int, purpose: str, gateway: OptOutGuard, *, now: datetime
) -> None:
    """Send one approved text to the caller through the gateway (so opt-out holds).

    Three steps, each its own transaction: store it pending, call the gateway, record the
    outcome and the callback event. Raises WorkError with words for the commander.
    """
    with db.begin() as session:
        callback, user = session.get(Callback, callback_id), session.get(User, user_id)
        message = prepare_staff_text(session, callback, user, purpose, gateway.name, now=now)
        message_id, agency_id, to, body = message.id, message.agency_id, message.phone, message.body
    try:
        result = gateway.send(agency_id, to, body)
    except GatewayError as exc:
        with db.begin() as session:
            failed = session.get(Message, message_id)
            failed.status, failed.error_code = MessageStatus.FAILED, exc.code
        raise WorkError(
            f"The text was not sent ({exc.code or 'no connection'}). Call instead."
        ) from None
    with db.begin() as session:
        message = session.get(Message, message_id)
        message.sid, message.status = result.sid, MessageStatus(result.status)
        _event(
            session,
            session.get(Callback, callback_id),
            session.get(User, user_id),
            CallbackEventKind.TEXT,
            now,
            note=body,
            detail={"purpose": purpose},
        )
