"""Peer benchmarking: an opted-in agency's figures beside the quartiles of the other opted-in
agencies, never a name or a count, and nothing at all with fewer than three peers.

October 2026, by hand (each agency's calls closed in October in its own zone):

    agency               opted in  sent  replied  ratings   category    reply rate  mean  sat.
    Westlake (default)   yes         20       10  5 x 10    positive    0.50        5.0   1.0
    Ashford              yes         40       10  1 x 10    negative    0.25        1.0   0.0
    Brookfield           yes         20       10  3 x 10    neutral     0.50        3.0   0.0
    Cedar Falls (L.A.)   yes         10       10  4 x 10    positive    1.00        4.0   1.0
    Dunmore              no          10       10  2 x 10    negative    (never counted)

Cedar Falls is in Los Angeles: its calls closed 2026-11-01 05:00 UTC are October 31 there.
Westlake's peers (inclusive quartiles of three values a <= b <= c: (a+b)/2, b, (b+c)/2):
reply rate 0.25, 0.5, 1.0 -> 0.375, 0.5, 0.75; mean rating 1, 3, 4 -> 2.0, 3.0, 3.5;
satisfied 0, 0, 1 -> 0, 0, 0.5; no callbacks anywhere: no SLA figure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from followup.agencies.registry import AgencySettings, create_agency
from followup.models import Agency
from followup.reports import peers
from followup.staff import users
from tests.support.board_seed import seed, spec_rows
from tests.support.web import PASSWORD, sign_in

OCTOBER = datetime(2026, 10, 14, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
START, END = date(2026, 10, 1), date(2026, 10, 31)


def _agency(db, slug, name, zone="America/New_York") -> int:
    with db.begin() as session:
        return create_agency(session, slug, AgencySettings(name=name, timezone=zone), now=NOW).id


def _replies(count, rating, category, at=OCTOBER, unanswered=0):
    return spec_rows(count, closed_at=at, reply="A reply with some words", rating=rating,
                     category=category) + spec_rows(unanswered, closed_at=at)


@pytest.fixture
def world(db, agency):
    ids = {
        "westlake": agency.id,
        "ashford": _agency(db, "ashford", "Ashford PD"),
        "brookfield": _agency(db, "brookfield", "Brookfield PD"),
        "cedar": _agency(db, "cedar-falls", "Cedar Falls PD", "America/Los_Angeles"),
        "dunmore": _agency(db, "dunmore", "Dunmore PD"),
    }
    seed(db, ids["westlake"], _replies(10, 5, "positive", unanswered=10))
    seed(db, ids["ashford"], _replies(10, 1, "negative", unanswered=30))
    seed(db, ids["brookfield"], _replies(10, 3, "neutral", unanswered=10))
    seed(db, ids["cedar"], _replies(10, 4, "positive",
                                    at=datetime(2026, 11, 1, 5, 0, tzinfo=UTC)))
    seed(db, ids["dunmore"], _replies(10, 2, "negative"))
    opt_in(db, "westlake", "ashford", "brookfield", "cedar-falls")
    return ids


def opt_in(db, *slugs, on=True):
    slugs = ["default" if s == "westlake" else s for s in slugs]
    with db.begin() as session:
        session.execute(update(Agency).where(Agency.slug.in_(slugs)).values(peer_benchmark=on))


def compare(db, agency_id):
    with db.Session() as session:
        return peers.compare(session, session.get(Agency, agency_id), START, END)


def test_an_agency_sees_its_figures_beside_its_peers_quartiles(db, world):
    found = compare(db, world["westlake"])

    assert found.opted_in == 3
    assert found.own == {"reply_rate": 0.5, "rating_mean": 5.0, "satisfied_share": 1.0,
                         "sla_share": None}
    assert found.peers["reply_rate"] == peers.Quartiles(0.375, 0.5, 0.75, 3)
    assert found.peers["rating_mean"] == peers.Quartiles(2.0, 3.0, 3.5, 3)
    assert found.peers["satisfied_share"] == peers.Quartiles(0.0, 0.0, 0.5, 3)
    assert found.peers["sla_share"] is None
    assert found.own_mix == {"positive": 1.0}
    assert found.peer_mix["negative"] == peers.Quartiles(0.0, 0.0, 0.5, 3)
    assert found.peer_mix["positive"] == peers.Quartiles(0.0, 0.0, 0.5, 3)


def test_nothing_is_compared_with_fewer_than_three_peers(db, world):
    opt_in(db, "cedar-falls", on=False)
    found = compare(db, world["westlake"])
    assert found.opted_in == 2
    assert set(found.peers.values()) == {None} and set(found.peer_mix.values()) == {None}


def test_an_agency_that_does_not_share_sees_nothing_of_the_others(db, world):
    assert compare(db, world["dunmore"]) is None


def test_the_peers_page_names_no_other_agency(client, db, clock, world):
    with db.begin() as session:  # Westlake's viewer (make_user takes any agency)
        users.create_user(session, session.get(Agency, world["westlake"]), "viewer_a",
                          "viewer", PASSWORD, now=clock.now())
    sign_in(client, "viewer_a")
    html = client.get("/reports/peers?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    assert 'data-metric="reply_rate"' in html and "37.5%" in html and "75.0%" in html
    for name in ("Ashford", "Brookfield", "Cedar Falls", "Dunmore"):
        assert name not in html

    opt_in(db, "westlake", on=False)
    html = client.get("/reports/peers").get_data(as_text=True)
    assert "data-peers-off" in html and "data-metric" not in html
