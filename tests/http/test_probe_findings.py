"""The outside probe's findings (issue 16), each replayed through the public surface it used.

Each test names the finding; docs/reliability.md lists the attack, the defense and this test.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import socket
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from followup.agencies.registry import AgencySettings, create_agency
from followup.models import Agency, Alert, Call, Callback, Message, User
from followup.reports import facts
from tests.support.factories import call_event
from tests.support.retention_seed import checkin
from tests.support.web import PASSWORD, make_user, sign_in, token

# --- High 2: one bad row must not break anyone's reports -------------------------------------


def test_a_call_closed_in_year_one_breaks_no_report_of_its_agency_or_another(client, db, clock):
    """A row stored before intake refused such dates (DateTimeOffset.MinValue): the scheduled
    refresh and every report page still work, for its agency and for the others."""
    with db.begin() as session:
        westlake = session.scalar(select(Agency).order_by(Agency.id))
        eastside = create_agency(
            session, "eastside", AgencySettings(name="Eastside PD"), now=clock.now()
        )
        checkin(session, westlake.id, datetime(1, 1, 1, tzinfo=UTC), "+12025550131")
        checkin(session, westlake.id, clock.now(), "+12025550132")
        checkin(session, eastside.id, clock.now(), "+12025550133")
        eastside_id = eastside.id

    assert facts.refresh_all(db) > 0  # the scheduler's refresh: no OverflowError
    make_user(db, clock, "west", "viewer")
    with db.begin() as session:
        from followup.staff import users
        from tests.support.web import PASSWORD

        users.create_user(
            session, session.get(Agency, eastside_id), "east", "viewer", PASSWORD, now=clock.now()
        )
    for username in ("west", "east"):
        reader = client.application.test_client()
        sign_in(reader, username)
        for path in ("/reports", "/reports/comments", "/reports/figures.csv",
                     "/reports/summary?month=2026-11"):
            assert reader.get(path).status_code == 200, (username, path)


# --- Medium 3: catastrophic backtracking in an agency's pattern ------------------------------


def save_rules(client, **changes):
    """Post the rules page as an admin would: the form as shown, with ``changes``."""
    page = client.get("/admin/rules").get_data(as_text=True)
    form = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
    areas = re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', page)
    form |= {name: html.unescape(value) for name, value in areas}
    form["csrf_token"] = token(page)
    return client.post("/admin/rules", data=form | changes)


def test_a_backtracking_pattern_runs_in_linear_time_on_a_long_label(client, db, clock, api):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")

    saved = save_rules(client, sensitive_patterns="re:^(a+)+$")
    # With Python's re this label takes minutes (2^40 ways to split the a's); RE2 is linear.
    label = "a" * 40 + "!"
    response = api.post_call(call_event(call_id="RE-1", call_type=label))
    exact = api.post_call(call_event(call_id="RE-2", call_type="a" * 40))

    assert saved.status_code == 303
    assert response.status_code == 202 and response.json["followup"]["status"] == "scheduled"
    assert exact.json["followup"]["reason"] == "sensitive_call_type"


def test_a_pattern_re2_cannot_run_is_refused_when_saved(client, db, clock):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")

    refused = save_rules(client, sensitive_patterns="re:(a)\\1")  # a backreference

    assert refused.status_code == 400
    assert "RE2" in refused.get_data(as_text=True)
    with db.Session() as session:
        assert session.scalar(select(Agency)).sensitive_patterns == []


# --- Medium 4: the alert URL as a port scanner -----------------------------------------------

HOSTILE_URLS = [
    "https://127.0.0.1:8443/x",
    "https://169.254.169.254/latest/meta-data",
    "https://10.1.2.3/alerts",
    "https://192.168.0.10/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://localhost/alerts",
    "https://printer.local/",
    "https://intranet/",
    "http://alerts.example.org/plain-http",
    "https://user:pass@alerts.example.org/",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_rules_page_refuses_an_alert_url_that_is_not_public_https(client, db, clock, url):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")

    refused = save_rules(client, alert_url=url)

    assert refused.status_code == 400
    with db.Session() as session:
        assert session.scalar(select(Agency)).alert_url is None


@pytest.mark.parametrize("url", ["https://127.0.0.1:8443/x", "http://alerts.example.org/h"])
def test_the_command_line_refuses_the_same_urls(services, url):
    from click.testing import CliRunner

    from followup.cli import main
    from followup.cli.context import Lazy

    lazy = Lazy()
    lazy._services = services
    result = CliRunner().invoke(main, ["agency", "configure", "--alert-url", url], obj=lazy)

    assert result.exit_code == 1 and "--alert-url" in result.output
    with services.db.Session() as session:
        assert session.scalar(select(Agency)).alert_url is None


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection and every byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while self.sock.fileno() != -1:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.settimeout(0.5)
            with contextlib.suppress(OSError):
                self.received += conn.recv(4096)
            conn.close()

    def close(self):
        self.sock.close()
        self.thread.join(timeout=2)


def resolving(monkeypatch, host: str, *answers: str):
    """Make ``host`` resolve to ``answers`` in turn (the last one thereafter): DNS rebinding."""
    real = socket.getaddrinfo
    given = list(answers)

    def fake(name, port, *args, **kwargs):
        if name != host:
            return real(name, port, *args, **kwargs)
        address = given.pop(0) if len(given) > 1 else given[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def urgent_reply(api, services, clock, body="he is outside my door right now with a knife"):
    """A check-in and a crisis reply through the signed webhook; returns the callback's id."""
    from tests.support.web import callback_ids, simulate_reply

    response = api.post_call(call_event(call_id="SSRF-1", caller_phone="+12025550151"))
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    services.sender(worker_id="probe").sweep()
    simulate_reply(api.client.application, "+12025550151", body)
    return callback_ids(api.client.application)[-1]


def alert_details(db) -> list[tuple[str, str]]:
    with db.Session() as session:
        return [(a.status, a.detail) for a in session.scalars(select(Alert).order_by(Alert.id))]


def test_a_saved_url_whose_name_now_resolves_inside_the_network_is_never_connected_to(
    api, services, clock, db, monkeypatch
):
    listener = Listener()
    try:
        with db.begin() as session:
            session.scalar(select(Agency)).alert_url = "https://alerts.example.org/h"
        resolving(monkeypatch, "alerts.example.org", "127.0.0.1")

        urgent_reply(api, services, clock)

        [(status, detail)] = alert_details(db)
        assert status == "failed" and detail.startswith("not delivered:")
        assert "not public" in detail
        assert listener.connections == 0
    finally:
        listener.close()


def test_a_name_that_rebinds_between_the_check_and_the_connection_gets_no_byte(
    api, services, clock, db, monkeypatch
):
    listener = Listener()
    try:
        with db.begin() as session:
            session.scalar(select(Agency)).alert_url = (
                f"https://alerts.example.org:{listener.port}/h"
            )
        # Public when checked, this machine when connected to.
        resolving(monkeypatch, "alerts.example.org", "93.184.216.34", "127.0.0.1")

        urgent_reply(api, services, clock)

        [(status, detail)] = alert_details(db)
        assert status == "failed" and "not public" in detail
        assert listener.received == b""
    finally:
        listener.close()


def test_an_alert_url_cleared_after_a_failure_is_not_retried_and_staff_read_plain_words(
    api, services, clock, db, client, monkeypatch
):
    posts = []

    def down(url, *, data, headers, timeout):
        posts.append(url)
        raise requests.ConnectionError("refused")

    monkeypatch.setattr("followup.callbacks.webhook_post.post", down)
    with db.begin() as session:
        session.scalar(select(Agency)).alert_url = "https://alerts.example.org/h"
    callback_id = urgent_reply(api, services, clock)
    waiting = "not delivered yet: could not connect to the alert URL"
    assert alert_details(db) == [("pending", waiting)]

    with db.begin() as session:
        session.scalar(select(Agency)).alert_url = None
    clock.advance(minutes=5)
    services.alert_sender().retry_pending()

    assert posts == ["https://alerts.example.org/h"]  # once, never after it was cleared
    [(status, detail)] = alert_details(db)
    assert status == "failed" and "changed or removed" in detail
    make_user(db, clock, "cmd", "commander")
    sign_in(client, "cmd")
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert "changed or removed" in page and "ConnectionError" not in page


def test_a_redirecting_alert_url_is_not_followed(api, services, clock, db, monkeypatch):
    def redirect(url, *, data, headers, timeout):
        response = requests.Response()
        response.status_code = 302
        response.headers["Location"] = "https://169.254.169.254/"
        return response

    monkeypatch.setattr("followup.callbacks.webhook_post.post", redirect)
    with db.begin() as session:
        session.scalar(select(Agency)).alert_url = "https://alerts.example.org/h"

    urgent_reply(api, services, clock)

    assert alert_details(db) == [("failed", "not delivered: the alert URL redirected (HTTP 302)")]


# --- Low: each crisis text alerted every commander again ------------------------------------


def test_three_crisis_texts_on_one_callback_alert_each_commander_once(api, services, clock, db):
    from followup.models import RosterMember
    from tests.support.web import simulate_reply

    with db.begin() as session:
        agency = session.scalar(select(Agency))
        for phone in ("+12025550171", "+12025550172"):
            session.add(RosterMember(agency_id=agency.id, name=f"Lt. {phone[-2:]}", phone=phone,
                                     on_duty=True, created_at=clock.now()))
    urgent_reply(api, services, clock)
    simulate_reply(api.client.application, "+12025550151", "he is still here, banging on the door")
    simulate_reply(api.client.application, "+12025550151", "please hurry he has a knife")

    with db.Session() as session:
        alerts = session.scalars(select(Alert)).all()
        callbacks = session.scalars(select(Callback)).all()
    assert len(callbacks) == 1 and callbacks[0].priority == "urgent"
    assert sorted(a.target for a in alerts) == sorted({a.target for a in alerts})
    assert len(alerts) == 2


# --- Medium 6: NUL characters (PostgreSQL cannot store them) ----------------------------------


def test_a_nul_in_any_intake_field_is_a_400_naming_it_and_stores_nothing(api, db):
    for field in ("caller_name", "call_type", "district", "call_id"):
        response = api.post_call(call_event(**{field: "North\x00side"}))

        assert response.status_code == 400, field
        assert [e["field"] for e in response.json["errors"]] == [field]
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_a_nul_in_a_call_id_lookup_is_a_400_problem(api, client):
    response = client.get(
        "/api/v1/calls/24%00-1", headers={"Authorization": f"Bearer {api.token}"}
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_nul_in_a_sign_in_is_a_400_and_no_sign_in(client, db, clock):
    make_user(db, clock, "adm", "admin")
    page = client.get("/login").get_data(as_text=True)

    response = client.post(
        "/login", data={"csrf_token": token(page), "username": "adm\x00", "password": "x"}
    )

    assert response.status_code == 400
    assert client.get("/callbacks").status_code == 302  # still signed out


def test_a_text_with_a_nul_is_stored_with_it_replaced_and_triaged_never_lost(
    client, services, db
):
    from tests.support.twilio_requests import TwilioWebhooks, twiml_reply

    hooks = TwilioWebhooks.for_services(client, services)

    response = hooks.text("+12025550155", "he is\x00 outside my door right now")

    assert response.status_code == 200
    assert twiml_reply(response) is not None  # the safety reply
    with db.Session() as session:
        [stored] = session.scalars(select(Message).where(Message.direction == "inbound")).all()
    assert stored.body == "he is\ufffd outside my door right now"
    assert stored.category == "crisis"


def test_a_status_callback_with_a_nul_changes_nothing_and_is_no_500(client, services):
    from tests.support.twilio_requests import TwilioWebhooks

    hooks = TwilioWebhooks.for_services(client, services)

    response = hooks.status(None, "SM\x00" + "1" * 30, "delivered", to="+12025550155")

    assert response.status_code == 204


# --- Low: duplicate keys in an intake event --------------------------------------------------


def test_an_event_with_a_field_twice_is_refused_not_guessed(client, api, db):
    body = (
        '{"call_id": "D-1", "call_id": "D-2", "closed_at": "2026-11-23T09:30:00-05:00", '
        '"call_type": "THEFT", "caller_phone": "202-555-0156"}'
    )
    response = client.post(
        "/api/v1/calls",
        data=body,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400 and "'call_id' appears twice" in response.json["detail"]
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


# --- Low: CSV cells that escaped the formula guard -------------------------------------------


def test_a_reply_starting_with_a_disguised_formula_is_quoted_in_the_comments_csv(
    client, api, sender, clock, db
):
    from tests.support.web import flagged_reply

    body = '\u00a0=HYPERLINK("https://evil.example","click")'
    flagged_reply(client, api, sender, clock, body, "+12025550161")
    make_user(db, clock, "vw", "viewer")
    sign_in(client, "vw")

    rows = list(csv.reader(io.StringIO(client.get("/reports/comments.csv").get_data(as_text=True))))

    [cell] = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert cell == "'" + body


# --- Low: a text's media URL as a javascript: link -------------------------------------------


def test_only_https_media_urls_become_links_on_the_callback_page(client, services, db, clock):
    from tests.support.twilio_requests import TwilioWebhooks

    hooks = TwilioWebhooks.for_services(client, services)
    hooks.text(
        "+12025550163",
        "the officer was rude, see my photos",
        media=(
            ("javascript:alert(document.cookie)", "image/jpeg"),
            (" JaVaScRiPt:alert(1)", "image/jpeg"),
            ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
        ),
    )
    make_user(db, clock, "cmd", "commander")
    sign_in(client, "cmd")
    with db.Session() as session:
        callback_id = session.scalar(select(Callback.id))

    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)

    links = re.findall(r'href="([^"]*)"', page)
    assert not [link for link in links if "script" in link.lower()]
    assert "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1" in links
    assert "javascript:alert(document.cookie)" in page  # shown, as text


# --- Low: the log redactor read Unix times as phone numbers -----------------------------------


def test_a_unix_time_in_a_log_line_stays_and_a_number_does_not(caplog):
    import logging

    from followup.core import logs

    record = logging.LogRecord(
        "followup.test", logging.INFO, __file__, 1,
        "alert at %s to %s (%s)", (1796294491, "202-555-0188", "(202) 555-0123"), None,
    )
    logs.RedactPhones().filter(record)

    assert record.getMessage() == "alert at 1796294491 to [phone] ([phone])"


# --- Low: sign-in answers that told accounts apart ------------------------------------------


def test_a_locked_account_and_an_unknown_name_get_the_same_words_after_the_same_work(
    client, db, clock, monkeypatch
):
    from followup.staff import users as staff_users

    make_user(db, clock, "lee", "commander", locked_until=datetime(2030, 1, 1, tzinfo=UTC))
    work = []
    hasher = staff_users._hasher
    monkeypatch.setattr(
        staff_users, "_hasher",
        type("Counting", (), {
            "hash": lambda self, p: work.append("hash") or hasher.hash(p),
            "verify": lambda self, h, p: work.append("verify") or hasher.verify(h, p),
            "check_needs_rehash": lambda self, h: hasher.check_needs_rehash(h),
        })(),
    )

    locked = sign_in(client, "lee")
    after_locked, work[:] = list(work), []
    unknown = sign_in(client, "nobody-here")

    assert locked.status_code == unknown.status_code == 401
    assert message(locked) == message(unknown)
    assert len(after_locked) == len(work) == 1  # one argon2 operation each


def message(response) -> str:
    return re.search(r'role="alert"[^>]*>([^<]*)<', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\\evil.example", "\\\\evil.example", "//evil.example",
     "https://evil.example/", "/\r\nLocation: https://evil.example", "/\n/evil.example",
     "javascript:alert(1)"],
)
def test_after_sign_in_no_next_leads_off_the_site(client, db, clock, target):
    make_user(db, clock, "lee", "commander")
    page = client.get("/login").get_data(as_text=True)

    response = client.post(
        "/login", query_string={"next": target},
        data={"csrf_token": token(page), "username": "lee", "password": PASSWORD},
    )

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", "")  # a path of this site, whatever it says
    assert "\r" not in location and "\n" not in location


def test_after_sign_in_a_path_of_this_site_is_kept(client, db, clock):
    make_user(db, clock, "lee", "commander")
    page = client.get("/login").get_data(as_text=True)

    response = client.post(
        "/login", query_string={"next": "/callbacks?priority=urgent"},
        data={"csrf_token": token(page), "username": "lee", "password": PASSWORD},
    )

    assert response.headers["Location"] == "/callbacks?priority=urgent"


# --- Low: secrets shown once travelled in the session cookie --------------------------------


@pytest.mark.parametrize("action", ["reset-password", "totp"])
def test_a_temporary_password_or_authenticator_link_is_in_the_page_never_in_the_cookie(
    app, client, db, clock, action
):
    lee = make_user(db, clock, "lee", "commander")
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/users").get_data(as_text=True)

    response = client.post(
        f"/admin/users/{lee}/{action}", data={"csrf_token": token(page), "confirmed": "yes"}
    )

    assert response.status_code == 200
    secret = re.search(r"<code data-shown-once>([^<]+)</code>", response.get_data(as_text=True))
    assert secret is not None
    shown = html.unescape(secret.group(1))
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert shown not in json.dumps(serializer.loads(cookie.value))
    assert shown not in client.get("/admin/users").get_data(as_text=True)  # once


# --- Low: global usernames told one agency's admin what another agency has ---------------------


def test_a_name_another_agency_uses_and_a_reserved_name_get_the_same_refusal(client, db, clock):
    from followup.staff import users as staff_users

    with db.begin() as session:
        other = create_agency(session, "eastside", AgencySettings(name="Eastside"), now=clock.now())
        staff_users.create_user(session, other, "jsmith", "admin", PASSWORD, now=clock.now())
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")

    def refusal(username: str) -> str:
        page = client.get("/admin/users").get_data(as_text=True)
        client.post(
            "/admin/users",
            data={"csrf_token": token(page), "username": username, "role": "viewer",
                  "display_name": "X", "password": "a long enough password"},
        )
        text = client.get("/admin/users").get_data(as_text=True)
        return re.search(r"Not created: ([^<]*)", text).group(1).replace(username, "NAME")

    taken, reserved = refusal("jsmith"), refusal("admin")

    assert taken == reserved and "eastside" not in taken.lower()
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2


# --- Left open: who opened the queue --------------------------------------------------------


def test_opening_the_queue_is_audited_and_its_live_refresh_is_not(client, db, clock):
    from followup.models import AuditEvent

    make_user(db, clock, "vw", "viewer")
    sign_in(client, "vw")

    client.get("/callbacks?priority=urgent")
    client.get("/callbacks/rows", headers={"X-Followup-Poll": "1"})
    client.get("/callbacks/rows", headers={"X-Followup-Poll": "1"})

    with db.Session() as session:
        views = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("view_%"))
        ).all()
    assert [(view.action, view.username, view.detail) for view in views] == [
        ("view_queue", "vw", {"priority": "urgent"})
    ]
