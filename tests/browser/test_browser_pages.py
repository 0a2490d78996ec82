"""Every signed-in page, as a commander and as an admin, at a phone's 390x844 and a desk's
1366x900 (issue 19): nothing scrolls sideways, no script error, no CSP refusal; and a
screenshot of each into test-artifacts/screenshots/ (gitignored) for people to look at.

Every page means every page a person can reach by links from the queue (crawled, one visit a
path), plus a callback's page and the error page. Seeded with the reports' scenario
(tests/service/test_reports.py), which has callbacks, comments and both agencies.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import ARTIFACTS, sign_in
from tests.service.test_reports import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SHOTS = ARTIFACTS / "screenshots"
# Not pages to look at: files, the machine surfaces, the public board (its own test).
SKIP = re.compile(r"(\.csv|\.json)$|^/(api|webhooks|public|static|metrics|healthz|readyz)\b")
LIMIT = 40  # pages per crawl: far more than there are


def pages_reachable(page: Page, start: str) -> list[str]:
    """Crawl same-origin links from ``start``; one address a path (its first query kept)."""
    origin = urlsplit(page.url)
    seen: dict[str, str] = {}
    todo = [start]
    while todo and len(seen) < LIMIT:
        address = todo.pop(0)
        path = urlsplit(address).path
        if path in seen or SKIP.search(path):
            continue
        seen[path] = address
        page.goto(address)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if parts.netloc == origin.netloc and parts.path not in seen:
                todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(seen.values())


def fits(page: Page) -> dict:
    page.wait_for_load_state("load")
    return page.evaluate(
        """() => {
          const root = document.scrollingElement;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > root.clientWidth + 0.5 && out.length < 5) {
              out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                       + (el.className && el.className.baseVal === undefined
                          ? '.' + el.className.split(' ').join('.') : '')
                       + ' right=' + Math.round(box.right));
            }
          }
          return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, out: out};
        }"""
    )


@pytest.mark.parametrize(
    ("username", "width", "height"),
    [
        pytest.param("commander_a", 390, 844, id="commander-phone"),
        pytest.param("admin_a", 390, 844, id="admin-phone"),
        pytest.param("admin_a", 1366, 900, id="admin-desk"),
    ],
)
def test_no_page_scrolls_sideways_and_each_is_photographed(
    open_page,
    server,
    services,
    watch,
    seeded,  # noqa: F811
    username,
    width,
    height,
):
    page = open_page(width, height)
    sign_in(page, username)
    expect(page.get_by_role("heading", name="Callbacks")).to_be_visible()
    first = page.locator("#live tbody a").first
    expect(first).to_be_visible()
    callback_page = first.get_attribute("href")
    addresses = [*pages_reachable(page, "/callbacks"), callback_page]
    assert len(addresses) >= (18 if username == "admin_a" else 10), addresses

    SHOTS.mkdir(parents=True, exist_ok=True)
    wide = {}
    for address in [*addresses, "/no/such/page"]:
        page.goto(address)
        measured = fits(page)
        if measured["scrollWidth"] > measured["clientWidth"]:
            wide[address] = measured
        name = re.sub(r"[^a-z0-9]+", "-", urlsplit(address).path.lower()).strip("-") or "home"
        page.screenshot(path=str(SHOTS / f"{name}-{username}-{width}.png"), full_page=True)

    assert wide == {}, "\n".join(f"{a} {m['scrollWidth']}px: {m['out']}" for a, m in wide.items())
    # The error page is a 404 on purpose; nothing else failed, refused or threw.
    assert [e for e in watch.errors if "/no/such/page" not in e] == []
