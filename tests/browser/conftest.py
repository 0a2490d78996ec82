"""Browser tests only: Playwright, Debian's Chromium and a live server (tests.browser.support).

Kept out of the root conftest so that no other test loads Playwright.
"""

from tests.browser.support import browser, open_page, page, server, watch  # noqa: F401
