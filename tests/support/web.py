"""Helpers for tests of the staff pages: accounts, signing in, form tokens, a flagged reply."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from followup.models import Agency, Callback, User
from followup.staff import users

PASSWORD = "correct horse battery"


def make_user(db, clock, username: str, role: str, **changes):
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        user = users.create_user(
            session, agency, username, role, PASSWORD, now=clock.now(), reserved_ok=True
        )
        for name, value in changes.items():
            setattr(user, name, value)
        return user.id


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str = PASSWORD, code: str | None = None):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": token(page), "username": username, "password": password}
    if code is not None:
        data["code"] = code
    return client.post("/login", data=data)


SIMULATOR_USER = "simulator-commander"


def simulator_client(app):
    """A client of ``app`` signed in as a commander who plays callers in the phone simulator
    (its own cookie jar: the test's client keeps its own session)."""
    cached = app.extensions.get("tests.simulator_client")
    if cached is not None:
        return cached
    services = app.extensions["followup"]
    with services.db.begin() as session:
        if session.scalar(select(User.id).where(User.username == SIMULATOR_USER)) is None:
            agency = session.scalar(select(Agency).order_by(Agency.id))
            users.create_user(
                session, agency, SIMULATOR_USER, "commander", PASSWORD,
                now=services.clock.now(),
            )
    played = app.test_client()
    sign_in(played, SIMULATOR_USER)
    app.extensions["tests.simulator_client"] = played
    return played


def simulate_reply(app, phone: str, body: str):
    """Reply as the caller at ``phone`` through the phone simulator (the real signed webhook)."""
    played = simulator_client(app)
    page = played.get("/simulator").get_data(as_text=True)
    return played.post(
        "/simulator/send", data={"csrf_token": token(page), "phone": phone, "body": body}
    )


def flagged_reply(client, api, sender, clock, body: str, phone: str = "+12025550170") -> int:
    """Send a check-in and reply to it through the simulator; return the callback's id."""
    response = api.post_call(call_id=f"W-{phone[-4:]}", caller_phone=phone, district="North")
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()
    simulate_reply(client.application, phone, body)
    return callback_ids(client.application)[-1]


def callback_ids(app) -> list[int]:
    services = app.extensions["followup"]
    with services.db.Session() as session:
        return list(session.scalars(select(Callback.id).order_by(Callback.id)))


def post_form(client, path: str, **data):
    """Post a form as the page would: with the token the page carries."""
    page = client.get(path.rsplit("/", 1)[0] if path.count("/") > 2 else "/callbacks")
    return client.post(path, data={"csrf_token": token(page.get_data(as_text=True)), **data})
