"""The offer of case updates (``offer_updates``), and the caller's YES to it.

When the records system posts a case update and nobody recorded the victim's consent, an agency
with offers on (``case_update_offers``, off by default, and case updates on) plans one offer text
for the call: "Westlake Police can text you when case 26-118842 changes (detective assigned,
arrest, report ready). Reply YES for updates." At most one per call, whatever happens to it (the
follow-ups' unique index on call and purpose). It keeps every rule of the other texts
(``followup.eligibility.notices``): never about a sensitive call (an offer is itself a text about
the call), never to an opted-out number, quiet hours apply, and none when consent is already
recorded.

A reply of YES (Y, yep, yeah, SI; "yes please" too; not "ok", which may acknowledge anything) in
the offer's conversation, that is from the number the offer went to while the offer is the latest
text sent to it and within the agency's reply window, records consent for that call: when, and from
which number (audited as ``caller``). The updates that waited for it (skipped for ``no_consent``
since the offer was planned) are scheduled again, to that number, and the later ones go as they
come. Any other reply to the offer gets no automatic answer (no check-in questions); it is kept and
triaged like any reply.

YES is also a carrier keyword: after STOP it re-subscribes. So a number that sent STOP gets no
offer, and a YES from a number that is opted out only re-subscribes it (the inbound path's
opt-in, as before): it does not consent, because it answers the carrier's "reply YES to get
texts again" as much as our offer. Once subscribed again, a second YES while the offer is still
the latest text consents.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followup.eligibility import notices
from followup.models import (
    Agency,
    Call,
    CaseUpdate,
    FollowUp,
    FollowUpStatus,
    Purpose,
    SkipReason,
)
from followup.replies.triage.text import bare
from followup.staff import audit
from followup.texts.languages import choose_language

logger = logging.getLogger(__name__)

YES_WORDS = frozenset({"YES", "Y", "YEP", "YEAH", "SI"})
# Words around a YES that do not change it: "yes please", "si gracias".
_COMPANIONS = frozenset({"PLEASE", "PLS", "THANKS", "THANK", "YOU", "POR", "FAVOR", "GRACIAS"})
ACTION = "updates_consented"  # the audit row of a consent given by reply


def is_yes(body: str) -> bool:
    core = [word for word in bare(body).split() if word not in _COMPANIONS]
    return len(core) == 1 and core[0] in YES_WORDS


def is_offer(followup) -> bool:
    """Whether a conversation's text (a ``FollowUp``, or the inbound path's ``Thread``: anything
    with the text's ``purpose``) is the offer of updates (its replies are read here)."""
    return followup is not None and followup.purpose == notices.OFFER


def plan(session: Session, agency: Agency, call: Call, *, now: datetime) -> FollowUp | None:
    """Plan the call's offer of updates unless the agency does not offer or the call has one
    already; scheduled or skipped with its reason, like every text. The caller commits."""
    if not (agency.case_update_texts and agency.case_update_offers):
        return None
    exists = select(FollowUp.id).where(
        FollowUp.call_id == call.id, FollowUp.purpose == notices.OFFER
    )
    if session.scalar(exists) is not None:
        return None
    offer = FollowUp(
        agency_id=agency.id,
        call_id=call.id,
        purpose=notices.OFFER,
        phone=call.caller_phone,
        language=choose_language(session, agency, call.language),
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    decision = notices.evaluate(
        session, agency, call, notices.OFFER, now=now,
        phone_given=call.caller_phone is not None, followup=offer,
    )
    offer.status = FollowUpStatus.SCHEDULED if decision.eligible else FollowUpStatus.SKIPPED
    offer.reason = decision.reason
    offer.send_at = now if decision.eligible else None  # quiet hours: the sender waits
    try:
        with session.begin_nested():
            session.add(offer)
    except IntegrityError:
        return None  # a twin request planned the call's offer first
    return offer


def answer(call, body: str) -> str | None:
    """The text owed for a reply to the offer about ``call`` (a ``Call``, or the inbound path's
    row of it): the confirmation of a YES that consents now; None for anything else, a YES
    again included (nothing new to confirm). The number is not opted out: the inbound path
    checked. ``consent`` records it once the reply is stored."""
    if call is None or not is_yes(body) or call.updates_consented_at is not None:
        return None
    return Purpose.UPDATES_CONSENTED


def consent(
    session: Session,
    agency,
    *,
    call_id: int,
    offer_id: int,
    phone: str,
    message_id: int,
    now: datetime,
) -> None:
    """Record the YES (message ``message_id``, from ``phone``) to the offer ``offer_id`` as
    consent for the call, and release the updates that waited for it. Rare: the call and the
    offer are loaded here, by id. ``agency``: an ``Agency`` or the inbound path's row of it.
    The caller commits."""
    call = session.get(Call, call_id)
    offer = session.get(FollowUp, offer_id)
    call.updates_consented_at = now
    call.updates_phone = phone
    audit.record(
        session,
        ACTION,
        now=now,
        username="caller",
        agency_id=agency.id,
        object_type="call",
        object_id=call.id,
        detail={"via": "reply YES to the offer of updates", "message_id": message_id},
    )
    released = _release_waiting(session, call, offer, phone, now)
    logger.info(
        "case updates consented by reply: agency=%s call=%s released=%s",
        agency.slug, call.id, released,
    )


def _release_waiting(
    session: Session, call: Call, offer: FollowUp, phone: str, now: datetime
) -> int:
    """Schedule again the call's updates that waited for consent since the offer; to ``phone``
    (the number that said YES, now the one the victim confirmed). Return how many."""
    waiting = session.scalars(
        select(FollowUp)
        .where(
            FollowUp.call_id == call.id,
            FollowUp.purpose.startswith(notices.UPDATE_PREFIX),
            FollowUp.status == FollowUpStatus.SKIPPED,
            FollowUp.reason == SkipReason.NO_CONSENT,
            FollowUp.created_at >= offer.created_at,
        )
        .order_by(FollowUp.id)
    ).all()
    for followup in waiting:
        update: CaseUpdate | None = followup.case_update
        if update is not None:
            update.notify_phone = phone
        followup.phone = phone
        followup.status, followup.reason = FollowUpStatus.SCHEDULED, None
        followup.send_at = followup.updated_at = now  # re-checked by the sender, quiet hours too
    return len(waiting)
