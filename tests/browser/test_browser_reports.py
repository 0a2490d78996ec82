"""The reports page in a real browser: Chart.js draws every chart, under the CSP, with no errors.

Seeded with the scenario of tests/test_reports.py (its docstring lists the calls); the numbers
below come from there. SQLite only: the queries are covered on both databases by test_reports.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import screenshot, sign_in
from tests.service.test_reports import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHARTS = """(ids) => ids.map((id) => {
  const chart = window.Chart && window.Chart.getChart(document.getElementById(id));
  return chart ? {type: chart.config.type, labels: chart.data.labels,
                  data: chart.data.datasets.map((d) => d.data)} : null;
})"""
IDS = ["chart-weeks", "chart-categories", "chart-sla", "chart-skips"]


def test_every_chart_is_drawn_with_the_reports_numbers(page, server, watch, seeded):  # noqa: F811
    sign_in(page, "viewer_a")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-skips')")

    weeks, categories, sla, skips = page.evaluate(CHARTS, IDS)
    # Six Mondays, 10-19 .. 11-23; mean rating and reply rate (%) per week.
    assert weeks["type"] == "line"
    assert weeks["labels"] == [
        "2026-10-19",
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert weeks["data"] == [[None, 4, 3.5, None, 3, None], [None, 100, 66.7, None, 100, None]]
    # positive 2 (A1, A8), then one each, ordered by count then name
    assert categories["labels"] == [  # words, not codes (issue 19)
        "Positive",
        "Negative",
        "Neutral",
        "Opted out",
        "Question",
        "Unresolved",
    ]
    assert categories["data"] == [[2, 1, 1, 1, 1, 1]]
    # within SLA A7, late A9, not resolved A2
    assert sla["type"] == "doughnut" and sla["data"] == [[1, 1, 1]]
    assert sorted(zip(skips["labels"], skips["data"][0], strict=True)) == [
        ("No phone number", 1),
        ("Sensitive call type", 1),
    ]
    for canvas in IDS:
        box = page.locator(f"#{canvas}").bounding_box()
        assert box["width"] > 100 and box["height"] > 100  # drawn, not collapsed
    screenshot(page, "reports")
    assert watch.errors == []  # no script error, no CSP refusal, no failed load


def test_a_filter_redraws_the_charts_and_the_summary_prints_cleanly(
    page,
    server,
    watch,
    seeded,  # noqa: F811
):
    sign_in(page, "commander_a")
    page.goto("/reports")
    page.get_by_label("District").select_option("North")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-figure="calls"]')).to_have_text("6")
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-categories')")
    categories = page.evaluate(CHARTS, ["chart-categories"])[0]
    # North replies: A1 positive, A7 neutral and negative
    assert categories["labels"] == ["Negative", "Neutral", "Positive"]
    assert categories["data"] == [[1, 1, 1]]

    page.goto("/reports/summary?month=2026-11")
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()  # print CSS drops the navigation
    expect(page.locator('[data-figure="calls"]')).to_have_text("9")
    assert watch.errors == []
