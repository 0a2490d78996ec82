"""Who did not answer: reply rates by group, and the mean rating weighted for non-response.

October 2026 at Westlake, one call type, language and shift, written by hand:

    district  delivered  sent  replied  ratings
    North     yes          40       20  5 x 20
    South     yes          30       10  1 x 10
    South     no           10        0
    East      yes          10        3  2 x 3

Raw mean: (100 + 10 + 6) / 33 = 3.52. Cells with fewer than 10 ratings (South undelivered, 0;
East, 3) are pooled: they share nothing but the whole, so they become one cell (sent 20, rated
3, mean 2). Weighted by who was texted: (40 x 5 + 30 x 1 + 20 x 2) / 90 = 3.00. The groups
that answer less often rated lower: the raw mean overstates satisfaction by 0.52.
Share satisfied: raw 20 / 33 = 60.6%; weighted (40 x 1 + 30 x 0 + 20 x 0) / 90 = 44.4%.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from followup.models import Agency
from followup.reports import nonresponse
from followup.reports.filters import ReportFilter
from tests.support.board_seed import seed, spec_rows
from tests.support.web import make_user, sign_in

AT = datetime(2026, 10, 14, 15, 0, tzinfo=UTC)
OCTOBER = ReportFilter(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def seeded(db, agency):
    seed(
        db,
        agency.id,
        spec_rows(20, closed_at=AT, reply="Very good, thanks", rating=5)
        + spec_rows(20, closed_at=AT)
        + spec_rows(10, closed_at=AT, district="South", reply="Bad, slow", rating=1,
                    category="negative")
        + spec_rows(20, closed_at=AT, district="South")
        + spec_rows(10, closed_at=AT, district="South", delivered=False)
        + spec_rows(3, closed_at=AT, district="East", reply="So-so, ok", rating=2,
                    category="negative")
        + spec_rows(7, closed_at=AT, district="East"),
    )
    return agency


def test_reply_rates_by_group_show_whose_voices_are_missing(db, seeded):
    with db.Session() as session:
        found = nonresponse.nonresponse(session, session.get(Agency, seeded.id), OCTOBER)
    rates = {value: (g.sent, g.replied, g.rated) for value, g in found.by["district"].items()}
    assert rates == {"East": (10, 3, 3), "North": (40, 20, 20), "South": (40, 10, 10)}
    delivered = {value: (g.sent, g.replied) for value, g in found.by["delivered"].items()}
    assert delivered == {"delivered": (80, 33), "not confirmed": (10, 0)}
    assert list(found.by["shift"]) == ["day"] and list(found.by["language"]) == ["en"]
    assert found.by["district"]["South"].reply_rate == 0.25


def test_the_weighted_mean_pools_small_cells_and_says_what_the_difference_means(db, seeded):
    with db.Session() as session:
        found = nonresponse.nonresponse(session, session.get(Agency, seeded.id), OCTOBER)
    assert round(found.raw_mean, 2) == 3.52
    assert round(found.weighted_mean, 2) == 3.00
    assert round(found.raw_satisfied, 3) == 0.606 and round(found.weighted_satisfied, 3) == 0.444
    assert (found.cells, found.pooled, found.unweighted_sent) == (3, 2, 0)
    assert found.sentence == (
        "Weighted by who was texted rather than by who answered, the mean rating is 3.00, not "
        "3.52: groups that answer less often gave lower ratings, so the raw mean overstates "
        "satisfaction by 0.52."
    )


def test_a_filter_narrows_the_check_ins_weighed(db, seeded):
    north = ReportFilter(OCTOBER.start, OCTOBER.end, district="North")
    with db.Session() as session:
        found = nonresponse.nonresponse(session, session.get(Agency, seeded.id), north)
    assert found.total.sent == 40 and found.raw_mean == found.weighted_mean == 5.0
    assert "close to the raw 5.00" in found.sentence


def test_pooling_keeps_cells_with_enough_ratings_and_counts_what_cannot_be_weighed():
    key = ("North", "THEFT", "en", "day", "delivered")
    cells = {
        key: nonresponse.Group(sent=30, replied=12, rated=12, rating_sum=48, satisfied=12),
        key[:3] + ("night", "delivered"): nonresponse.Group(sent=5),  # no rating anywhere
    }
    final, pooled, unweighted = nonresponse.post_stratify(cells)
    assert [g.sent for g in final] == [30] and pooled == 1 and unweighted == 5


def test_the_sentence_for_too_few_ratings():
    assert nonresponse.explain(None, None).startswith("Too few ratings to weigh")
    assert "understates satisfaction by 0.30" in nonresponse.explain(3.5, 3.8)


def test_the_page_shows_both_means_and_the_sentence(client, db, clock, seeded):
    make_user(db, clock, "viewer_a", "viewer")
    sign_in(client, "viewer_a")
    html = client.get("/reports/nonresponse?from=2026-10-01&to=2026-10-31").get_data(
        as_text=True
    )
    assert '<td data-raw-mean>3.52</td>' in html and '<td data-weighted-mean>3.00</td>' in html
    assert "overstates satisfaction by 0.52" in html
    assert 'data-dimension="call_type"' in html and 'data-value="South"' in html
