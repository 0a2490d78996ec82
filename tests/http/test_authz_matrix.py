"""Who may call which route: every route in the app, for each role, and across registry.

The expectation table below is written out by hand. A route added to the app without a row here
fails ``test_every_route_has_an_expected_answer_for_every_role``, so nobody adds a page without
deciding who may open it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from followup.agencies import registry
from followup.agencies.registry import AgencySettings
from followup.core.db import Base
from followup.intake import tokens
from followup.models import (
    Agency,
    ApiToken,
    Callback,
    CallType,
    MessageTemplate,
    RosterMember,
    User,
)
from tests.support.web import flagged_reply, make_user, sign_in, token

ROLES = ("anonymous", "viewer", "commander", "admin")
BODY = "nobody ever came and I waited three hours"
CALLER = "+12025550177"


@dataclass
class World:
    """One agency's records, made through the real surfaces where it matters."""

    callback: int
    template: int
    member: int
    api_token: int
    target_user: int
    call_id: str
    call_type: int  # the register's row for the flagged reply's call type
    reply: int  # the callback's deciding reply


def build_world(client, api, sender, clock, db) -> World:
    """A flagged reply (through intake, the sender and the signed webhook) and admin records."""
    callback = flagged_reply(client, api, sender, clock, BODY, CALLER)
    target = make_user(db, clock, "target", "viewer")
    with db.begin() as session:
        agency = session.scalar(select(Agency).order_by(Agency.id))
        template = session.scalar(
            select(MessageTemplate.id).where(MessageTemplate.agency_id == agency.id)
        )
        member = RosterMember(
            agency_id=agency.id,
            name="Sgt. Ray",
            phone="+12025550178",
            shift="days",
            on_duty=True,
            created_at=clock.now(),
        )
        session.add(member)
        row, _ = tokens.create_token(session, agency, "cad-2", now=clock.now())
        session.flush()
        call_type = session.scalar(select(CallType.id).where(CallType.agency_id == agency.id))
        reply = session.get(Callback, callback).message_id
        return World(
            callback, template, member.id, row.id, target, f"W-{CALLER[-4:]}", call_type, reply
        )


def the_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


# --- the table ------------------------------------------------------------------------------------

A = "anonymous"
SIGNED_IN = {"viewer", "commander", "admin"}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def staff(status: int) -> dict[str, int]:
    """Any signed-in role; anonymous people are sent to sign in."""
    return {A: 302} | dict.fromkeys(SIGNED_IN, status)


def admin_only(status: int) -> dict[str, int]:
    return {A: 302, "viewer": 403, "commander": 403, "admin": status}


def workers(status: int, viewer: int = 403) -> dict[str, int]:
    return {A: 302, "viewer": viewer, "commander": status, "admin": status}


def expected(w: World) -> dict[tuple[str, str], tuple[str, dict, dict[str, int]]]:
    """(method, rule) -> (the URL to call, the form to post, status by role).

    POSTs carry a valid form token (CSRF is tested apart); the forms are harmless ones."""
    cb, tpl = w.callback, w.template
    return {
        ("GET", "/"): ("/", {}, everyone(302)),
        ("GET", "/static/<path:filename>"): ("/static/app.css", {}, everyone(200)),
        ("GET", "/login"): ("/login", {}, everyone(200)),
        # A wrong password: refused, whoever asks.
        ("POST", "/login"): ("/login", {"username": "nobody", "password": "x" * 12}, everyone(401)),
        ("GET", "/healthz"): ("/healthz", {}, everyone(200)),
        ("GET", "/readyz"): ("/readyz", {}, everyone(200)),
        # Aggregate counters only; FOLLOWUP_METRICS_TOKEN closes it in production.
        ("GET", "/metrics"): ("/metrics", {}, everyone(200)),
        # Other systems: a staff session is no credential there.
        ("POST", "/api/v1/calls"): ("/api/v1/calls", {}, everyone(401)),
        ("GET", "/api/v1/calls/<path:call_id>"): (f"/api/v1/calls/{w.call_id}", {}, everyone(401)),
        ("POST", "/api/v1/calls/<path:call_id>/updates"): (
            f"/api/v1/calls/{w.call_id}/updates", {}, everyone(401)
        ),
        ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", {}, everyone(200)),
        ("POST", "/webhooks/twilio/sms"): ("/webhooks/twilio/sms", {}, everyone(403)),
        ("POST", "/webhooks/twilio/status"): ("/webhooks/twilio/status", {}, everyone(403)),
        # The phone simulator plays any caller's phone: commanders and admins of the agency only
        # (and only when turned on, with the local outbox).
        ("GET", "/simulator"): ("/simulator", {}, workers(200)),
        ("POST", "/simulator/send"): (
            "/simulator/send", {"phone": "", "body": ""}, workers(302, viewer=403)
        ),
        ("POST", "/simulator/send-due"): ("/simulator/send-due", {}, workers(302)),
        # The queue: every role reads; viewers cannot work or reveal.
        ("GET", "/callbacks"): ("/callbacks", {}, staff(200)),
        ("GET", "/callbacks/rows"): ("/callbacks/rows", {}, staff(200)),
        ("GET", "/callbacks/urgent"): ("/callbacks/urgent", {}, staff(200)),
        ("GET", "/callbacks/handover"): ("/callbacks/handover", {}, staff(200)),
        ("GET", "/callbacks/<int:callback_id>"): (f"/callbacks/{cb}", {}, staff(200)),
        ("POST", "/callbacks/<int:callback_id>/reveal"): (
            f"/callbacks/{cb}/reveal",
            {},
            workers(200),
        ),
        # Viewers are refused by the work rules: back to the page with the reason, nothing done.
        ("POST", "/callbacks/<int:callback_id>/<action>"): (
            f"/callbacks/{cb}/note",
            {"note": "called, no answer"},
            workers(303, viewer=303),
        ),
        # Correcting triage: those who work callbacks. (An unknown correction: refused, back to
        # the page with the reason, nothing recorded.)
        ("POST", "/callbacks/<int:callback_id>/replies/<int:message_id>/correct"): (
            f"/callbacks/{cb}/replies/{w.reply}/correct",
            {"action": "nonsense"},
            workers(303),
        ),
        # Reports: for every role that reads.
        ("GET", "/reports"): ("/reports", {}, staff(200)),
        ("GET", "/reports/summary"): ("/reports/summary", {}, staff(200)),
        ("GET", "/reports/comments"): ("/reports/comments", {}, staff(200)),
        ("GET", "/reports/comments.csv"): ("/reports/comments.csv", {}, staff(200)),
        ("GET", "/reports/commendations"): ("/reports/commendations", {}, staff(200)),
        ("GET", "/reports/commendations.csv"): ("/reports/commendations.csv", {}, staff(200)),
        ("GET", "/reports/figures.csv"): ("/reports/figures.csv", {}, staff(200)),
        ("GET", "/reports/peers"): ("/reports/peers", {}, staff(200)),
        ("GET", "/reports/nonresponse"): ("/reports/nonresponse", {}, staff(200)),
        # Publishing comments: those who work callbacks. (No reply is offered here: the
        # flagged reply is a complaint; a decision on it is refused, back to the queue.)
        ("GET", "/reports/moderation"): ("/reports/moderation", {}, workers(200)),
        ("POST", "/reports/moderation/<int:message_id>/approve"): (
            "/reports/moderation/1/approve",
            {"text": "Thanks"},
            workers(303),
        ),
        ("POST", "/reports/moderation/<int:message_id>/decline"): (
            "/reports/moderation/1/decline",
            {},
            workers(303),
        ),
        ("POST", "/reports/moderation/published/<int:review_id>/withdraw"): (
            "/reports/moderation/published/1/withdraw",
            {},
            workers(303),
        ),
        # The public board: anyone, signed in or not; a 404 until the agency switches it on.
        ("GET", "/public/<slug>"): ("/public/default", {}, everyone(404)),
        ("GET", "/public/<slug>/embed"): ("/public/default/embed", {}, everyone(404)),
        ("GET", "/public/<slug>/figures.csv"): ("/public/default/figures.csv", {}, everyone(404)),
        ("GET", "/public/<slug>/figures.json"): (
            "/public/default/figures.json",
            {},
            everyone(404),
        ),
        # A victim's case page: no sign-in; an unknown token is a 404 for everyone.
        ("GET", "/c/<token>"): ("/c/AAAAAAAAAAAAAAAAAAAAAA", {}, everyone(404)),
        # IT staff only.
        ("GET", "/audit"): ("/audit", {}, admin_only(200)),
        ("GET", "/audit.csv"): ("/audit.csv", {}, admin_only(200)),
        ("GET", "/admin/users"): ("/admin/users", {}, admin_only(200)),
        ("POST", "/admin/users"): ("/admin/users", {"username": "x"}, admin_only(303)),
        ("POST", "/admin/users/<int:user_id>/<action>"): (
            f"/admin/users/{w.target_user}/enable",
            {},
            admin_only(303),
        ),
        ("GET", "/admin/agencies"): ("/admin/agencies", {}, admin_only(200)),
        ("POST", "/admin/tokens"): ("/admin/tokens", {"name": "cad-3"}, admin_only(200)),
        ("POST", "/admin/tokens/<int:token_id>/revoke"): (
            f"/admin/tokens/{w.api_token}/revoke",
            {},
            admin_only(303),
        ),
        ("GET", "/admin/rules"): ("/admin/rules", {}, admin_only(200)),
        ("POST", "/admin/rules"): ("/admin/rules", {"quiet_hours": "nonsense"}, admin_only(400)),
        ("POST", "/admin/rules/tester"): (
            "/admin/rules/tester",
            {"labels": "THEFT"},
            admin_only(200),
        ),
        # The call-type register; the forms are refused (an unknown choice), nothing changes.
        ("GET", "/admin/rules/call-types"): ("/admin/rules/call-types", {}, admin_only(200)),
        ("POST", "/admin/rules/call-types/<int:call_type_id>/decide"): (
            f"/admin/rules/call-types/{w.call_type}/decide",
            {"decision": "maybe"},
            admin_only(303),
        ),
        ("POST", "/admin/rules/call-types/hold"): (
            "/admin/rules/call-types/hold",
            {"hold": "maybe"},
            admin_only(303),
        ),
        ("POST", "/admin/roster"): ("/admin/roster", {"name": ""}, admin_only(303)),
        ("POST", "/admin/roster/<int:member_id>/<action>"): (
            f"/admin/roster/{w.member}/duty",
            {},
            admin_only(303),
        ),
        ("GET", "/admin/templates"): ("/admin/templates", {}, admin_only(200)),
        ("GET", "/admin/templates/edit"): (
            "/admin/templates/edit?purpose=checkin&language=en",
            {},
            admin_only(200),
        ),
        ("POST", "/admin/templates/preview"): (
            "/admin/templates/preview",
            {"language": "en", "body": "Hello"},
            admin_only(200),
        ),
        ("POST", "/admin/templates/save"): (
            "/admin/templates/save",
            {"purpose": "checkin", "language": "en", "body": "{{ nope }}"},
            admin_only(400),
        ),
        ("GET", "/admin/templates/<int:template_id>/diff"): (
            f"/admin/templates/{tpl}/diff?against={tpl}",
            {},
            admin_only(200),
        ),
        ("POST", "/admin/templates/<int:template_id>/activate"): (
            f"/admin/templates/{tpl}/activate",
            {},
            admin_only(303),
        ),
        ("POST", "/admin/templates/<int:template_id>/test"): (
            f"/admin/templates/{tpl}/test",
            {"phone": ""},
            admin_only(303),
        ),
        # Last: signing out ends the session the rest of the table uses.
        ("POST", "/logout"): ("/logout", {}, everyone(302)),
    }


def signed_in_client(app, db, clock, role: str):
    client = app.test_client()
    if role != A:
        username = f"{role}-user"
        with db.Session() as session:
            exists = session.scalar(select(User.id).where(User.username == username))
        if exists is None:
            make_user(db, clock, username, role)
        assert sign_in(client, username).status_code == 302
    return client


def form_token(client) -> str:
    return token(client.get("/login").get_data(as_text=True))


def test_every_route_has_an_expected_answer_for_every_role(app, client, api, sender, clock, db):
    world = build_world(client, api, sender, clock, db)

    table = expected(world)

    missing = the_routes(app) - set(table)
    stale = set(table) - the_routes(app)
    assert not missing, f"routes without an entry in the authorization table: {sorted(missing)}"
    assert not stale, f"entries for routes that no longer exist: {sorted(stale)}"
    for role, statuses in ((role, {k: v[2][role] for k, v in table.items()}) for role in ROLES):
        assert set(statuses) == set(table), role


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_from_every_route(
    app, client, api, sender, clock, db, role
):
    world = build_world(client, api, sender, clock, db)
    table = expected(world)
    user = signed_in_client(app, db, clock, role)

    answers = {}
    for (method, rule), (url, form, statuses) in table.items():
        if method == "GET":
            response = user.get(url)
        else:
            response = user.post(url, data={"csrf_token": form_token(user), **form})
        answers[(method, rule)] = (response.status_code, statuses[role])
        response.close()  # a static file's handle

    wrong = {key: got for key, got in answers.items() if got[0] != got[1]}
    assert wrong == {}, f"{role}: (got, expected) by route: {wrong}"


def test_a_viewer_note_is_refused_with_the_reason_and_changes_nothing(
    app, client, api, sender, clock, db
):
    world = build_world(client, api, sender, clock, db)
    viewer = signed_in_client(app, db, clock, "viewer")

    response = viewer.post(
        f"/callbacks/{world.callback}/note",
        data={"csrf_token": form_token(viewer), "note": "viewer was here"},
    )
    told = viewer.get(response.headers["Location"]).get_data(as_text=True)

    assert "Viewers can read callbacks but not work them." in told
    assert "viewer was here" not in told


# --- across agencies ------------------------------------------------------------------------------


def other_agency_staff(app, db, clock):
    """An admin and a commander of a second agency, signed in; return their clients."""
    with db.begin() as session:
        other = registry.create_agency(
            session, "eastside", AgencySettings(name="Eastside PD"), now=clock.now()
        )
        other_id = other.id
    clients = {}
    for role in ("admin", "commander"):
        username = f"east-{role}"
        make_user(db, clock, username, role, agency_id=other_id)
        clients[role] = app.test_client()
        assert sign_in(clients[role], username).status_code == 302
    return clients


def test_another_agencys_staff_get_404_for_every_record_of_ours(
    app, client, api, sender, clock, db
):
    world = build_world(client, api, sender, clock, db)
    ours = {table.name: count_rows(db, table) for table in Base.metadata.sorted_tables}
    ours_active = active_templates(db, world.template)
    east = other_agency_staff(app, db, clock)
    admin, commander = east["admin"], east["commander"]
    cb = world.callback

    reads = {
        f"/callbacks/{cb}": commander,
        f"/admin/templates/{world.template}/diff?against={world.template}": admin,
    }
    writes = [
        (commander, f"/callbacks/{cb}/reveal", {}),
        *[
            (commander, f"/callbacks/{cb}/{action}", {"note": "x", "outcome": "reached"})
            for action in ("claim", "unclaim", "attempt", "note", "resolve", "reopen", "text")
        ],
        (admin, f"/callbacks/{cb}/assign", {"user_id": str(world.target_user)}),
        (
            commander,
            f"/callbacks/{cb}/replies/{world.reply}/correct",
            {"action": "category", "category": "neutral"},
        ),
        (admin, f"/admin/templates/{world.template}/activate", {}),
        (admin, f"/admin/templates/{world.template}/test", {"phone": "+12025550179"}),
        (admin, f"/admin/users/{world.target_user}/disable", {}),
        (admin, f"/admin/users/{world.target_user}/reset-password", {}),
        (admin, f"/admin/tokens/{world.api_token}/revoke", {}),
        (admin, f"/admin/roster/{world.member}/remove", {}),
        (admin, f"/admin/rules/call-types/{world.call_type}/decide", {"decision": "sensitive"}),
    ]

    got = {url: user.get(url).status_code for url, user in reads.items()}
    for user, url, form in writes:
        got[url] = user.post(url, data={"csrf_token": form_token(user), **form}).status_code

    assert got == dict.fromkeys(got, 404)
    with db.Session() as session:
        assert session.get(User, world.target_user).active is True
        assert session.get(ApiToken, world.api_token).revoked_at is None
        assert session.get(RosterMember, world.member) is not None
        assert session.get(CallType, world.call_type).decision == "unreviewed"
    for name in ("callbacks", "callback_events", "messages", "conversations", "triage_corrections"):
        assert count_rows(db, Base.metadata.tables[name]) == ours[name], name
    assert active_templates(db, world.template) == ours_active


def test_another_agencys_lists_show_none_of_our_people_words_or_records(
    app, client, api, sender, clock, db
):
    build_world(client, api, sender, clock, db)
    make_user(db, clock, "ourclerk", "viewer", display_name="Our Clerk Person")
    east = other_agency_staff(app, db, clock)

    pages = {
        path: east["admin"].get(path).get_data(as_text=True)
        for path in (
            "/callbacks",
            "/callbacks/rows",
            "/callbacks/handover",
            "/audit",
            "/audit.csv",
            "/admin/users",
            "/admin/agencies",
            "/admin/rules",
            "/admin/rules/call-types",
            "/reports/comments",
            "/reports/comments.csv",
        )
    }

    for path, page in pages.items():
        for ours in (
            BODY, "ourclerk", "Our Clerk Person", "Sgt. Ray", "cad-2", CALLER[-4:], "CAR PROWL"
        ):
            assert ours not in page, (path, ours)


def count_rows(db, table) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(table))


def active_templates(db, template_id: int) -> list[tuple[int, bool]]:
    """(id, active) of every version in the agency that owns ``template_id``."""
    with db.Session() as session:
        agency_id = session.get(MessageTemplate, template_id).agency_id
        return [
            tuple(row)
            for row in session.execute(
                select(MessageTemplate.id, MessageTemplate.active)
                .where(MessageTemplate.agency_id == agency_id)
                .order_by(MessageTemplate.id)
            )
        ]
