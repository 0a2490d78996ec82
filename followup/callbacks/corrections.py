"""Commanders correct triage on the callback page; the corrections are data for the next model.

A correction is one step on one reply ("Not a complaint", "This was danger", "Not an
opt-out", "Triage is right"). Each is kept with who and when, beside what triage said at the
time (``TriageCorrection``), and audited; a reply corrected twice counts by its latest reading.

What a correction changes besides the record:

* An opt-out a commander confirms (or a reading of "opt_out" triage had not acted on) stops
  texts to the caller at once, through the same path as a STOP (``contacts.opt_out``).
* "Not an opt-out" on a reply the service acted on does **not** start texts again: only the
  caller can, by texting START. The reading is recorded for the next model, and the page says so.
* Nothing else: the reply's stored triage, the callback's priority and the report facts stay
  as they were (they record what the service did).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from followup.callbacks.work import WorkError
from followup.core.phones import redact_numbers
from followup.eligibility import contacts
from followup.models import (
    Agency,
    Callback,
    Category,
    Message,
    MessageDirection,
    Role,
    TriageCorrection,
    User,
)
from followup.staff import audit

NOTE_LIMIT = 200
# Categories a person should call back about (triage's CALLBACK, written here so that reading
# corrections does not load the triage rules). ``other`` follows triage's own answer (a reply
# in a language the service cannot read is a callback); wrong numbers are not, as the
# labelled sets in tests/data have them.
CALLBACK_CATEGORIES = frozenset(
    {Category.CRISIS, Category.CONDUCT, Category.UNRESOLVED, Category.NEGATIVE, Category.QUESTION}
)
# An opt-out beside one of these keeps the category (triage's own rule: a serious signal wins).
SERIOUS = frozenset({Category.CRISIS, Category.CONDUCT, Category.UNRESOLVED, Category.NEGATIVE})

# The one-step corrections the page offers (the form's ``action``).
CONFIRM = "confirm"  # triage is right
CATEGORY = "category"  # "Not <category>": it was this other one
DANGER = "danger"  # this was danger
NOT_OPT_OUT = "not_opt_out"
CONFIRM_OPT_OUT = "confirm_opt_out"  # triage suggested an opt-out: stop texting this caller
ACTIONS = (CONFIRM, CATEGORY, DANGER, NOT_OPT_OUT, CONFIRM_OPT_OUT)

# How a category reads in "Not ..." and in the history.
NOUNS = {
    Category.CRISIS: "danger",
    Category.CONDUCT: "a complaint",
    Category.UNRESOLVED: "unresolved",
    Category.NEGATIVE: "negative",
    Category.QUESTION: "a question",
    Category.WRONG_NUMBER: "a wrong number",
    Category.POSITIVE: "praise",
    Category.NEUTRAL: "neutral",
    Category.OPT_OUT: "an opt-out",
    Category.OPT_IN: "an opt-in",
    Category.HELP: "a request for help",
    Category.OTHER: "other",
}


@dataclass(frozen=True)
class Reading:
    """What a reply is: as triage read it, or as a commander did."""

    category: Category
    urgent: bool
    opt_out: bool

    def describe(self) -> str:
        parts = [str(self.category)]
        if self.urgent:
            parts.append("danger")
        if self.opt_out:
            parts.append("opt-out")
        return ", ".join(parts)


def engine_reading(message: Message) -> Reading:
    """Triage's answer as stored with the reply (older rows: what the category implies)."""
    stored = message.triage or {}
    category = Category(message.category or stored.get("category") or Category.OTHER)
    return Reading(
        category,
        bool(stored.get("urgent", category == Category.CRISIS)),
        bool(stored.get("opt_out", category == Category.OPT_OUT)),
    )


def suggested_opt_out(message: Message) -> bool:
    """Whether triage thought the caller may want to stop the texts but did not act on it."""
    stored = message.triage or {}
    return bool(stored.get("suggested_opt_out")) and not bool(stored.get("opt_out"))


def reading_of(correction: TriageCorrection) -> Reading:
    return Reading(correction.category, correction.urgent, correction.opt_out)


def history(session: Session, message_ids: list[int]) -> dict[int, list[TriageCorrection]]:
    """Every correction of these replies, oldest first, by reply."""
    found: dict[int, list[TriageCorrection]] = {}
    if not message_ids:
        return found
    for row in session.scalars(
        select(TriageCorrection)
        .where(TriageCorrection.message_id.in_(message_ids))
        .order_by(TriageCorrection.message_id, TriageCorrection.id)
    ):
        found.setdefault(row.message_id, []).append(row)
    return found


@dataclass(frozen=True)
class Corrected:
    """What a correction did, for the page to say."""

    correction: TriageCorrection
    stopped_texts: bool  # this correction opted the number out
    opted_out_before: bool  # the number had opted out already (and stays so: START only)

    def said(self) -> str:
        """What the commander is told."""
        if self.stopped_texts:
            return "Correction recorded. Texts to this caller have stopped, as after a STOP."
        if self.opted_out_before and not self.correction.opt_out:
            return (
                "Correction recorded. The caller stays opted out: only they can start the "
                "texts again, by texting START."
            )
        if self.opted_out_before:
            return "Correction recorded. This number had opted out already."
        return "Correction recorded."


# Long because each one-step correction is one short rule, and they read best side by side.
def next_reading(
    action: str, engine: Reading, current: Reading, message: Message, chosen: str | None
) -> Reading:
    """The reading a one-step correction gives; WorkError when it does not apply here."""
    if action == CONFIRM:
        return engine
    if action == DANGER:
        if current.category == Category.CRISIS:
            raise WorkError("This reply is already recorded as danger.")
        return Reading(Category.CRISIS, True, current.opt_out)
    if action == CONFIRM_OPT_OUT:
        if not suggested_opt_out(message):
            raise WorkError("Triage did not suggest an opt-out for this reply.")
        if current.opt_out:
            raise WorkError("This reply is already recorded as an opt-out.")
        kept = current.category if current.category in SERIOUS else Category.OPT_OUT
        return Reading(kept, current.urgent, True)
    if action == NOT_OPT_OUT and current.category != Category.OPT_OUT:
        if not current.opt_out:
            raise WorkError("This reply is not recorded as an opt-out.")
        return Reading(current.category, current.urgent, False)
    if action not in (CATEGORY, NOT_OPT_OUT):
        raise WorkError("Choose one of the corrections offered.")
    try:
        category = Category((chosen or "").strip())
    except ValueError:
        raise WorkError("Choose what the reply was instead.") from None
    if category == current.category:
        raise WorkError(f"This reply is already recorded as {NOUNS[category]}.")
    keeps_opt_out = current.opt_out and current.category != Category.OPT_OUT
    opt_out = category == Category.OPT_OUT or (keeps_opt_out and category != Category.OPT_IN)
    return Reading(category, category == Category.CRISIS, opt_out)


def correct(
    session: Session,
    callback: Callback,
    message_id: int,
    user: User,
    action: str,
    *,
    category: str | None = None,
    note: str = "",
    now: datetime,
    ip: str | None = None,
) -> Corrected:
    """Record one commander's correction of one reply of ``callback``'s conversation, and stop
    texts when it says the caller opted out and the service had not acted. The caller commits;
    on WorkError nothing was changed."""
    if not Role(user.role).can_work:
        raise WorkError("Viewers can read callbacks but not correct triage.")
    message = session.get(Message, message_id)
    if (
        message is None
        or message.conversation_id != callback.conversation_id
        or message.direction != MessageDirection.INBOUND
        or message.category is None
    ):
        raise WorkError("That reply is not part of this callback.")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise WorkError(f"A note is at most {NOTE_LIMIT} characters.")
    engine = engine_reading(message)
    earlier = latest(session, message.id)
    current = reading_of(earlier) if earlier is not None else engine
    reading = next_reading(action, engine, current, message, category)
    if earlier is not None and reading == current:
        raise WorkError("That is already how this reply is recorded.")
    phone = callback.conversation.phone
    opted_out = bool(phone) and contacts.is_opted_out(session, callback.agency_id, phone)
    stops = reading.opt_out and not engine.opt_out and not opted_out
    if stops and not phone:
        raise WorkError(
            "The caller's number is no longer kept (retention), so texts cannot be stopped here."
        )
    row = _store(session, callback, message, user, (engine, reading), stops, note or None, now, ip)
    if stops:
        cancelled = contacts.opt_out(
            session, callback.agency_id, phone, source="commander", now=now
        )
        audit.record(
            session,
            "opt_out_by_commander",
            now=now,
            user=user,
            ip=ip,
            object_type="message",
            object_id=message.id,
            detail={"callback": callback.id, "cancelled": cancelled},
        )
    return Corrected(row, stops, opted_out)


def _store(
    session: Session,
    callback: Callback,
    message: Message,
    user: User,
    readings: tuple[Reading, Reading],
    stops: bool,
    note: str | None,
    now: datetime,
    ip: str | None = None,
) -> TriageCorrection:
    engine, reading = readings
    stored = message.triage or {}
    row = TriageCorrection(
        agency_id=callback.agency_id,
        message_id=message.id,
        user_id=user.id,
        created_at=now,
        engine_category=engine.category,
        engine_urgent=engine.urgent,
        engine_opt_out=engine.opt_out,
        engine_callback=bool(stored.get("callback", engine.category in CALLBACK_CATEGORIES)),
        category=reading.category,
        urgent=reading.urgent,
        opt_out=reading.opt_out,
        stopped_texts=stops,
        note=note,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "triage_corrected",
        now=now,
        user=user,
        ip=ip,
        object_type="message",
        object_id=message.id,
        detail={
            "callback": callback.id,
            "correction": row.id,
            "triage": engine.describe(),
            "commander": reading.describe(),
            "noted": note is not None,  # the note's words stay out of the audit trail
        },
    )
    return row


def latest(session: Session, message_id: int) -> TriageCorrection | None:
    return session.scalar(
        select(TriageCorrection)
        .where(TriageCorrection.message_id == message_id)
        .order_by(TriageCorrection.id.desc())
        .limit(1)
    )


def latest_ids(agency_id: int | None = None):
    """A subquery: the id of each reply's latest correction (of one agency, or of all)."""
    query = select(func.max(TriageCorrection.id)).group_by(TriageCorrection.message_id)
    if agency_id is not None:
        query = query.where(TriageCorrection.agency_id == agency_id)
    return query


# --- labelled data for training --------------------------------------------------------------


def flag_for(category: Category, engine_callback: bool) -> bool:
    """Whether a person should call back about a reply of ``category`` (the labelled sets'
    ``flag``): ``other`` keeps triage's answer, which depends on the language."""
    if category == Category.OTHER:
        return engine_callback
    return category in CALLBACK_CATEGORIES


def export_rows(
    session: Session, agency_id: int | None = None, since: date | datetime | None = None
) -> list[dict]:
    """Every corrected reply (its latest reading) as a labelled row in the format of the sets in
    ``tests/data/triage_*.jsonl``: text, cat, flag, urgent, opt_out, lang, note.

    ``since``: readings recorded from then on (a date: from its start, UTC). Replies that
    retention emptied are left out; numbers typed in a reply are replaced, and the note names
    no one."""
    return [row for _, row in _labelled(session, agency_id, since)]


def export(
    session: Session,
    agency_id: int | None,
    since: date | None,
    *,
    now: datetime,
    actor: str = "cli",
    to_file: bool = False,
) -> list[dict]:
    """``export_rows``, audited: one row in each exporting agency's audit trail (counts only)."""
    found = list(_labelled(session, agency_id, since))
    counts = Counter(owner for owner, _ in found) or Counter({agency_id: 0})
    for owner, n in sorted(counts.items(), key=lambda item: item[0] or 0):
        audit.record(
            session,
            "export_triage_corrections",
            now=now,
            username=actor,
            agency_id=owner,
            detail={
                "rows": n,
                "since": since.isoformat() if since else None,
                "every_agency": agency_id is None,
                "to_file": to_file,
            },
        )
    return [row for _, row in found]


def _labelled(session: Session, agency_id: int | None, since: date | datetime | None):
    """(agency id, labelled row) for each corrected reply, oldest correction first."""
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime.combine(since, time(), UTC)
    query = (
        select(
            TriageCorrection, Message.body, Message.triage, Agency.timezone, Agency.default_region
        )
        .join(Message, Message.id == TriageCorrection.message_id)
        .join(Agency, Agency.id == TriageCorrection.agency_id)
        .where(TriageCorrection.id.in_(latest_ids(agency_id)), Message.body != "")
        .order_by(TriageCorrection.id)
    )
    if since is not None:
        query = query.where(TriageCorrection.created_at >= since)
    for correction, body, stored, zone, region in session.execute(query):
        day = correction.created_at.astimezone(ZoneInfo(zone)).date()
        yield (
            correction.agency_id,
            {
                "text": redact_numbers(body, region),
                "cat": str(correction.category),
                "flag": flag_for(correction.category, correction.engine_callback),
                "urgent": correction.urgent,
                "opt_out": correction.opt_out,
                "lang": (stored or {}).get("language") or "und",
                "note": f"correction by commander on {day.isoformat()}",
            },
        )
