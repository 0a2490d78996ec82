"""Helpers for the browser tests: Debian's Chromium, the real app served from a thread, the
caller's side (a check-in sent, a reply through the signed Twilio webhook), and what the
database says afterwards.

All numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from followup import create_app
from followup.models import Agency, AuditEvent, Callback, Conversation, User
from followup.staff import users
from tests.support.factories import ApiClient, call_event
from tests.support.twilio_requests import TwilioWebhooks

CHROMIUM = Path("/usr/bin/chromium")
# From RECIPES.md: Debian's Chromium, headless, in a container, with nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # gitignored
TEST_TOKEN = "test-intake-token"  # the intake token the conftest settings carry
PASSWORD = "correct horse battery"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_path() -> str:
    """Return Chromium's path; skip without it, except under CI (which installs it): fail."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    message = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class _QuietHandler(WSGIRequestHandler):
    """No access log: request lines carry phone numbers in query strings."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _files_read_whole(app):
    """Serve a file response as bytes read at once, its file closed before sending.

    The development server leaves a file response's file open when the browser drops the
    connection mid-body (it skips the iterator's close), which the suite reports as an unclosed
    file; a browser cancels such loads whenever a page navigates on.
    """

    def wrapped(environ, start_response):
        body = app(environ, start_response)
        # Any body that is not already bytes in a list: a file may sit inside a middleware's
        # ClosingIterator, not a bare FileWrapper (seen once, for urgent-worker.js, on a loaded
        # machine). The app streams nothing, so reading every body whole is safe.
        if isinstance(body, list | tuple):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wrapped


class LiveServer:
    """The WSGI app on 127.0.0.1 and a free port, served from a thread until closed."""

    def __init__(self, app):
        self.app = app
        self._server = make_server(
            "127.0.0.1", 0, _files_read_whole(app), threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


# --- accounts -----------------------------------------------------------------------------------


def add_user(services, username: str, role: str, display_name: str | None = None) -> int:
    with services.db.begin() as session:
        agency = session.scalar(select(Agency))
        user = users.create_user(
            session,
            agency,
            username,
            role,
            PASSWORD,
            now=services.clock.now(),
            display_name=display_name,
        )
        return user.id


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# --- the caller's side --------------------------------------------------------------------------


def checkin_sent(services, app, phone: str, **event) -> str:
    """Post a closed call as CAD would, move the clock to its send time and send the check-in.

    Moves the FrozenClock: do it before anyone signs in, or their session may idle out."""
    api = ApiClient(app.test_client(), TEST_TOKEN)
    response = api.post_call(caller_phone=phone, **event)
    assert response.status_code == 202, response.get_data(as_text=True)
    followup = response.json["followup"]
    assert followup["status"] == "scheduled", followup
    services.clock.set(datetime.fromisoformat(followup["send_at"]))
    assert services.sender().sweep().sent == 1
    return response.json["call_id"]


def confirmation_sent(services, app, phone: str, call_id: str) -> None:
    """Post the call as received two minutes ago, as CAD would, and send its confirmation."""
    api = ApiClient(app.test_client(), TEST_TOKEN)
    received = services.clock.now() - timedelta(minutes=2)
    event = call_event(call_id=call_id, status="received", closed_at=..., caller_phone=phone)
    response = api.post_call(event | {"received_at": received.isoformat()})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert services.sender().sweep().sent == 1


def text_in(services, app, phone: str, body: str) -> None:
    """Deliver a reply from ``phone`` through the signed Twilio webhook, as Twilio would."""
    response = TwilioWebhooks.for_services(app.test_client(), services).text(phone, body)
    assert response.status_code == 200, response.get_data(as_text=True)


# --- what the database says ---------------------------------------------------------------------


def callback_from(services, phone: str) -> Callback:
    with services.db.Session() as session:
        callback = session.scalar(
            select(Callback)
            .join(Conversation, Callback.conversation_id == Conversation.id)
            .where(Conversation.phone == phone)
            .order_by(Callback.id.desc())
        )
        assert callback is not None, f"no callback from {phone}"
        return callback


def fresh(services, callback_id: int) -> Callback:
    with services.db.Session() as session:
        return session.get(Callback, callback_id)


def audit_rows(services, action: str) -> list[AuditEvent]:
    with services.db.Session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def user_id(services, username: str) -> int:
    with services.db.Session() as session:
        return session.scalar(select(User.id).where(User.username == username))


# --- the page -----------------------------------------------------------------------------------


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page) -> dict:
    """Return the page's scroll width, the viewport's width, and what sticks out (if anything).

    Measured once the page's load event has fired: before it, layout may be done without the
    stylesheet (a busy CI machine showed the phone layout 451 px wide, unstyled)."""
    page.wait_for_load_state("load")
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 0.5 && out.length < 8) {
              out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                       + ' right=' + Math.round(box.right));
            }
          }
          return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
                  sticksOut: out};
        }"""
    )


# --- fixtures (a pytest plugin: tests/conftest.py loads this module) -----------------------------


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(services):
    # The live queue refreshes every 0.4 s here rather than every 5 s: a test waits for what
    # it expects as soon as it is there, never on a fixed interval near its own timeout.
    fast = {"LIVE_REFRESH_SECONDS": 0.4, "URGENT_POLL_SECONDS": 0.4}
    with LiveServer(create_app({"SERVICES": services, **fast})) as live:
        yield live


class Watch:
    """What the pages did on their own: dialogs, script errors, console errors (CSP refusals)."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def attach(self, page: Page) -> None:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def on_console(message):
            # A failed load is reported below, with its URL.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                self.errors.append(f"console: {message.text}")

        def on_response(response):
            # A browser asks for /favicon.ico on its own; the app has none, and that is fine.
            if response.status >= 400 and not response.url.endswith("/favicon.ico"):
                self.errors.append(f"{response.status} {response.request.method} {response.url}")

        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", on_console)
        page.on("response", on_response)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def open_page(browser, server, watch):
    """Open a page in a fresh browser context (its own cookies): ``open_page(width, height)``."""
    contexts = []

    def opener(width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(
            base_url=server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        return page

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    return open_page()
