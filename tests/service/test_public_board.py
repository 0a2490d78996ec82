"""The public feedback board: figures by month with small cells suppressed, filters, comments,
open data, caching, and what the answers carry (no cookie, framing rules, cache headers).

The scenario, written by hand (Westlake, America/New_York; "now" is Monday 2026-11-23, so the
board's twelve months are December 2025 to November 2026, November so far):

    month     district  sent  replied  ratings              callbacks (within SLA)
    Aug 2026  North       10        4  1,1,1,1                 -
    Sep 2026  South       20       12  4 x 12                  -
    Oct 2026  North       30       15  5 x 10, 4 x 3, 2 x 2    10 (7)
    Nov 2026  South       25        0                          -
    (and one call in October whose check-in was skipped: not sent, not counted)

    year: sent 85, replied 31 -> reply rate 36%; rated 31, sum 118 -> mean 3.8;
          satisfied (4-5) 25 of 31 -> 81%; callbacks 10, 7 within SLA -> 70%.

August (4 replies) is too small. The year shows every figure, so subtracting the months shown
from it would reveal August's: September, the smallest month shown, is hidden too (4 + 12 >=
10). November had no reply: nothing to protect. October shows all: 15 replies, 50%, 4.4,
13 of 15 -> 87%, 70%.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select

from followup.agencies import settings as agency_settings
from followup.models import Agency, User
from followup.reports import moderation, public
from tests.support.board_seed import Spec, seed, spec_rows

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def _october() -> list[Spec]:
    at = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)  # 11:00 EDT, day shift
    ratings = [5] * 10 + [4] * 3 + [2] * 2
    replies = [
        Spec(at, reply=f"Reply number {i} about the visit, thanks", rating=r,
             callback=i < 10, in_sla=i < 7)
        for i, r in enumerate(ratings)
    ]
    return replies + spec_rows(15, closed_at=at) + [Spec(at, sent=False)]


def scenario() -> list[Spec]:
    august = datetime(2026, 8, 12, 15, 0, tzinfo=UTC)
    september = datetime(2026, 9, 10, 15, 0, tzinfo=UTC)
    november = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    return (
        spec_rows(4, closed_at=august, reply="Took far too long to come", rating=1,
                  category="negative")
        + spec_rows(6, closed_at=august)
        + spec_rows(12, closed_at=september, district="South",
                    reply="Good job, they were kind", rating=4)
        + spec_rows(8, closed_at=september, district="South")
        + _october()
        + spec_rows(25, closed_at=november, district="South")
    )


@pytest.fixture
def seeded(db, agency):
    seed(db, agency.id, scenario())
    return agency


def board_of(db, agency_id, **filters) -> public.Board:
    with db.Session() as session:
        return public.build(session, session.get(Agency, agency_id), today=TODAY, now=NOW,
                            **filters)


def figures(board, month: str) -> dict:
    return next(m.figures for m in board.months if m.first_day.strftime("%Y-%m") == month)


def test_the_year_and_each_month_show_only_figures_from_ten_replies_or_more(db, seeded):
    board = board_of(db, seeded.id)

    assert [m.first_day for m in board.months][0] == date(2025, 12, 1)
    assert board.months[-1].first_day == date(2026, 11, 1) and board.months[-1].partial
    assert board.year == {
        "replies": 31,
        "reply_rate": 0.36,
        "rating_mean": 3.8,
        "satisfied_share": 0.81,
        "sla_share": 0.7,
    }
    assert figures(board, "2026-10") == {
        "replies": 15,
        "reply_rate": 0.5,
        "rating_mean": 4.4,
        "satisfied_share": 0.87,
        "sla_share": 0.7,
    }
    hidden = dict.fromkeys(public.FIGURES)
    assert figures(board, "2026-08") == hidden  # 4 replies
    assert figures(board, "2026-09") == hidden  # shown, August could be subtracted out
    assert figures(board, "2026-11") == hidden  # no reply


def test_a_district_is_offered_as_a_filter_only_with_enough_replies(db, seeded):
    board = board_of(db, seeded.id)
    assert board.choices == {"district": ["North", "South"], "shift": ["day"]}

    north = board_of(db, seeded.id, district="North")
    assert north.district == "North"
    assert north.year["replies"] == 19 and north.year["rating_mean"] == 3.7  # 70 / 19
    # August's 4 replies would follow from the year minus October: both months are hidden,
    # but for the callbacks (August had none: there is nothing to subtract out).
    assert figures(north, "2026-10") == dict.fromkeys(public.FIGURES) | {"sla_share": 0.7}
    # A value the board does not offer is no filter at all.
    assert board_of(db, seeded.id, district="Nowhere").district is None


@pytest.mark.parametrize(
    ("replies", "offered"),
    [
        ({"A": 30, "B": 12, None: 0}, ["A", "B"]),
        ({"A": 30, "B": 12, "C": 5}, ["A"]),  # C's 5 would be the year minus A and B
        ({"A": 30, "B": 12, "C": 5, None: 7}, ["A", "B"]),  # what is left is 12
        ({"A": 9, "B": 3}, []),
    ],
)
def test_what_filters_leave_over_is_never_a_small_cell(replies, offered):
    assert public.offered(replies) == offered


def test_complementary_suppression_hides_months_until_the_hidden_ones_hold_ten():
    cells = [public.Cell(sent=20, replied=n, ratings=[0, 0, 0, 0, n]) for n in (3, 4, 11, 40)]
    year = {figure: 1 for figure in public.FIGURES}
    columns = [{figure: cell.value(figure) for figure in public.FIGURES} for cell in cells]
    public.suppress(columns, year, cells)
    assert [column["replies"] for column in columns] == [None, None, None, 40]


def _commander(db, clock, agency_id) -> int:
    from followup.staff import users

    with db.begin() as session:
        agency = session.get(Agency, agency_id)
        return users.create_user(
            session, agency, "sgt_lee", "commander", "correct horse battery", now=clock.now()
        ).id


def test_the_board_shows_approved_comments_only_and_never_from_a_crisis(db, clock, seeded):
    user_id = _commander(db, clock, seeded.id)
    with db.begin() as session:
        agency = session.get(Agency, seeded.id)
        user = session.get(User, user_id)
        waiting, total = moderation.queue(session, agency, since=date(2025, 12, 1), per_page=100)
        assert total == 31  # every reply with words; none is a crisis or conduct
        first, second, third = waiting[:3]
        moderation.approve(session, agency, first.message_id, "They came fast, thank you",
                           user=user, now=NOW)
        moderation.approve(session, agency, second.message_id, first.proposal.text,
                           user=user, now=NOW)
        moderation.decline(session, agency, third.message_id, user=user, now=NOW)

    board = board_of(db, seeded.id)
    assert sorted(c.text for c in board.comments) == sorted(
        ["They came fast, thank you", first.proposal.text]
    )
    assert board_of(db, seeded.id, district="North").comments == []  # whole agency only


def test_the_figures_as_open_data_match_the_page(db, seeded):
    board = board_of(db, seeded.id)
    data = json.loads(json.dumps(public.as_json(board)))
    assert data["year"]["rating_mean"] == 3.8
    october = next(m for m in data["months"] if m["month"] == "2026-10")
    assert october["reply_rate"] == 0.5 and october["partial"] is False
    rows = public.figure_rows(board)
    assert {"period": "2026-08", "figure": "replies", "value": None} in rows
    assert {"period": "year", "figure": "sla_share", "value": 0.7} in rows


# --- over HTTP ------------------------------------------------------------------------------


def switch_on(db, agency_id, **changes):
    fields = {"public_board": "on"} | changes
    with db.begin() as session:
        agency = session.get(Agency, agency_id)
        agency_settings.update(session, agency, fields, actor="test", now=NOW)


def test_the_board_is_a_404_until_the_agency_switches_it_on(client, db, seeded):
    assert client.get(f"/public/{seeded.slug}").status_code == 404
    assert client.get("/public/nobody").status_code == 404
    switch_on(db, seeded.id)
    page = client.get(f"/public/{seeded.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "What residents told Westlake Police" in html
    assert 'data-figure="rating_mean"' in html and "3.8" in html
    assert "too few replies" in html


def test_the_board_sets_no_cookie_and_is_never_framed_but_its_embed_may_be(client, db, seeded):
    switch_on(db, seeded.id, board_embed_origins="https://www.westlake.gov")
    page = client.get(f"/public/{seeded.slug}")
    assert "Set-Cookie" not in page.headers
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "public, max-age=60"

    embed = client.get(f"/public/{seeded.slug}/embed")
    assert embed.status_code == 200 and "Set-Cookie" not in embed.headers
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors 'self' https://www.westlake.gov" in (
        embed.headers["Content-Security-Policy"]
    )
    assert "<nav" not in embed.get_data(as_text=True)  # no navigation in the embed
    # Every other page keeps DENY.
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


def test_the_board_speaks_spanish_and_the_open_data_is_the_same_figures(client, db, seeded):
    switch_on(db, seeded.id)
    spanish = client.get(f"/public/{seeded.slug}?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Lo que los vecinos le dijeron a Westlake Police" in spanish
    assert "muy pocas respuestas" in spanish and "3,8" in spanish

    data = client.get(f"/public/{seeded.slug}/figures.json")
    assert data.headers["Access-Control-Allow-Origin"] == "*"
    assert data.json["year"]["satisfied_share"] == 0.81
    text = client.get(f"/public/{seeded.slug}/figures.csv?district=North").get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "period,figure,value,note,district,shift"
    assert "year,replies,19,,North," in lines
    assert "2026-10,replies,,too few replies,North," in lines


def count_statements(db):
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    return statements


def test_a_visitor_costs_one_read_until_something_the_board_shows_changes(
    client, db, clock, seeded
):
    switch_on(db, seeded.id)
    client.get(f"/public/{seeded.slug}")  # fills the cache
    statements = count_statements(db)
    for path in ("", "?lang=es", "/embed", "/figures.json", "/figures.csv"):
        client.get(f"/public/{seeded.slug}")
        client.get(f"/public/{seeded.slug}{path}")
    client.get(f"/public/{seeded.slug}")
    reads = [s for s in statements if not s.startswith(("ROLLBACK", "BEGIN", "COMMIT"))]
    # After the first of each (the rendering of Spanish, the embed, JSON and CSV needs no
    # query): one read of the agency and its stamps per request.
    assert len(reads) == 11 and all("FROM agencies" in s for s in reads), reads
    assert "BEGIN IMMEDIATE" not in statements  # no transaction: SQLite's write lock not taken

    # A moderation decision moves the comments stamp: the next visitor sees it.
    user_id = _commander(db, clock, seeded.id)
    with db.begin() as session:
        agency = session.get(Agency, seeded.id)
        waiting, _ = moderation.queue(session, agency, since=date(2025, 12, 1))
        moderation.approve(session, agency, waiting[0].message_id, "Quick and kind, thanks",
                           user=session.get(User, user_id), now=NOW)
    assert "Quick and kind, thanks" in client.get(f"/public/{seeded.slug}").get_data(
        as_text=True
    )
    # New facts move the facts stamp.
    seed(db, seeded.id, spec_rows(30, closed_at=datetime(2026, 11, 3, 15, 0, tzinfo=UTC),
                                  district="South", reply="Fine, all good now", rating=3))
    html = client.get(f"/public/{seeded.slug}").get_data(as_text=True)
    assert 'data-month="2026-11"' in html
    assert client.get(f"/public/{seeded.slug}/figures.json").json["year"]["replies"] == 61


def test_a_staff_session_cookie_is_not_read_or_renewed_on_the_board(client, db, clock, seeded):
    from tests.support.web import make_user, sign_in

    switch_on(db, seeded.id)
    make_user(db, clock, "viewer_a", "viewer")
    assert sign_in(client, "viewer_a").status_code == 302
    statements = count_statements(db)
    client.get(f"/public/{seeded.slug}")
    page = client.get(f"/public/{seeded.slug}")
    assert "Set-Cookie" not in page.headers and "Vary" not in page.headers
    assert not any("FROM users" in s for s in statements)
    assert select  # (imported for readers following the statements above)


@pytest.mark.parametrize(
    "value", ["\x00", "x" * 5000, "<script>alert(1)</script>", "North\r\nSet-Cookie: a=1", "../"]
)
def test_odd_addresses_and_arguments_get_the_board_or_a_refusal_never_an_error(
    client, db, seeded, value
):
    switch_on(db, seeded.id)
    arguments = {"district": value, "shift": value, "lang": value}
    for path in ("", "/embed", "/figures.csv", "/figures.json"):
        page = client.get(f"/public/{seeded.slug}{path}", query_string=arguments)
        # The board, unfiltered (a value it does not offer is no filter), or the app's refusal
        # of a request it cannot read (a NUL byte).
        assert page.status_code in (200, 400), path
        assert value not in page.get_data(as_text=True) or value == "../"
        assert client.get(f"/public/{value}{path}").status_code < 500
