"""The live queue does not fight the person using it (issue 19): a refresh changes only what
changed, keeps keyboard focus and the reader's place, and announces only a new urgent callback;
the keyboard reaches the urgent banner before the filters, one link a row; the focus ring shows,
on the red banner too; badges and warnings meet 4.5:1 contrast.

Replies arrive through the signed Twilio webhook; the clock is frozen; the page refreshes every
0.4 s here, and a test waits for a refresh by the counter the page keeps (``data-updates``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import add_user, callback_from, checkin_sent, sign_in, text_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CRISIS = "he's back outside my house right now"
NOBODY_CAME = "nobody ever came"
RUDE = "I want to file a complaint, the officer used excessive force"
ARRIVES = 15_000


def row(page: Page, callback_id: int):
    return page.locator(f'tr[data-callback-id="{callback_id}"]')


def refreshes(page: Page, selector: str, more: int = 2) -> None:
    """Wait until the element's own refresh counter moved on by ``more``."""
    counter = page.locator(selector)
    now = int(counter.get_attribute("data-updates") or 0)
    wanted = "|".join(str(n) for n in range(now + more, now + more + 50))
    expect(counter).to_have_attribute("data-updates", re.compile(rf"^({wanted})$"))


def unmarked(page: Page, selector: str) -> int:
    return page.evaluate(
        "s => [...document.querySelectorAll(s)].filter(el => !el.__before).length", selector
    )


def tab_until(page: Page, locator, limit: int = 40) -> list[str]:
    """Press Tab until ``locator`` has focus; return what each press reached, by its text."""
    reached = []
    while not locator.evaluate("el => el === document.activeElement"):
        assert len(reached) < limit, f"Tab never reached it: {reached}"
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => (document.activeElement.tagName + ' ' + (document.activeElement"
                ".getAttribute('aria-label') || document.activeElement.textContent)).trim()"
            )[:40]
        )
    return reached


def contrast(page: Page, locator) -> float:
    """WCAG contrast of an element's text colour against its background colour."""
    colours = locator.evaluate(
        "el => { const s = getComputedStyle(el); return [s.color, s.backgroundColor]; }"
    )
    return ratio(*colours)


def ratio(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])

        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_refresh_keeps_focus_and_rows_and_announces_only_a_new_urgent_callback(
    open_page, server, services, watch
):
    callers = ["+12025550151", "+12025550152", "+12025550153", "+12025550154"]
    add_user(services, "lee", "commander", "Lee Park")
    for caller in callers:
        checkin_sent(services, server.app, caller)
    text_in(services, server.app, callers[0], CRISIS)
    text_in(services, server.app, callers[1], NOBODY_CAME)
    text_in(services, server.app, callers[2], RUDE)
    urgent, first, second = (callback_from(services, c).id for c in callers[:3])
    page = open_page(1280, 500)  # short, so the page scrolls
    sign_in(page, "lee")
    expect(row(page, second)).to_be_visible()

    # The keyboard reaches the urgent banner before any filter, then one link a row.
    banner_link = page.locator(".urgent-banner").get_by_role("link", name=f"#{urgent}")
    to_banner = tab_until(page, banner_link)
    to_first_row = tab_until(page, row(page, urgent).get_by_role("link"))
    assert not any("SELECT" in stop or "Filter" in stop for stop in to_banner), to_banner
    assert len(to_banner) + len(to_first_row) <= 12, (to_banner, to_first_row)
    for callback_id in (urgent, first, second):
        expect(row(page, callback_id).get_by_role("link")).to_have_count(1)

    # A keyboard user is on the last row's link, scrolled down; the page refreshes.
    reply_link = row(page, second).get_by_role("link")
    tab_until(page, reply_link)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    place = reply_link.evaluate("el => el.getBoundingClientRect().top")
    # A mark on the elements themselves (not an attribute: that would change their markup).
    page.evaluate(
        "() => document.querySelectorAll('#live tbody tr, .urgent-banner')"
        ".forEach(el => { el.__before = true; })"
    )
    refreshes(page, "#live")
    refreshes(page, "#urgent")
    expect(reply_link).to_be_focused()
    assert unmarked(page, "#live tbody tr") == 0  # the same rows, not rebuilt
    assert unmarked(page, ".urgent-banner") == 0  # the same banner: not announced again

    # A new urgent reply: its row is added above, the others stay, focus and place stay.
    text_in(services, server.app, callers[3], CRISIS)
    new = callback_from(services, callers[3]).id
    expect(row(page, new)).to_be_visible(timeout=ARRIVES)
    expect(reply_link).to_be_focused()
    assert abs(reply_link.evaluate("el => el.getBoundingClientRect().top") - place) <= 2
    assert unmarked(page, "#live tbody tr") == 1  # only the new row is new
    banner = page.locator(".urgent-banner")
    expect(banner).to_contain_text(f"#{new}")
    assert unmarked(page, ".urgent-banner") == 1  # a new alert, announced
    expect(banner).to_have_attribute("role", "alert")
    expect(page.locator('[data-count="open"]')).to_have_text("4")
    assert watch.errors == [] and watch.dialogs == []


def test_the_focus_ring_shows_on_the_red_banner_and_badges_meet_4_5_to_1(
    page, server, services, watch
):
    callers = ["+12025550155", "+12025550156", "+12025550157"]
    add_user(services, "lee", "commander", "Lee Park")
    for caller in callers:
        checkin_sent(services, server.app, caller)
    text_in(services, server.app, callers[0], CRISIS)
    text_in(services, server.app, callers[1], RUDE)  # conduct: high priority
    text_in(services, server.app, callers[2], NOBODY_CAME)
    sign_in(page, "lee")
    urgent = callback_from(services, callers[0]).id
    expect(page.locator(".badge-high")).to_be_visible()

    link = page.locator(".urgent-banner").get_by_role("link", name=f"#{urgent}")
    tab_until(page, link)
    ring = link.evaluate(
        """el => { const s = getComputedStyle(el);
                   return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor,
                           getComputedStyle(el.closest('.urgent-banner')).backgroundColor]; }"""
    )
    style, width, colour, behind = ring
    assert style != "none" and width >= 2, ring
    assert ratio(colour, behind) >= 3, ring  # a ring is a graphic: 3:1 against what is around

    rows_link = page.locator("#live tbody a").first
    tab_until(page, rows_link)
    style, width, colour = rows_link.evaluate(
        "el => { const s = getComputedStyle(el); "
        "return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    assert style != "none" and width >= 2 and ratio(colour, "rgb(255, 255, 255)") >= 3

    measured = {
        name: contrast(page, page.locator(selector).first)
        for name, selector in {
            "urgent badge": ".badge-urgent",
            "high badge": ".badge-high",
            "normal badge": ".badge-normal",
            "banner": ".urgent-banner",
        }.items()
    }
    assert all(value >= 4.5 for value in measured.values()), measured
    assert watch.errors == []
