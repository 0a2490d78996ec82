"""The outside probe's findings (issue 16), each replayed through the public surface it used.

Each test names the finding; docs/reliability.md lists the attack, the defense and this test.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from followup.agencies.registry import AgencySettings, create_agency
from followup.models import Agency
from followup.reports import facts
from tests.support.factories import call_event
from tests.support.retention_seed import checkin
from tests.support.web import make_user, sign_in, token

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
