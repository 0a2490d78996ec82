"""No input makes any route answer 5xx: every route of the URL map, for every role of two
agencies, with hostile values in every path segment, query parameter and form field.

The route list comes from the app itself, so a new route is swept the day it is added. The
parameter names are every name a route reads (gathered from the source of the HTTP layers), so
a new parameter is swept too. CSRF is off here (it would stop every POST at the door; it is
tested on its own), and sessions are set directly (no password hashing per request).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from followup import create_app
from followup.agencies.registry import AgencySettings, create_agency
from followup.models import Agency, User
from followup.staff import users
from tests.support.web import PASSWORD, flagged_reply

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("anonymous", "viewer", "commander", "admin")
HOSTILE = [
    "abc",
    "",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "\x00",
    "0001-01-01",
    "9999-12-31",
    "9999-12",
    "0001-01",
    "2026-02-30",
    "x" * 10_000,
    "ünïcødé 🚓 ﷽",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% for x in range(9) %}",
    "{{ agency_name is divisibleby 3 }}{{ call_date|attr('__class__') }}",
    "(" * 3000,
    "/\t/evil.example",
    "\r\nSet-Cookie: x=1",
    "../../etc/passwd",
    "%00",
    "NaN",
]


def parameter_names() -> set[str]:
    """Every name the code reads from a request's query or form (``args.get("...")``,
    ``form["..."]``, ``values.getlist("...")``...), wherever it reads them."""
    reads = re.compile(r"""(?:args|form|values)(?:\.get|\.getlist)?[\[(]\s*["']([\w-]+)["']""")
    names = set()
    for folder in ("followup", "webhooks"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(reads.findall(path.read_text(encoding="utf-8")))
    # And every field a page's forms send (filters, actions, settings).
    for path in (ROOT / "templates" / "pages").rglob("*.html"):
        names |= set(re.findall(r'name="([\w-]+)"', path.read_text(encoding="utf-8")))
    return names - {"csrf_token"}


@pytest.fixture
def sweep_app(services):
    return create_app({"SERVICES": services, "TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def people(sweep_app, services, api, sender, clock, db):
    """Two agencies with records; a user of each role in the first."""
    flagged_reply(sweep_app.test_client(), api, sender, clock, "nobody came", "+12025550190")
    with db.begin() as session:
        agency = session.scalar(select(Agency).order_by(Agency.id))
        other = create_agency(session, "eastside", AgencySettings(name="Eastside"), now=clock.now())
        users.create_user(session, other, "east-admin", "admin", PASSWORD, now=clock.now())
        ids = {
            role: users.create_user(
                session, agency, f"sweep-{role}", role, PASSWORD, now=clock.now()
            ).id
            for role in ROLES[1:]
        }
    return ids


def client_as(app, db, clock, user_id: int | None):
    client = app.test_client()
    if user_id is not None:
        with db.Session() as session:
            version = session.get(User, user_id).session_version
        with client.session_transaction() as cookie:
            cookie["user_id"] = user_id
            cookie["version"] = version
            cookie["signed_in"] = cookie["seen"] = clock.now().timestamp()
    return client


def urls_for(rule, value: str) -> list[str] | None:
    """The rule's path with every argument set to ``value``, or None when a converter would not
    match it (the router answers 404 before any code of ours runs)."""
    path = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if not re.fullmatch(converter.regex, value):
            return None
        path = re.sub(rf"<(?:[^:>]+:)?{argument}>", value.replace("\\", "\\\\"), path)
    return [path]


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_hostile_input(sweep_app, people, db, clock, role):
    client = client_as(sweep_app, db, clock, people.get(role))
    names = parameter_names()
    assert {"from", "to", "month", "against", "user_id", "next", "district"} <= names
    failures = []
    for rule in sweep_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in HOSTILE:
            paths = urls_for(rule, value)
            if paths is None:
                continue
            params = dict.fromkeys(names, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for path in paths:
                    if method == "GET":
                        response = client.get(path, query_string=params)
                    else:
                        response = client.post(path, query_string=params, data=params)
                    if response.status_code >= 500:
                        failures.append((method, rule.rule, value[:40], response.status_code))
                    response.close()
            if role != "anonymous" and client.get("/callbacks").status_code == 302:
                client = client_as(sweep_app, db, clock, people.get(role))  # signed out: again
    by_route = {}
    for method, rule, value, status in failures:
        by_route.setdefault((method, rule, status), []).append(value)
    assert by_route == {}, "\n".join(
        f"{method} {rule} -> {status} for {values[:4]}" for (method, rule, status), values
        in sorted(by_route.items())
    )
