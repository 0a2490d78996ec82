"""The texts editor and the diff as an admin reads them (issue 19), at a desk and on a phone:
a draft saved without activating stays in the editor; the diff reads old to new ("v1 -> v2"),
the draft's lines added, long lines wrapped rather than scrolled sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import add_user, horizontal_overflow, screenshot, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DRAFT = (
    "{{ agency_name }} here: how did we do with your call? Reply 1-5, and tell us in your own "
    "words anything that is still unresolved, and we will read every word of it carefully."
)


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desk", "phone"])
def test_a_saved_draft_stays_in_the_editor_and_the_diff_reads_old_to_new(
    open_page, services, watch, size
):
    add_user(services, "ana", "admin", "Ana Ruiz")
    page = open_page(*size)
    sign_in(page, "ana")
    page.goto("/admin/templates/edit?purpose=checkin&language=en")
    active_text = page.get_by_label("Text", exact=True).input_value()

    page.get_by_label("Text", exact=True).fill(DRAFT)
    page.get_by_role("button", name="Save as a new version").click()

    expect(page.locator(".flash-success")).to_contain_text("Saved as version 2")
    expect(page.get_by_label("Text", exact=True)).to_have_value(DRAFT)
    expect(page.locator("[data-showing-draft]")).to_contain_text("version 2, a draft")
    page.locator('tr[data-version="2"]').get_by_role("link", name="Diff with active").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"v1 -> v2$"))
    added = page.locator("pre.diff .add")
    expect(added.filter(has_text="read every word")).to_have_count(1)
    expect(page.locator("pre.diff .del").filter(has_text="read every word")).to_have_count(0)
    if active_text:
        expect(page.locator("pre.diff .del").first).to_be_visible()
    sizes = page.locator("pre.diff").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1] + 1, sizes  # the long line wraps
    assert horizontal_overflow(page)["sticksOut"] == []
    screenshot(page, f"admin-template-diff-{size[0]}")
    assert watch.errors == []
