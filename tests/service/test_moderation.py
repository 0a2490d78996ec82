"""Publishing comments: what the queue offers (never a crisis or a conduct reply), each decision
and its audit row, refusals that change nothing, and the board reading only approved words.

Replies are seeded for calls closed in October 2026 at Westlake (the default agency); "now" is
2026-11-23, so the board's period starts 2025-12-01. Numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from followup.models import (
    Agency,
    AuditEvent,
    CommentReview,
    Message,
    ReviewDecision,
    User,
)
from followup.reports import moderation, public, stamps
from followup.reports.facts import day_number
from followup.staff import users
from tests.support.board_seed import Spec, seed
from tests.support.web import make_user, sign_in, token

OCTOBER = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)
SINCE = date(2025, 12, 1)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

OFFERED = {
    "praise": ("Officer Smith was great, call me at 202-555-0143 anytime", "positive"),
    "slow": ("Took two hours to come out, not good enough", "negative"),
    "unresolved": ("Still nobody has fixed the streetlight outside", "unresolved"),
}
NEVER = {
    "crisis": ("He is back outside my house right now with a knife", "crisis"),
    "conduct": ("The officer was rude and shoved my brother for no reason", "conduct"),
    "stop": ("STOP texting me please, I mean it", "opt_out"),
    "wrong": ("Wrong number, I never called the police", "wrong_number"),
    "short": ("5 thanks", "positive"),
}


@pytest.fixture
def replies(db, agency) -> dict[str, int]:
    """The message id of each reply above, plus one before the period and one whose
    conversation later turned to a crisis."""
    names = list(OFFERED) + list(NEVER)
    specs = [
        Spec(OCTOBER, reply=text, category=category, rating=4 if category == "positive" else 2,
             commendation="Officer Smith" if name == "praise" else None)
        for name, (text, category) in (OFFERED | NEVER).items()
    ]
    specs.append(Spec(datetime(2025, 11, 20, 15, 0, tzinfo=UTC), reply="Old call, fine thanks"))
    specs.append(Spec(OCTOBER, reply="Thank you for coming so quickly"))
    ids = seed(db, agency.id, specs)
    found = dict(zip([*names, "old", "later_crisis"], ids, strict=True))
    return found


def _crisis_after(db, message_id: int) -> None:
    """A second reply in the same conversation: danger."""
    with db.begin() as session:
        first = session.get(Message, message_id)
        at = first.created_at + timedelta(hours=1)
        session.add(Message(
            agency_id=first.agency_id, direction="inbound", phone=first.phone,
            body="he came back and is banging on the door", status="received",
            gateway="twilio", sid="SMcrisisafter000000000000000000001",
            conversation_id=first.conversation_id, media_urls=[], category="crisis",
            created_at=at, updated_at=at,
        ))


def commander(db, clock, agency_id: int, username: str = "sgt_lee") -> int:
    with db.begin() as session:
        return users.create_user(
            session, session.get(Agency, agency_id), username, "commander",
            "correct horse battery", now=clock.now(),
        ).id


def offered_ids(db, agency_id) -> set[int]:
    with db.Session() as session:
        waiting, total = moderation.queue(
            session, session.get(Agency, agency_id), since=SINCE, per_page=100
        )
    assert total == len(waiting)
    return {c.message_id for c in waiting}


def test_the_queue_offers_comments_and_never_danger_conduct_keywords_or_ratings(db, replies):
    assert offered_ids(db, 1) == {
        replies["praise"], replies["slow"], replies["unresolved"], replies["later_crisis"]
    }
    _crisis_after(db, replies["later_crisis"])
    assert replies["later_crisis"] not in offered_ids(db, 1)


def test_the_queue_shows_no_number_and_proposes_a_redaction(db, replies):
    with db.Session() as session:
        waiting, _ = moderation.queue(session, session.get(Agency, 1), since=SINCE)
    praise = next(c for c in waiting if c.message_id == replies["praise"])
    assert praise.shown == "Officer Smith was great, call me at [number removed] anytime"
    assert praise.proposal.text == "Officer [name] was great, call me at [number] anytime"
    assert praise.commendation and praise.rating == 4 and praise.closed_on == date(2026, 10, 5)


def test_approving_publishes_the_reviewers_words_and_audits_no_words(db, clock, replies):
    user_id = commander(db, clock, 1)
    with db.Session() as session:
        before = stamps.read(session, 1)
    with db.begin() as session:
        review = moderation.approve(
            session, session.get(Agency, 1), replies["praise"],
            "  Officer [name] was   great ", user=session.get(User, user_id), now=NOW,
        )
        review_id = review.id
    with db.Session() as session:
        review = session.get(CommentReview, review_id)
        assert review.decision == ReviewDecision.APPROVED and review.kind == "commendation"
        assert review.text == "Officer [name] was great" and review.edited == 1
        assert review.day == day_number(date(2026, 10, 5)) and review.decided_by_id == user_id
        row = session.scalar(select(AuditEvent).where(AuditEvent.action == "comment_approved"))
        assert (row.object_type, row.object_id, row.user_id) == ("message", replies["praise"],
                                                                 user_id)
        assert row.detail == {"kind": "commendation", "edited": True}
        assert stamps.read(session, 1)[1] == before[1] + 1
    assert replies["praise"] not in offered_ids(db, 1)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Officer Smith was great, call me at 202-555-0143", "a phone number"),
        ("write to me at jo@example.com", "an e-mail address"),
        ("   ", "empty"),
        ("x" * 1001, "at most 1000"),
    ],
)
def test_an_approval_that_would_publish_contact_details_is_refused(db, clock, replies, text, why):
    user_id = commander(db, clock, 1)
    with db.begin() as session, pytest.raises(moderation.ModerationError, match=why):
        moderation.approve(session, session.get(Agency, 1), replies["praise"], text,
                           user=session.get(User, user_id), now=NOW)
    with db.Session() as session:
        assert session.scalar(select(CommentReview.id)) is None
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action.like("comment_%"))) is None


@pytest.mark.parametrize("name", ["crisis", "conduct", "stop", "short"])
def test_a_reply_never_offered_cannot_be_approved_from_a_forged_form(db, clock, replies, name):
    user_id = commander(db, clock, 1)
    with db.begin() as session, pytest.raises(moderation.ModerationError, match="cannot be"):
        moderation.approve(session, session.get(Agency, 1), replies[name], "Fine words",
                           user=session.get(User, user_id), now=NOW)


def test_one_decision_per_reply_then_withdrawing_takes_it_off_the_board(db, clock, replies):
    user_id = commander(db, clock, 1)
    with db.begin() as session:
        agency, user = session.get(Agency, 1), session.get(User, user_id)
        review = moderation.approve(session, agency, replies["slow"], "Took two hours",
                                    user=user, now=NOW)
        review_id = review.id
        moderation.decline(session, agency, replies["unresolved"], user=user, now=NOW)
    with db.begin() as session, pytest.raises(moderation.ModerationError, match="already"):
        moderation.decline(session, session.get(Agency, 1), replies["slow"],
                           user=session.get(User, user_id), now=NOW)
    since = day_number(SINCE)
    with db.Session() as session:
        assert [c.text for c in moderation.board_comments(session, 1, since_day=since)] == [
            "Took two hours"
        ]
    with db.begin() as session:
        moderation.withdraw(session, session.get(Agency, 1), review_id,
                            user=session.get(User, user_id), now=NOW)
    with db.begin() as session, pytest.raises(moderation.ModerationError, match="not published"):
        moderation.withdraw(session, session.get(Agency, 1), review_id,
                            user=session.get(User, user_id), now=NOW)
    with db.Session() as session:
        assert moderation.board_comments(session, 1, since_day=since) == []
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("comment_%")).order_by(AuditEvent.id)).all()
        assert actions == ["comment_approved", "comment_declined", "comment_withdrawn"]
        assert session.get(CommentReview, review_id).text is None


def test_a_published_comment_leaves_the_board_when_its_conversation_turns_to_danger(
    db, clock, replies
):
    user_id = commander(db, clock, 1)
    with db.begin() as session:
        moderation.approve(session, session.get(Agency, 1), replies["later_crisis"],
                           "Thank you for coming so quickly", user=session.get(User, user_id),
                           now=NOW)
    _crisis_after(db, replies["later_crisis"])
    with db.Session() as session:
        assert moderation.board_comments(session, 1, since_day=day_number(SINCE)) == []


def test_another_agencys_reply_cannot_be_decided(db, clock, replies):
    from followup.agencies.registry import AgencySettings, create_agency

    with db.begin() as session:
        other = create_agency(session, "eastport", AgencySettings(name="Eastport PD"), now=NOW)
        other_id = other.id
    user_id = commander(db, clock, other_id, "sgt_east")
    with db.begin() as session, pytest.raises(moderation.ModerationError):
        moderation.approve(session, session.get(Agency, other_id), replies["slow"], "Words",
                           user=session.get(User, user_id), now=NOW)


# --- the page -------------------------------------------------------------------------------


def test_commanders_publish_from_the_queue_page_and_viewers_cannot_open_it(
    client, app, db, clock, replies
):
    make_user(db, clock, "viewer_a", "viewer")
    make_user(db, clock, "sgt_page", "commander")
    viewer = app.test_client()
    sign_in(viewer, "viewer_a")
    assert viewer.get("/reports/moderation").status_code == 403

    sign_in(client, "sgt_page")
    page = client.get("/reports/moderation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Officer [name] was great, call me at [number] anytime" in html  # the proposal
    assert "202-555-0143" not in html
    for text, _ in NEVER.values():
        assert text not in html
    assert "data-board-off" in html

    answer = client.post(
        f"/reports/moderation/{replies['praise']}/approve",
        data={"csrf_token": token(html), "text": "Officer [name] was great"},
    )
    assert answer.status_code == 303
    refused = client.post(
        f"/reports/moderation/{replies['slow']}/approve",
        data={"csrf_token": token(html), "text": "call 202-555-0143"},
    )
    assert refused.status_code == 303
    follow = client.get("/reports/moderation").get_data(as_text=True)
    assert "still holds a phone number" in follow
    client.post(f"/reports/moderation/{replies['slow']}/decline",
                data={"csrf_token": token(html)})

    with db.Session() as session:
        decided = dict(
            session.execute(select(CommentReview.message_id, CommentReview.decision)).all()
        )
        views = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "view_moderation_queue")).all()
    assert decided == {replies["praise"]: "approved", replies["slow"]: "declined"}
    assert views and all(set(v) == {"page"} for v in views)
    with db.Session() as session:
        board = public.build(session, session.get(Agency, 1), today=date(2026, 11, 23), now=NOW)
    assert [c.text for c in board.commendations] == ["Officer [name] was great"]
