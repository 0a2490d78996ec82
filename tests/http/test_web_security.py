"""Staff dashboard security beyond tests/test_web_auth.py: sessions that can be ended, cookies,
CSRF on every form, no change on GET, headers, template injection, the audit trail, the logs.

All numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from importlib.metadata import version

import pyotp
import pytest
from jinja2.sandbox import SandboxedEnvironment
from packaging.version import Version
from sqlalchemy import func, select

from followup import create_app, retention
from followup.core.config import resource_dir
from followup.core.db import Base
from followup.models import AuditEvent, MessageTemplate, User
from followup.reports import facts
from followup.texts import message_templates
from tests.http.test_authz_matrix import build_world, expected
from tests.support.twilio_requests import TwilioWebhooks
from tests.support.web import PASSWORD, make_user, sign_in, token

HTTPS_URL = "https://followup.example.org"


def audit_rows(db, action: str | None = None) -> list[AuditEvent]:
    with db.Session() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.scalars(query))


def sign_out(client):
    page = client.get("/callbacks").get_data(as_text=True)
    return client.post("/logout", data={"csrf_token": token(page)})


def from_address(client, ip: str):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


# --- 1. sign-in limits ----------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_ten_minutes_exactly(client, db, clock):
    make_user(db, clock, "lee", "commander")
    for _ in range(5):
        sign_in(client, "lee", "not the password")

    clock.advance(minutes=9, seconds=59)
    still_locked = sign_in(client, "lee")
    clock.advance(seconds=2)
    open_again = sign_in(client, "lee")

    assert still_locked.status_code == 401
    assert "locked" in still_locked.get_data(as_text=True)
    assert open_again.status_code == 302


def test_wrong_authenticator_codes_lock_the_account_too(client, db, clock):
    secret = pyotp.random_base32()
    make_user(db, clock, "lee", "commander", totp_secret=secret)
    for _ in range(5):
        sign_in(client, "lee", code="000000")

    right_code = sign_in(client, "lee", code=pyotp.TOTP(secret).at(clock.now()))

    assert right_code.status_code == 401
    assert "locked" in right_code.get_data(as_text=True)


def test_one_address_trying_many_usernames_is_refused_while_others_sign_in(app, db, clock):
    make_user(db, clock, "lee", "commander")
    attacker = from_address(app.test_client(), "198.51.100.7")
    colleague = from_address(app.test_client(), "198.51.100.8")
    for n in range(20):
        assert sign_in(attacker, f"guess{n}", "not the password").status_code == 401

    refused = sign_in(attacker, "lee")  # even the right password
    elsewhere = sign_in(colleague, "lee")
    clock.advance(minutes=16)
    later = sign_in(attacker, "lee")

    assert refused.status_code == 401
    assert "Too many failed sign-ins from this address" in refused.get_data(as_text=True)
    assert elsewhere.status_code == 302
    assert later.status_code == 302
    last_refusal = [r for r in audit_rows(db, "sign_in_failed") if r.username == "lee"][-1]
    assert (last_refusal.ip, last_refusal.detail["reason"]) == (
        "198.51.100.7",
        "too many failures from this address",
    )


def test_the_address_limit_is_read_from_the_database_so_every_worker_agrees(services, db, clock):
    make_user(db, clock, "lee", "commander")
    workers = [create_app({"SERVICES": services, "TESTING": True}) for _ in range(2)]
    first, second = (from_address(w.test_client(), "198.51.100.9") for w in workers)
    for n in range(20):
        sign_in(first if n % 2 else second, f"guess{n}", "not the password")

    assert sign_in(first, "lee").status_code == 401
    assert sign_in(second, "lee").status_code == 401


def test_twelve_hours_after_signing_in_the_session_ends_however_active(client, db, clock):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    for _ in range(35):  # a page every 20 minutes: never idle
        clock.advance(minutes=20)
        assert client.get("/callbacks").status_code == 200
    clock.advance(minutes=20, seconds=1)  # 12 h and a second since signing in

    response = client.get("/callbacks")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "12 hours after signing in" in client.get("/login").get_data(as_text=True)


def copied_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/callbacks")


def test_a_copied_session_cookie_stops_working_once_its_owner_signs_out(app, client, db, clock):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    cookie = copied_cookie(client)
    before = replay(app, cookie)

    sign_out(client)
    after = replay(app, cookie)

    assert before.status_code == 200  # the copy did work: the test can tell
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert [r.action for r in audit_rows(db)][-1] == "sign_out"


@pytest.mark.parametrize("action", ["disable", "reset-password", "totp"])
def test_disabling_or_a_new_password_or_factor_ends_existing_sessions(
    app, client, db, clock, action
):
    lee = make_user(db, clock, "lee", "commander")
    make_user(db, clock, "adm", "admin")
    lee_client = app.test_client()
    sign_in(lee_client, "lee")
    cookie = copied_cookie(lee_client)
    sign_in(client, "adm")
    page = client.get("/admin/users").get_data(as_text=True)

    client.post(
        f"/admin/users/{lee}/{action}", data={"csrf_token": token(page), "confirmed": "yes"}
    )
    if action == "disable":  # enabled again: the old cookie must still be dead
        client.post(f"/admin/users/{lee}/enable", data={"csrf_token": token(page)})

    assert lee_client.get("/callbacks").status_code == 302
    assert replay(app, cookie).status_code == 302
    with db.Session() as session:
        assert session.get(User, lee).session_version == 1


# --- 2. cookies, CSRF, GET, headers -----------------------------------------------------------


def https_app(services):
    served = dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, public_url=HTTPS_URL)
    )
    return create_app({"SERVICES": served, "TESTING": True})


def test_on_https_the_session_cookie_is_host_prefixed_secure_http_only_and_same_site(
    services, db, clock
):
    make_user(db, clock, "lee", "commander")
    client = https_app(services).test_client()
    base = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    page = client.get("/login", **base).get_data(as_text=True)

    response = client.post(
        "/login",
        data={"csrf_token": token(page), "username": "lee", "password": PASSWORD},
        **base,
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}

    assert response.status_code == 302
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "Path=/;" in cookie + ";" and "SameSite=Lax" in cookie
    assert client.get("/callbacks", **base).status_code == 200
    assert "max-age=" in client.get("/login", **base).headers["Strict-Transport-Security"]


def test_on_plain_http_the_local_demo_keeps_a_plain_cookie_browsers_accept(client, db, clock):
    make_user(db, clock, "lee", "commander")

    response = sign_in(client, "lee")
    [cookie] = response.headers.getlist("Set-Cookie")

    assert cookie.startswith("session=") and "HttpOnly" in cookie
    assert "Secure" not in cookie  # a browser would drop a Secure cookie on http://
    assert "Strict-Transport-Security" not in response.headers


def snapshot(db, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but ``skip``), in primary-key order."""
    with db.Session() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


OTHER_SYSTEMS = ("intake_api", "twilio_hooks")  # bearer tokens and Twilio signatures, not forms


def test_every_form_post_without_its_token_is_refused_and_changes_nothing(
    app, client, api, sender, clock, db
):
    world = build_world(client, api, sender, clock, db)
    table = expected(world)
    make_user(db, clock, "adm", "admin")
    admin = app.test_client()
    sign_in(admin, "adm")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint.split(".")[0] not in OTHER_SYSTEMS
    ]
    before = snapshot(db)

    answers = {}
    for rule in posts:
        url, form, _ = table[("POST", rule.rule)]
        answers[rule.rule] = admin.post(url, data=form).status_code

    assert len(posts) >= 15
    assert answers == dict.fromkeys(answers, 400)
    assert snapshot(db) == before
    assert admin.get("/callbacks").status_code == 200  # still signed in: nothing was done


def test_no_page_opened_with_get_changes_anything_but_adds_to_the_audit_trail(
    app, client, api, sender, clock, db
):
    world = build_world(client, api, sender, clock, db)
    table = expected(world)
    admin_id = make_user(db, clock, "adm", "admin")
    admin = app.test_client()
    sign_in(admin, "adm")
    audit_before = len(audit_rows(db))
    # The report pages count waiting changes into the report facts (derived data) before they
    # read: count them now, so that any change a GET makes below is a real one.
    facts.refresh_all(db)
    before = snapshot(db, skip=("audit_events",))

    changed = []
    for (method, rule), (url, _, _) in table.items():
        if method != "GET":
            continue
        admin.get(url).close()
        if snapshot(db, skip=("audit_events",)) != before:
            changed.append(rule)

    assert changed == []
    added = audit_rows(db)[audit_before:]
    assert added, "the views of personal data were not audited"
    assert {row.user_id for row in added} == {admin_id}
    assert not any(
        row.action.startswith(("sign_", "user_", "token_", "template_")) for row in added
    )


def test_every_answer_but_static_files_is_kept_out_of_caches(app, client, api, sender, clock, db):
    world = build_world(client, api, sender, clock, db)
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")

    pages = {
        url: client.get(url)
        for (method, _), (url, _, _) in expected(world).items()
        if method == "GET"
    }

    for url, response in pages.items():
        if url.startswith("/static/"):
            assert response.headers.get("Cache-Control") != "no-store"
        else:
            assert response.headers["Cache-Control"] == "no-store", url
        response.close()
    anonymous = app.test_client().get(f"/simulator?phone=%2B{'12025550177'}")
    assert anonymous.headers["Cache-Control"] == "no-store"


def html_templates() -> dict[str, str]:
    root = resource_dir()
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in root.rglob("*.html")
    }


def test_no_page_template_has_inline_script_handlers_or_evaluated_htmx(client):
    found = []
    for name, text in html_templates().items():
        for what, pattern in (
            # A JSON data island (type="application/json") is data: never run.
            ("inline <script>", r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"),
            ("on* handler", r"<[^>]*\son[a-z]+\s*="),
            ("javascript: URL", r"javascript:"),
            ("hx-on handler", r"\bhx-on"),
            ("evaluated hx-vars/hx-vals", r"hx-vars|hx-vals\s*=\s*['\"]\s*js:"),
        ):
            found += [f"{name}: {what}" for _ in re.finditer(pattern, text, re.IGNORECASE)]
    csp = client.get("/login").headers["Content-Security-Policy"]
    script_src = re.search(r"script-src([^;]*)", csp).group(1)

    assert len(html_templates()) >= 15
    assert found == []
    assert script_src.split() == ["'self'"]
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp
    # htmx may not eval (hx-vars, js: values, hx-on): the page says so in its config.
    assert '"allowEval": false' in html_templates()["pages/base.html"]


# --- 3. template injection ------------------------------------------------------------------


def test_jinja_is_3_1_6_or_newer_and_texts_render_in_its_sandbox():
    assert Version(version("jinja2")) >= Version("3.1.6")
    assert isinstance(message_templates._env, SandboxedEnvironment)


INJECTIONS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ agency_name|attr('__class__') }}",
    "{{ x|attr('__class__') }}",
    "{{ '%s'|format(agency_name.__class__) }}",
    "{{ '{0.__class__}'.format(agency_name) }}",
    "{{ '%(a)s'|format(a=agency_name) }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% set x = agency_name.__class__ %}{{ x }}",
    "{{ config }}{{ request }}{{ self }}",
]


@pytest.mark.parametrize("body", INJECTIONS)
def test_a_template_injection_through_the_admin_save_is_refused_and_nothing_saved(
    client, db, clock, body
):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/templates/edit?purpose=checkin&language=en").get_data(as_text=True)

    def versions():
        with db.Session() as session:
            return session.scalar(
                select(func.count()).where(
                    MessageTemplate.purpose == "checkin", MessageTemplate.language == "en"
                )
            )

    before = versions()
    response = client.post(
        "/admin/templates/save",
        data={
            "csrf_token": token(page),
            "purpose": "checkin",
            "language": "en",
            "body": f"Westlake Police: how did we do? {body} Reply STOP to opt out.",
            "activate": "1",
        },
    )
    text = response.get_data(as_text=True)

    assert response.status_code == 400
    error = re.search(r"data-save-error>([^<]+)<", text).group(1)
    assert "line 1" in error  # says where
    assert "__globals__" not in error.replace(body, "") or "not allowed" in error
    assert versions() == before
    assert "&lt;class" not in text and "<class" not in text  # nothing was evaluated


# --- 6. the audit trail ---------------------------------------------------------------------


def test_every_sign_in_attempt_is_audited_with_what_was_typed_where_from_and_the_outcome(
    app, db, clock
):
    secret = pyotp.random_base32()
    make_user(db, clock, "lee", "commander")
    make_user(db, clock, "kim", "commander", totp_secret=secret)
    client = from_address(app.test_client(), "198.51.100.20")

    sign_in(client, "  Lee ", "not the password")
    sign_in(client, "nobody-here", "not the password")
    sign_in(client, "kim")  # the code is asked for
    sign_in(client, "kim", code=pyotp.TOTP(secret).at(clock.now()))
    sign_in(client, "lee")

    rows = [(r.action, r.username, r.ip, r.detail.get("reason")) for r in audit_rows(db)]
    assert rows == [
        ("sign_in_failed", "lee", "198.51.100.20", "wrong password"),
        ("sign_in_failed", "nobody-here", "198.51.100.20", "unknown or disabled account"),
        ("sign_in_code_asked", "kim", "198.51.100.20", None),
        ("sign_in", "kim", "198.51.100.20", None),
        ("sign_in", "lee", "198.51.100.20", None),
    ]


def test_views_reveals_and_exports_of_personal_data_are_audited(
    app, client, api, sender, clock, db
):
    world = build_world(client, api, sender, clock, db)
    lee = make_user(db, clock, "lee", "admin")
    staff = from_address(app.test_client(), "198.51.100.30")
    sign_in(staff, "lee")
    page = staff.get(f"/callbacks/{world.callback}").get_data(as_text=True)

    staff.post(f"/callbacks/{world.callback}/reveal", data={"csrf_token": token(page)})
    staff.get("/audit.csv")
    staff.get("/reports/comments.csv")

    seen = [
        (r.action, r.object_type, r.object_id, r.user_id, r.ip)
        for r in audit_rows(db)
        if r.user_id == lee and r.action != "sign_in"
    ]
    assert seen[:3] == [
        ("view_callback", "callback", world.callback, lee, "198.51.100.30"),
        ("reveal_number", "callback", world.callback, lee, "198.51.100.30"),
        ("audit_exported", None, None, lee, "198.51.100.30"),
    ]
    assert len(seen) == 4 and "export" in seen[3][0]  # the comments CSV
    for row in audit_rows(db):
        assert "2025550177" not in str(row.detail) and "waited" not in str(row.detail)


def test_audit_rows_outlive_the_retention_purge(app, client, api, sender, clock, db):
    build_world(client, api, sender, clock, db)
    api.post_call(caller_phone="+12025550175")  # a check-in nobody answered: nothing held
    clock.advance(hours=3)
    sender.sweep()
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee", "wrong password")
    sign_in(client, "lee")
    kept = [(r.id, r.action, r.at) for r in audit_rows(db)]

    clock.advance(days=2 * 365)
    reports = retention.purge(db, clock)

    assert sum(report.total for report in reports) > 0  # the purge did empty personal fields
    assert [(r.id, r.action, r.at) for r in audit_rows(db)][: len(kept)] == kept


def test_no_code_deletes_or_edits_audit_rows():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("followup/**/*.py"), *root.glob("webhooks/**/*.py")]
    offending = [
        str(path.relative_to(root))
        for path in sources
        if re.search(
            r"(delete|update)\(\s*AuditEvent|(DELETE FROM|UPDATE)\s+audit_events",
            path.read_text(encoding="utf-8"),
            re.IGNORECASE,
        )
    ]
    assert len(sources) > 30
    assert offending == []


# --- 6. the logs ------------------------------------------------------------------------------


def test_a_day_of_work_logged_at_debug_shows_no_number_name_or_words(
    app, client, api, sender, clock, db, caplog, services
):
    caplog.set_level(logging.DEBUG)
    caller, body = "+12025550176", "the officer was rude and my neighbour Pat keeps shouting"
    make_user(db, clock, "lee", "admin")

    response = api.post_call(caller_phone="(202) 555-0176", caller_name="Robin Quill")
    clock.advance(hours=3)
    sender.sweep()
    TwilioWebhooks.for_services(client, services).text(caller, body)
    TwilioWebhooks.for_services(client, services).post(
        "/webhooks/twilio/sms", {"From": caller, "Body": body}, unsigned=True
    )
    sign_in(client, "lee")
    callback = client.get("/callbacks").get_data(as_text=True)
    callback_id = int(re.search(r'data-callback-id="(\d+)"', callback).group(1))
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    client.post(f"/callbacks/{callback_id}/reveal", data={"csrf_token": token(page)})
    client.post(
        f"/callbacks/{callback_id}/note",
        data={"csrf_token": token(page), "note": "Robin says the neighbour is at 12 Elm"},
    )
    client.get(f"/simulator?phone=%2B{caller[1:]}")
    client.get("/reports/comments.csv")

    assert response.status_code == 202 and caplog.records  # the flow ran and logged
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    for secret in (
        "5550176",
        "555-0176",
        "555 0176",
        "Robin",
        "Quill",
        "rude",
        "shouting",
        "12 Elm",
    ):
        assert secret not in logged, f"{secret!r} reached the logs"
