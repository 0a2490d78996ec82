"""Retention: remove callers' numbers, names and words once an agency's retention period is over.

The rows stay, so counts, ratings, categories, outcomes and the audit trail are unchanged; only
the personal fields are emptied:

============================  ============================================================
messages                      phone and body -> "" (both NOT NULL), reply_body -> NULL,
                              media_urls -> [] (links to pictures the caller sent)
calls                         caller_phone, caller_name, updates_phone -> NULL
followups                     phone -> NULL
conversations                 phone -> ""
callback_events               note -> NULL (free text a commander wrote about the caller)
triage_corrections            note -> NULL (a commander's note on a correction of triage)
contacts                      rows deleted, except opted-out numbers
case_links                    rows deleted: a case page's link expires with retention
============================  ============================================================

Kept on purpose:

* The opt-out list (contacts with ``opted_out_at``). Deleting it would let a number that said
  STOP be texted again by the next call it makes: the law (TCPA) and the caller's trust both
  need it kept for as long as the service runs.
* Everything tied to a callback that is not resolved yet: a commander still has to call back.
* Anything the service's own rules still read: the effective period is at least the agency's
  frequency cap (which reads follow-ups' numbers) and its reply window (which matches replies
  to texts by number), so a short setting cannot make the service text someone twice or lose
  a reply.
* Triage reasons, categories, ratings and commendations (the officer, unit or call-taker
  praised, not the caller: the ``commendations`` rows too),
  alert rows (a roster member's id or the agency's URL), roster members' numbers (staff, not
  callers), and audit rows (which never hold a number or a body).

Every sweep is safe to run twice: a second run finds nothing left to remove.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from followup.core.clock import Clock
from followup.core.db import Database
from followup.models import (
    Agency,
    AuditEvent,
    Call,
    Callback,
    CallbackEvent,
    CallbackStatus,
    CaseLink,
    CaseUpdate,
    Contact,
    Conversation,
    FollowUp,
    FollowUpStatus,
    Message,
    TriageCorrection,
)
from followup.staff import audit

logger = logging.getLogger(__name__)

ACTION = "purge"
TABLES = (
    "messages",
    "calls",
    "followups",
    "case_updates",
    "conversations",
    "callback_events",
    "triage_corrections",
    "contacts",
    "case_links",
)
# The daily job checks every hour and purges an agency once its last purge is this old, so a
# restart, or several sender processes, do not purge more often than about once a day.
DAILY = timedelta(hours=23)


class PurgeError(ValueError):
    """The purge cannot run as asked (an unknown agency); nothing was changed."""


@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove): rows per table, no contents."""

    agency: str
    configured_days: int
    retention_days: int  # what was applied: never shorter than the rules need
    cutoff: datetime
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    held: int = 0  # conversations past the cutoff kept because their callback is open

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        parts = " ".join(f"{table}={self.counts.get(table, 0)}" for table in TABLES)
        note = (
            f" (set {self.configured_days}, raised to what the rules need)"
            if self.retention_days != self.configured_days
            else ""
        )
        return (
            f"{self.agency}: {verb} numbers and words older than {self.retention_days} days"
            f"{note}, before {self.cutoff:%Y-%m-%d %H:%M} UTC: {parts} "
            f"held_for_open_callbacks={self.held}"
        )


def effective_retention_days(agency: Agency) -> int:
    """The retention period applied: the agency's, raised to what its own rules still read."""
    return max(
        1,
        agency.retention_days or 0,
        agency.frequency_cap_days or 0,
        math.ceil((agency.reply_window_hours or 0) / 24),
    )


# Long because the table of what is emptied (one entry per table) reads best in one place.
def purge_agency(
    session: Session,
    agency: Agency,
    *,
    now: datetime,
    dry_run: bool = False,
    actor: str = "system",
) -> PurgeReport:
    """Empty the personal fields older than the agency's retention period (the caller commits).

    A dry run counts the same rows and changes nothing, the audit trail included.
    """
    days = effective_retention_days(agency)
    cutoff = now - timedelta(days=days)
    report = PurgeReport(agency.slug, agency.retention_days, days, cutoff, dry_run)

    # Conversations whose callback is still open or claimed, and what hangs off them.
    held_conversations = select(Callback.conversation_id).where(
        Callback.agency_id == agency.id, Callback.status != CallbackStatus.RESOLVED
    )
    held_followups = select(Conversation.followup_id).where(
        Conversation.id.in_(held_conversations), Conversation.followup_id.is_not(None)
    )
    busy_calls = select(FollowUp.call_id).where(
        FollowUp.agency_id == agency.id,
        or_(FollowUp.id.in_(held_followups), FollowUp.status.in_(FollowUpStatus.pending())),
    )
    resolved_callbacks = select(Callback.id).where(
        Callback.agency_id == agency.id, Callback.status == CallbackStatus.RESOLVED
    )
    conversation_age = func.coalesce(Conversation.last_inbound_at, Conversation.opened_at)

    targets = [
        (
            "messages",
            Message,
            [
                Message.agency_id == agency.id,
                Message.created_at < cutoff,
                or_(Message.phone != "", Message.body != "", Message.reply_body.is_not(None)),
                or_(
                    Message.conversation_id.is_(None),
                    Message.conversation_id.not_in(held_conversations),
                ),
                or_(Message.followup_id.is_(None), Message.followup_id.not_in(held_followups)),
            ],
            {"phone": "", "body": "", "reply_body": None, "media_urls": []},
        ),
        (
            "calls",
            Call,
            [
                Call.agency_id == agency.id,
                Call.updated_at < cutoff,
                or_(
                    Call.caller_phone.is_not(None),
                    Call.caller_name.is_not(None),
                    Call.updates_phone.is_not(None),
                ),
                Call.id.not_in(busy_calls),
            ],
            {"caller_phone": None, "caller_name": None, "updates_phone": None},
        ),
        (
            "followups",
            FollowUp,
            [
                FollowUp.agency_id == agency.id,
                FollowUp.updated_at < cutoff,
                FollowUp.phone.is_not(None),
                FollowUp.status.not_in(FollowUpStatus.pending()),
                FollowUp.id.not_in(held_followups),
            ],
            {"phone": None},
        ),
        (
            # The number the victim confirmed for case updates (the event's detail stays: it
            # names staff and courts, not the caller).
            "case_updates",
            CaseUpdate,
            [
                CaseUpdate.agency_id == agency.id,
                CaseUpdate.created_at < cutoff,
                CaseUpdate.notify_phone.is_not(None),
                CaseUpdate.call_id.not_in(busy_calls),
            ],
            {"notify_phone": None},
        ),
        (
            "conversations",
            Conversation,
            [
                Conversation.agency_id == agency.id,
                conversation_age < cutoff,
                Conversation.phone != "",
                Conversation.id.not_in(held_conversations),
            ],
            {"phone": ""},
        ),
        (
            "callback_events",
            CallbackEvent,
            [
                CallbackEvent.callback_id.in_(resolved_callbacks),
                CallbackEvent.created_at < cutoff,
                CallbackEvent.note.is_not(None),
            ],
            {"note": None},
        ),
        (
            "triage_corrections",
            TriageCorrection,
            [
                TriageCorrection.agency_id == agency.id,
                TriageCorrection.created_at < cutoff,
                TriageCorrection.note.is_not(None),
                TriageCorrection.message_id.not_in(
                    select(Message.id).where(Message.conversation_id.in_(held_conversations))
                ),
            ],
            {"note": None},
        ),
    ]
    for name, model, conditions, values in targets:
        count = session.scalar(select(func.count()).select_from(model).where(*conditions))
        report.counts[name] = count or 0
        if count and not dry_run:
            session.execute(
                update(model).where(*conditions).values(**values),
                execution_options={"synchronize_session": False},
            )

    deleted = [
        (
            "contacts",
            Contact,
            [
                Contact.agency_id == agency.id,
                Contact.opted_out_at.is_(None),
                Contact.updated_at < cutoff,
            ],
        ),
        # Links to case pages sent before the cutoff (they stopped working then already).
        ("case_links", CaseLink, [CaseLink.agency_id == agency.id, CaseLink.created_at < cutoff]),
    ]
    for name, model, conditions in deleted:
        count = session.scalar(select(func.count()).select_from(model).where(*conditions))
        report.counts[name] = count or 0
        if count and not dry_run:
            session.execute(
                delete(model).where(*conditions),
                execution_options={"synchronize_session": False},
            )

    report.held = (
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(
                Conversation.id.in_(held_conversations),
                conversation_age < cutoff,
                Conversation.phone != "",
            )
        )
        or 0
    )
    if not dry_run:
        audit.record(
            session,
            ACTION,
            now=now,
            username=actor,
            agency_id=agency.id,
            object_type="agency",
            object_id=agency.id,
            detail={
                "retention_days": days,
                "cutoff": cutoff.isoformat(),
                "removed": dict(report.counts),
                "held_for_open_callbacks": report.held,
            },
        )
    return report


def purge(
    db: Database,
    clock: Clock,
    *,
    agency_slug: str | None = None,
    dry_run: bool = False,
    actor: str = "system",
) -> list[PurgeReport]:
    """Purge one agency, or every agency, each in its own transaction."""
    with db.Session() as session:
        query = select(Agency.id).order_by(Agency.slug)
        if agency_slug is not None:
            query = query.where(Agency.slug == agency_slug)
        agency_ids = list(session.scalars(query))
    if agency_slug is not None and not agency_ids:
        raise PurgeError(f"no agency {agency_slug!r} (see `followup agency list`)")
    reports = []
    for agency_id in agency_ids:
        with db.begin() as session:
            agency = session.get(Agency, agency_id)
            report = purge_agency(session, agency, now=clock.now(), dry_run=dry_run, actor=actor)
        reports.append(report)
        if not dry_run:
            logger.info("purge: %s", report)  # counts only
    return reports


def purge_if_due(db: Database, clock: Clock) -> list[PurgeReport]:
    """The daily job: purge each agency whose last purge is older than a day."""
    now = clock.now()
    with db.Session() as session:
        last = dict(
            session.execute(
                select(AuditEvent.agency_id, func.max(AuditEvent.at))
                .where(AuditEvent.action == ACTION)
                .group_by(AuditEvent.agency_id)
            ).all()
        )
        agencies = list(session.execute(select(Agency.id, Agency.slug).order_by(Agency.slug)))
    reports = []
    for agency_id, slug in agencies:
        previous = last.get(agency_id)
        if previous is not None and _aware(previous) > now - DAILY:
            continue
        reports.extend(purge(db, clock, agency_slug=slug, actor="scheduler"))
    return reports


def _aware(value: datetime) -> datetime:
    """An aggregate (max) comes back from SQLite as naive UTC text or datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
