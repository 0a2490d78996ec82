"""Signing in: passwords, lockout, the second factor, the idle limit, roles, headers."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from followup.models import Agency, AuditEvent, User
from tests.support.web import PASSWORD, make_user, sign_in, token


def audit_actions(db) -> list[str]:
    with db.Session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_every_staff_page_needs_sign_in(client):
    for path in ("/callbacks", "/callbacks/handover", "/audit", "/admin/users", "/callbacks/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_commander_signs_in_and_lands_on_the_queue(client, db, clock):
    make_user(db, clock, "lee", "commander")

    response = sign_in(client, "lee")

    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/callbacks"
    assert client.get("/callbacks").status_code == 200
    assert audit_actions(db) == ["sign_in", "view_queue"]  # opening the queue is audited


def test_a_wrong_password_is_refused_with_one_message_for_every_failure(client, db, clock):
    make_user(db, clock, "lee", "commander")

    wrong = sign_in(client, "lee", "not the password")
    unknown = sign_in(client, "nobody", "not the password")

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/callbacks").status_code == 302
    assert audit_actions(db) == ["sign_in_failed", "sign_in_failed"]


def test_five_failures_lock_the_account_even_against_the_right_password(client, db, clock):
    make_user(db, clock, "lee", "commander")
    for _ in range(5):
        sign_in(client, "lee", "not the password")

    locked = sign_in(client, "lee")
    clock.advance(minutes=16)
    later = sign_in(client, "lee")

    assert "locked" in locked.get_data(as_text=True)
    assert later.status_code == 302


def test_the_second_factor_is_asked_for_and_checked(client, db, clock):
    secret = pyotp.random_base32()
    make_user(db, clock, "lee", "commander", totp_secret=secret)

    asked = sign_in(client, "lee")
    wrong = sign_in(client, "lee", code="000000")
    right = sign_in(client, "lee", code=pyotp.TOTP(secret).at(clock.now()))

    assert "authenticator" in asked.get_data(as_text=True) and asked.status_code == 200
    assert wrong.status_code == 401
    assert right.status_code == 302


def test_an_agency_that_requires_a_second_factor_refuses_accounts_without_one(client, db, clock):
    make_user(db, clock, "lee", "commander")
    with db.begin() as session:
        session.scalar(select(Agency)).require_totp = True

    response = sign_in(client, "lee")

    assert response.status_code == 401
    assert "requires a second factor" in response.get_data(as_text=True)


def test_thirty_idle_minutes_end_the_session_but_activity_keeps_it(client, db, clock):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    clock.advance(minutes=29)
    assert client.get("/callbacks").status_code == 200
    clock.advance(minutes=29)
    assert client.get("/callbacks").status_code == 200  # the last visit was activity
    clock.advance(minutes=31)
    response = client.get("/callbacks")

    assert response.status_code == 302
    assert "30 minutes without activity" in client.get("/login").get_data(as_text=True)


def test_background_refreshes_do_not_keep_a_session_alive(client, db, clock):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    for _ in range(4):
        clock.advance(minutes=10)
        poll = client.get("/callbacks/rows", headers={"HX-Request": "true", "X-Followup-Poll": "1"})

    assert poll.status_code == 401 and poll.headers["HX-Redirect"] == "/login"


def test_each_role_sees_only_its_own_screens(client, db, clock):
    make_user(db, clock, "cmd", "commander")
    make_user(db, clock, "adm", "admin")
    make_user(db, clock, "vw", "viewer")

    seen = {}
    for username in ("cmd", "adm", "vw"):
        client.post(
            "/logout", data={"csrf_token": token(client.get("/login").get_data(as_text=True))}
        )
        sign_in(client, username)
        seen[username] = {
            path: client.get(path).status_code for path in ("/callbacks", "/audit", "/admin/users")
        }

    assert seen["cmd"] == {"/callbacks": 200, "/audit": 403, "/admin/users": 403}
    assert seen["adm"] == {"/callbacks": 200, "/audit": 200, "/admin/users": 200}
    assert seen["vw"] == {"/callbacks": 200, "/audit": 403, "/admin/users": 403}


def test_forms_without_their_token_are_refused(client, db, clock):
    make_user(db, clock, "lee", "commander")

    response = client.post("/login", data={"username": "lee", "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/callbacks").status_code == 302


def test_pages_carry_security_headers_and_session_cookies_are_http_only(client, db, clock):
    make_user(db, clock, "lee", "commander")

    response = sign_in(client, "lee")
    page = client.get("/callbacks")

    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


def test_a_sign_in_never_redirects_off_the_site(client, db, clock):
    make_user(db, clock, "lee", "commander")
    page = client.get("/login?next=//evil.example.org/").get_data(as_text=True)

    response = client.post(
        "/login?next=//evil.example.org/",
        data={"csrf_token": token(page), "username": "lee", "password": PASSWORD},
    )

    assert response.headers["Location"] == "/"


def test_a_disabled_account_cannot_sign_in_or_keep_its_session(client, db, clock):
    user_id = make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    with db.begin() as session:
        session.get(User, user_id).active = False

    assert client.get("/callbacks").status_code == 302
    assert sign_in(client, "lee").status_code == 401
