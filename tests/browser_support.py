"""Helpers for the browser tests: Debian's Chromium, the real app served from a thread, the
caller's side (a check-in sent, a reply through the signed Twilio webhook), and what the
database says afterwards.

All numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from followup import users
from followup.models import Agency, AuditEvent, Callback, Conversation, User
from tests.factories import ApiClient
from tests.twilio_requests import TwilioWebhooks

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
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # gitignored
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


class LiveServer:
    """The WSGI app on 127.0.0.1 and a free port, served from a thread until closed."""

    def __init__(self, app):
        self.app = app
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
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
    """Return the page's scroll width, the viewport's width, and what sticks out (if anything)."""
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
