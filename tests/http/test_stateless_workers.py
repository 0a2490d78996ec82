"""Web workers keep nothing another worker needs: any request can land on any process.

Two apps built separately over the same database and secret stand for two gunicorn workers (or
two hosts behind a load balancer). A reply taken by one shows in the queue the other serves; a
commander signs in on one and goes on working on the other, with a form token the first issued.
"""

from __future__ import annotations

from followup import create_app
from followup.core.db import Database
from followup.models import Callback
from followup.services import Services
from tests.support.web import flagged_reply, make_user, sign_in, token


def second_worker(settings, clock, gateway):
    """Another process: its own engine, services and app; only the settings are shared."""
    db = Database(settings.database_url)
    services = Services.build(settings, clock=clock, gateway=gateway, db=db)
    return create_app({"SERVICES": services, "TESTING": True}), db


def move_cookies(source, target) -> None:
    """What the browser does: send the same cookie whichever worker answers."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_a_commander_signs_in_on_one_worker_and_works_on_another(
    app, client, api, sender, db, clock, settings, gateway
):
    make_user(db, clock, "lee", "commander")
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    first = app.test_client()
    assert sign_in(first, "lee").status_code == 302
    page = first.get(f"/callbacks/{callback_id}").get_data(as_text=True)  # the form, from worker 1

    other_app, other_db = second_worker(settings, clock, gateway)
    try:
        second = other_app.test_client()
        move_cookies(first, second)
        queue = second.get("/callbacks")
        assert queue.status_code == 200
        assert f'data-callback-id="{callback_id}"' in queue.get_data(as_text=True)
        claimed = second.post(f"/callbacks/{callback_id}/claim", data={"csrf_token": token(page)})
        assert claimed.status_code == 303
    finally:
        other_db.dispose()
    with db.Session() as session:
        assert session.get(Callback, callback_id).status == "claimed"
