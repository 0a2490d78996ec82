"""The intake API's hot path: a new closed call costs a few statements in one transaction, and
decides exactly as the full path does (a twin request, an opted-out number, the cap)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from followup.intake import tokens
from followup.intake.calls import record_call_event
from followup.intake.schema import CallEvent
from followup.models import Agency, CallType, Contact, FollowUp
from tests.support.factories import ApiClient, call_event, followup_for
from tests.support.plans import statements

# Transaction control is not a statement of the work (SQLite's BEGIN IMMEDIATE is sent as SQL,
# PostgreSQL's BEGIN by the driver); everything else the database is asked, is.
_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)
# The token with its agency, the facts, the call, the register's count, the check-in.
MOST_STATEMENTS = 5


def statements_of(db, action) -> list[str]:
    """Run ``action``; return the statements it sent to the database, transaction control left
    out."""
    sent = statements(db, action, lambda statement: not _CONTROL.match(statement))
    return [" ".join(statement.split())[:90] for statement, _ in sent]


@pytest.fixture
def agency_api(client, db, agency, clock) -> ApiClient:
    """The API as a dispatch system with its own agency token (as in production) uses it."""
    with db.begin() as session:
        _row, plain = tokens.create_token(session, agency, "cad", now=clock.now())
    return ApiClient(client, plain)


def test_a_new_closed_call_takes_at_most_five_statements(agency_api, db):
    agency_api.post_call()  # the token's first use is recorded (once a minute at most)

    sent = statements_of(
        db, lambda: agency_api.post_call(call_id="HOT-1", caller_phone="+12025550145")
    )

    assert followup_for(db, "HOT-1").status == "scheduled"
    assert len(sent) <= MOST_STATEMENTS, "\n".join(sent)


def test_a_new_closed_call_with_the_deployment_token_takes_as_few(api, db):
    sent = statements_of(db, lambda: api.post_call(call_id="HOT-2", language="es"))

    assert followup_for(db, "HOT-2").language == "es"
    assert len(sent) <= MOST_STATEMENTS, "\n".join(sent)


def test_an_opted_out_number_is_skipped_on_the_hot_path(api, db, agency, clock):
    with db.begin() as session:
        session.add(Contact(agency_id=agency.id, phone="+12025550123", opted_out_at=clock.now(),
                            updated_at=clock.now()))

    response = api.post_call(call_id="HOT-3")

    assert response.status_code == 202
    assert response.json["followup"]["status"] == "skipped"
    assert response.json["followup"]["reason"] == "opted_out"


def test_a_number_scheduled_for_another_call_is_not_texted_twice(api):
    first = api.post_call(call_id="HOT-4")
    second = api.post_call(call_id="HOT-5")

    assert first.json["followup"]["status"] == "scheduled"
    assert second.json["followup"]["reason"] == "recently_contacted"


def test_a_twin_request_that_records_the_call_first_leaves_one_call_and_one_checkin(
    api, db, services, agency, clock
):
    if db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN: no twin can write in between")
    body = call_event(call_id="HOT-TWIN")
    twins = []

    def twin_first(_conn, _cursor, statement, *_args):
        # Just before this request inserts the call, a twin request records it and commits.
        if statement.startswith("INSERT INTO calls") and not twins:
            twins.append(body)
            with db.begin() as session:
                twin_agency = session.get(Agency, agency.id)
                record_call_event(session, twin_agency, CallEvent.model_validate(body),
                                  now=clock.now())

    event.listen(db.engine, "before_cursor_execute", twin_first)
    try:
        response = api.post_call(body)
    finally:
        event.remove(db.engine, "before_cursor_execute", twin_first)

    assert response.status_code == 200  # the twin's event, repeated: nothing new
    assert response.json["followup"]["status"] == "scheduled"
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 1
        assert session.scalar(select(CallType.count)) == 1
