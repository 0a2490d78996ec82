"""What one inbound text reads and writes: a few SQLAlchemy Core statements in the caller's
transaction. This is the hot path (every reply); the ORM stays for pages and admin.

One read, one round trip, fetches everything a reply needs: the agency the text was sent to, an
earlier delivery of the same MessageSid, whether the number opted out, which of the languages
triage reads the agency has check-ins in, the latest text sent to the number (a check-in or a
notice) with its conversation, call and callback, and the number's latest unsolicited thread
with its callback. The writes: the conversation (inserted or updated), the text and its reply
(one INSERT), the callback (inserted or updated); praise of the call's people adds one INSERT of
its commendations (``followup.replies.commendations``). A text that a concurrent delivery of
the same MessageSid stored first is not inserted (``ON CONFLICT DO NOTHING``), so the
transaction survives to answer as that delivery did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, case, exists, or_, select, update

from followup.core.db import insert_or_ignore
from followup.models import (
    Agency,
    Call,
    Callback,
    Contact,
    Conversation,
    ConversationStep,
    FollowUp,
    Message,
    MessageDirection,
    MessageStatus,
    MessageTemplate,
)
from followup.models.calls import CHECKIN
from followup.replies.triage.language import SUPPORTED

_agencies, _messages, _contacts = Agency.__table__, Message.__table__, Contact.__table__
_conversations, _callbacks = Conversation.__table__, Callback.__table__
_followups, _calls, _templates = FollowUp.__table__, Call.__table__, MessageTemplate.__table__

# What the reply path uses of each row (and nothing more: each column is work in every request).
AGENCY_COLUMNS = (
    "id", "slug", "name", "phone", "timezone", "default_region", "reply_window_hours",
    "advanced_opt_out", "sla_urgent_minutes", "sla_high_minutes", "sla_normal_minutes",
    "alert_url", "languages", "default_language", "resources_url",
)
CONVERSATION_COLUMNS = ("id", "language", "step", "rating", "auto_texts", "last_inbound_at")
CALLBACK_COLUMNS = ("id", "message_id", "category", "priority", "status", "due_by", "reasons")
# The call's: for the reply's text, its commendations (who was on the call) and the offer of
# updates (whether the caller consented already).
CALL_COLUMNS = ("id", "external_id", "call_type", "closed_at", "created_at_cad", "received_at",
                "caller_name", "officer_name", "officer_id", "unit", "call_taker_id",
                "call_taker_name", "updates_consented_at")


@dataclass
class Thread:
    """The conversation a text belongs to, as the text finds it; the reply path changes it and
    ``changes`` says what to write."""

    id: int | None  # None: a new conversation, inserted with the text
    followup_id: int | None  # the text it answers (check-in or notice); None: unsolicited
    purpose: str | None  # that text's purpose ("checkin", "confirmation", "offer_updates"...)
    phone: str
    language: str
    step: ConversationStep
    rating: int | None
    auto_texts: int
    opened_at: datetime | None = None
    last_inbound_at: datetime | None = None
    call: Row | None = None  # the call the text was about
    callback: object | None = None  # its callbacks row, if it has one
    _read: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._read = self._state()

    def _state(self) -> dict:
        return {"language": self.language, "step": self.step, "rating": self.rating,
                "auto_texts": self.auto_texts, "last_inbound_at": self.last_inbound_at}

    def changes(self) -> dict:
        return {k: v for k, v in self._state().items() if self._read.get(k) != v or self.id is None}


@dataclass
class Context:
    """What one read found for a text."""

    agency: AgencyRow
    earlier_id: int | None  # a text stored under the same MessageSid
    opted_out: bool
    checkin_languages: set[str]  # of SUPPORTED, those the agency has an active check-in in
    thread: Thread


# Long because it is one statement: the agency's row with its subqueries, then the joins.
def _context_statement():
    """The one read (built once: SQLAlchemy caches its compiled form)."""
    a, m, cv, cb = _agencies, _messages, _conversations, _callbacks
    phone = bindparam("phone")
    to_the_agency = a.c.sms_number == bindparam("to")

    def latest_text(column):
        return (
            select(column)
            .where(m.c.agency_id == a.c.id, m.c.phone == phone,
                   m.c.direction == MessageDirection.OUTBOUND, m.c.followup_id.is_not(None))
            .order_by(m.c.created_at.desc(), m.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    checkins = [
        exists().where(_templates.c.agency_id == a.c.id, _templates.c.purpose == CHECKIN,
                       _templates.c.active.is_(True), _templates.c.language == language)
        .label(f"checkin_{language}")
        for language in SUPPORTED
    ]
    found = (
        select(
            *(a.c[name] for name in AGENCY_COLUMNS),
            select(m.c.id).where(m.c.sid == bindparam("sid")).scalar_subquery()
            .label("earlier_id"),
            exists().where(_contacts.c.agency_id == a.c.id, _contacts.c.phone == phone,
                           _contacts.c.opted_out_at.is_not(None)).label("opted_out"),
            *checkins,
            latest_text(m.c.followup_id).label("latest_followup_id"),
            latest_text(m.c.created_at).label("latest_at"),
            select(cv.c.id)
            .where(cv.c.agency_id == a.c.id, cv.c.phone == phone, cv.c.followup_id.is_(None))
            .order_by(cv.c.id.desc())
            .limit(1)
            .scalar_subquery()
            .label("thread_id"),
        )
        .where(or_(to_the_agency, a.c.slug == bindparam("slug")))
        .order_by(case((to_the_agency, 0), else_=1))
        .limit(1)
        .subquery("a")
    )
    # Short names: the statement's text stays under the length psycopg caches its parsing for.
    conversation, thread, callback = cv.alias("c"), cv.alias("t"), cb.alias("b")
    followup, call = _followups.alias("f"), _calls.alias("k")

    def prefixed(table, names, prefix):
        return [table.c[name].label(f"{prefix}{name}") for name in names]

    return select(
        found,
        followup.c.purpose.label("f_purpose"),
        followup.c.language.label("f_language"),
        *prefixed(conversation, CONVERSATION_COLUMNS, "c_"),
        *prefixed(call, CALL_COLUMNS, "k_"),
        *prefixed(thread, CONVERSATION_COLUMNS, "t_"),
        callback.c.conversation_id.label("b_conversation_id"),
        *prefixed(callback, CALLBACK_COLUMNS, "b_"),
    ).select_from(
        found.outerjoin(conversation, conversation.c.followup_id == found.c.latest_followup_id)
        .outerjoin(followup, followup.c.id == found.c.latest_followup_id)
        .outerjoin(call, call.c.id == followup.c.call_id)
        .outerjoin(thread, thread.c.id == found.c.thread_id)
        # Both conversations' callbacks: two rows when both have one.
        .outerjoin(callback, callback.c.conversation_id.in_([conversation.c.id, thread.c.id]))
    )


_CONTEXT = _context_statement()


class NoAgency(LookupError):
    """Neither the number the text was sent to nor the default slug names an agency."""


class Row:
    """One table's columns in the read's row, by their own names: read only, and cheaper than
    an ORM object (the reply path reads a few attributes of each, once)."""

    __slots__ = ("values",)

    def __init__(self, values: dict):
        self.values = values

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


class AgencyRow(Row):
    """The agency's columns the reply path uses, and its time zone (as ``Agency.zone``)."""

    __slots__ = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _part(row, prefix: str, names) -> Row | None:
    values = {name: row[f"{prefix}{name}"] for name in names}
    return Row(values) if values[names[0]] is not None else None


def read(
    connection: Connection, *, sid: str, phone: str, to: str | None, slug: str, now: datetime
) -> Context:
    """Everything a text from ``phone`` needs, in one statement."""
    rows = connection.execute(
        _CONTEXT, {"sid": sid, "phone": phone, "to": to, "slug": slug}
    ).mappings().all()
    if not rows:
        raise NoAgency(f"no agency for the number texted nor the default slug {slug!r}")
    row = rows[0]
    agency = AgencyRow({name: row[name] for name in AGENCY_COLUMNS})
    since = now - timedelta(hours=agency.reply_window_hours)
    latest_at = row["latest_at"]
    if row["latest_followup_id"] is not None and latest_at is not None and latest_at >= since:
        thread = _answering(row, agency, phone)
    else:
        thread = _unsolicited(row, agency, phone, since)
    if thread.id is not None:
        thread.callback = next(
            (_part(r, "b_", CALLBACK_COLUMNS) for r in rows
             if r["b_conversation_id"] == thread.id), None
        )
    return Context(
        agency=agency,
        earlier_id=row["earlier_id"],
        opted_out=bool(row["opted_out"]),
        checkin_languages={lang for lang in SUPPORTED if row[f"checkin_{lang}"]},
        thread=thread,
    )


def _answering(row, agency: AgencyRow, phone: str) -> Thread:
    """The conversation of the latest text sent to the number, new if it has none yet."""
    call = _part(row, "k_", CALL_COLUMNS)
    common = {
        "followup_id": row["latest_followup_id"],
        "purpose": row["f_purpose"],
        "phone": phone,
        "call": call,
    }
    found = _part(row, "c_", CONVERSATION_COLUMNS)
    if found is None:
        # Only a check-in asks questions; a reply to a notice (confirmation, delay, case
        # update) is kept, triaged and flagged, and answered only with what is always owed.
        step = (ConversationStep.AWAITING_RATING if row["f_purpose"] == CHECKIN
                else ConversationStep.CLOSED)
        return Thread(id=None, language=row["f_language"], step=step, rating=None,
                      auto_texts=1, **common)
    return Thread(id=found.id, language=found.language, step=found.step, rating=found.rating,
                  auto_texts=found.auto_texts, last_inbound_at=found.last_inbound_at, **common)


def _unsolicited(row, agency: AgencyRow, phone: str, since: datetime) -> Thread:
    """The number's unsolicited thread within the reply window, new if there is none."""
    found = _part(row, "t_", CONVERSATION_COLUMNS)
    if found is not None and found.last_inbound_at is not None and found.last_inbound_at >= since:
        return Thread(id=found.id, followup_id=None, purpose=None, phone=phone,
                      language=found.language, step=found.step, rating=found.rating,
                      auto_texts=found.auto_texts, last_inbound_at=found.last_inbound_at)
    # Unsolicited: kept, triaged and flagged like any reply, but not a conversation we lead.
    return Thread(id=None, followup_id=None, purpose=None, phone=phone,
                  language=agency.default_language, step=ConversationStep.CLOSED, rating=None,
                  auto_texts=0)


def earlier_reply(connection: Connection, message_id: int) -> str | None:
    """What a text already stored was answered with."""
    return connection.scalar(
        select(_messages.c.reply_body).where(_messages.c.id == message_id)
    )


# Built once (building a statement costs more than running this one); the lists expand.
_TEMPLATES = select(
    _templates.c.purpose, _templates.c.language, _templates.c.call_type, _templates.c.version,
    _templates.c.body,
).where(
    _templates.c.agency_id == bindparam("agency"),
    _templates.c.active.is_(True),
    _templates.c.purpose.in_(bindparam("purposes", expanding=True)),
    _templates.c.language.in_(bindparam("languages", expanding=True)),
)


def templates(
    connection: Connection, agency: AgencyRow, purposes: tuple[str, ...], languages: set[str]
) -> list:
    """The agency's active templates of ``purposes`` in ``languages`` (rows)."""
    return connection.execute(
        _TEMPLATES,
        {"agency": agency.id, "purposes": list(purposes), "languages": sorted(languages)},
    ).all()


_STATEMENTS: dict[tuple[str, str], object] = {}


def _statement(dialect: str, name: str):
    """INSERTs that skip a row a concurrent request stored first, built once per dialect."""
    key = (dialect, name)
    if key not in _STATEMENTS:
        if name == "conversation":
            built = insert_or_ignore(dialect, _conversations, "followup_id").returning(
                _conversations.c.id
            )
        else:
            built = insert_or_ignore(dialect, _messages, "sid").returning(
                _messages.c.id, _messages.c.sid
            )
        _STATEMENTS[key] = built
    return _STATEMENTS[key]


def insert_thread(connection: Connection, agency: AgencyRow, thread: Thread, now: datetime):
    """Insert the new conversation as the text leaves it; its id, or None when a concurrent
    reply to the same text created it first."""
    thread.opened_at = now
    values = {"agency_id": agency.id, "followup_id": thread.followup_id, "phone": thread.phone,
              "opened_at": now, **thread.changes()}
    thread.id = connection.execute(
        _statement(connection.dialect.name, "conversation"), values
    ).scalar()
    return thread.id


def update_thread(connection: Connection, thread: Thread) -> None:
    changed = thread.changes()
    if changed:
        connection.execute(
            update(_conversations).where(_conversations.c.id == thread.id).values(**changed)
        )


def delete_thread(connection: Connection, thread_id: int) -> None:
    """Remove a conversation this request inserted for a text another delivery stored first."""
    connection.execute(_conversations.delete().where(_conversations.c.id == thread_id))


def insert_texts(connection: Connection, inbound: dict, reply: dict | None) -> int | None:
    """Insert the caller's text and, when one is owed, its reply, in one statement; return the
    text's id, or None when a delivery of the same MessageSid stored it first (the reply row
    is then removed again)."""
    rows = [inbound] if reply is None else [inbound, reply]
    stored = connection.execute(
        _statement(connection.dialect.name, "messages"), rows
    ).all()
    ids = {sid: message_id for message_id, sid in stored}
    if inbound["sid"] in ids:
        return ids[inbound["sid"]]
    extra = [message_id for message_id, sid in stored if sid is None]
    if extra:
        connection.execute(_messages.delete().where(_messages.c.id.in_(extra)))
    return None


def text_row(agency: AgencyRow, thread: Thread, now: datetime, **values) -> dict:
    """A messages row of ``thread``: every column given, so the rows of one INSERT match."""
    return {
        "agency_id": agency.id, "followup_id": None, "phone": thread.phone, "purpose": None,
        "sid": None, "error_code": None, "conversation_id": thread.id, "media_urls": [],
        "segments": None, "category": None, "triage": None, "reply_body": None,
        "commendation": None, "created_at": now, "updated_at": now, **values,
    }


def reply_row(agency: AgencyRow, thread: Thread, purpose: str, body: str, now: datetime) -> dict:
    return text_row(agency, thread, now, direction=MessageDirection.OUTBOUND, body=body,
                    purpose=purpose, status=MessageStatus.SENT, gateway="twiml")


def save_callback(connection: Connection, thread: Thread, values: dict) -> int:
    """Insert the conversation's callback, or update the one it has; return its id."""
    c = _callbacks
    if thread.callback is None:
        return connection.execute(
            c.insert().returning(c.c.id), {"conversation_id": thread.id, **values}
        ).scalar_one()
    connection.execute(update(c).where(c.c.id == thread.callback.id).values(**values))
    return thread.callback.id

