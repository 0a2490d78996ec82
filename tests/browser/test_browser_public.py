"""The public board in a real browser, at a phone's size and a desktop's: nothing is asked of
another origin, no cookie is set, nothing scrolls sideways, no script error; it prints without
its navigation; a resident publishes nothing by moderation they did not see; and the embed is
framed by the agency's own site while the board itself refuses to be framed.

Seeded with the scenario of tests/service/test_public_board.py and one approved comment.
SQLite only (the queries are covered on both databases there).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from followup.agencies import settings as agency_settings
from followup.models import Agency, User
from followup.reports import moderation
from followup.staff import users
from tests.browser.support import ARTIFACTS, horizontal_overflow, screenshot
from tests.service.test_public_board import NOW, scenario
from tests.support.board_seed import seed, spec_rows

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
COMMENT = "They came quickly and [name] was kind. Thank you!"


class AgencySite:
    """Another origin (another port): the agency's own site, framing the board."""

    def __init__(self, board_url: str):
        html = (
            "<!doctype html><title>Westlake city site</title><h1>City of Westlake</h1>"
            f'<iframe id="embed" title="Feedback board" src="{board_url}/embed" width="600" '
            'height="900"></iframe>'
            f'<iframe id="board" title="The full board" src="{board_url}" width="600" '
            'height="400"></iframe>'
        ).encode()

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [html]

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def board(services, server):
    """The scenario, the board switched on, one comment approved; the site's origin allowed."""
    site = AgencySite(f"{server.url}/public/default")
    with services.db.begin() as session:
        agency = session.query(Agency).one()
        agency_id = agency.id
        user = users.create_user(session, agency, "sgt_lee", "commander",
                                 "correct horse battery", now=NOW)
        user_id = user.id
    more = [  # two more months with enough replies, so the chart draws lines
        spec
        for month, rating in ((6, 4), (7, 5))
        for spec in spec_rows(20, closed_at=datetime(2026, month, 9, 15, 0, tzinfo=UTC),
                              reply="Fine visit, thank you", rating=rating)
        + spec_rows(10, closed_at=datetime(2026, month, 9, 15, 0, tzinfo=UTC))
    ]
    seed(services.db, agency_id, scenario() + more)
    with services.db.begin() as session:
        agency = session.get(Agency, agency_id)
        agency_settings.update(
            session, agency, {"public_board": "on", "board_embed_origins": site.url},
            actor="test", now=NOW,
        )
        waiting, _ = moderation.queue(session, agency, since=date(2025, 12, 1))
        moderation.approve(session, agency, waiting[0].message_id, COMMENT,
                           user=session.get(User, user_id), now=NOW)
    with site:
        yield site


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_the_board_stays_on_its_origin_sets_no_cookie_and_fits_the_screen(
    open_page, server, watch, board, width, height
):
    page = open_page(width, height)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/public/default")
    heading = page.get_by_role("heading", name="What residents told Westlake Police")
    expect(heading).to_be_visible()
    mean = page.locator('.headline [data-figure="rating_mean"] .value')
    expect(mean).to_have_text("4.2")  # (118 + 20 x 4 + 20 x 5) / 71
    expect(page.get_by_text(COMMENT)).to_be_visible()
    expect(page.get_by_role("img", name="Share satisfied and reply rate, month by month")) \
        .to_be_visible()
    assert page.locator("svg.chart polyline").count() == 2  # June-July, one line per figure
    overflow = horizontal_overflow(page)
    screenshot(page, f"public-board-{width}")
    page.locator("figure.trend").screenshot(path=str(ARTIFACTS / f"public-chart-{width}.png"))

    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="Lo que los vecinos le dijeron a Westlake Police")) \
        .to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    spanish = horizontal_overflow(page)

    page.get_by_label("Distrito").select_option("North")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_text("Distrito: North")).to_be_visible()

    assert overflow["scrollWidth"] <= width and spanish["scrollWidth"] <= width, (
        overflow, spanish
    )
    assert requested and all(url.startswith(server.url + "/") for url in requested), requested
    assert page.context.cookies() == []
    assert watch.errors == []


def test_the_board_prints_without_its_navigation_and_filters(open_page, board, watch):
    page = open_page(1366, 900)
    page.goto("/public/default")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Language")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("table.months")).to_be_visible()
    assert watch.errors == []


def test_the_agencys_site_frames_the_embed_and_cannot_frame_the_board(open_page, board, server):
    page = open_page(1366, 900)
    page.goto(board.url)
    embed = page.frame_locator("#embed")
    expect(embed.get_by_role("heading", name="What residents told Westlake Police")) \
        .to_be_visible()
    assert embed.locator("nav").count() == 0  # no navigation in the embed
    expect(embed.get_by_role("link", name="Full board and open data")).to_be_visible()
    page.wait_for_load_state("load")
    # Refused by X-Frame-Options DENY and frame-ancestors 'none': the browser shows its own
    # error page in the frame, not the board.
    framed = page.frame_locator("#board")
    expect(framed.get_by_role("heading", name="What residents told Westlake Police")) \
        .to_have_count(0)
    urls = [frame.url for frame in page.frames]
    assert any(url.endswith("/public/default/embed") for url in urls), urls
    assert not any(url.endswith("/public/default") for url in urls), urls
    assert any(url.startswith("chrome-error://") for url in urls), urls
