"""The outside probe's findings (issue 16), each replayed through the public surface it used.

Each test names the finding; docs/reliability.md lists the attack, the defense and this test.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from followup.agencies.registry import AgencySettings, create_agency
from followup.models import Agency
from followup.reports import facts
from tests.support.retention_seed import checkin
from tests.support.web import make_user, sign_in

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
