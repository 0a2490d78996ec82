"""The intake API as a dispatch system uses it: schedule, repeat, reopen, and every error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from followup.models import AuditEvent, Call, FollowUp
from tests.support.factories import call_event, followup_for


def count(db, model) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_closed_call_schedules_a_checkin_two_hours_after_closing(api, db):
    response = api.post_call(call_id="24-001", closed_at="2026-11-23T09:30:00-05:00")

    assert response.status_code == 202
    checkin = {
        "id": response.json["followup"]["id"],
        "status": "scheduled",
        "reason": None,
        "send_at": "2026-11-23T16:30:00Z",
    }
    assert response.json == {
        "call_id": "24-001",
        "status": "closed",
        "followup": checkin,
        "texts": [checkin | {"purpose": "checkin", "update_id": None}],
        "updates": [],
        "updates_consented_at": None,
    }
    followup = followup_for(db, "24-001")
    assert followup.phone == "+12025550123"
    assert followup.language == "en"


def test_the_same_event_again_changes_nothing_and_answers_200(api, db):
    event = call_event(call_id="24-002")
    first = api.post_call(event)
    second = api.post_call(event)

    assert first.status_code == 202
    assert second.status_code == 200
    assert second.json == first.json
    assert count(db, Call) == 1
    assert count(db, FollowUp) == 1


def test_get_returns_the_same_shape_with_the_current_status(api):
    posted = api.post_call(call_id="24-003")
    fetched = api.get_call("24-003")

    assert fetched.status_code == 200
    assert fetched.json == posted.json


def test_get_of_an_unknown_call_is_a_404_problem(api):
    response = api.get_call("no-such-call")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "no-such-call" in response.json["detail"]


def test_reopened_call_cancels_the_checkin_not_yet_sent(api):
    api.post_call(call_id="24-004")
    response = api.post_call(call_event(call_id="24-004", status="reopened"))

    assert response.status_code == 202
    assert response.json["followup"]["status"] == "cancelled"
    assert response.json["followup"]["reason"] == "call_reopened"
    assert response.json["followup"]["send_at"] is None


def test_closing_again_after_reopen_schedules_one_checkin(api, db):
    api.post_call(call_id="24-005")
    api.post_call(call_event(call_id="24-005", status="reopened"))
    response = api.post_call(call_event(call_id="24-005", closed_at="2026-11-23T10:00:00-05:00"))

    assert response.json["followup"]["status"] == "scheduled"
    assert response.json["followup"]["send_at"] == "2026-11-23T17:00:00Z"
    assert count(db, FollowUp) == 1


def test_a_call_already_texted_gets_no_second_text_when_closed_again(api, sender, gateway, clock):
    api.post_call(call_id="24-006")
    clock.advance(hours=3)
    sender.sweep()
    api.post_call(call_event(call_id="24-006", status="reopened"))
    again = api.post_call(call_event(call_id="24-006", closed_at="2026-11-23T11:00:00-05:00"))
    clock.advance(hours=5)
    sender.sweep()

    assert again.json["followup"]["status"] == "sent"
    assert len(gateway.sent) == 1


def test_reported_first_as_reopened_records_the_call_and_sends_nothing(api):
    response = api.post_call(call_event(call_id="24-007", status="reopened"))

    assert response.status_code == 202
    assert response.json["followup"]["status"] == "skipped"
    assert response.json["followup"]["reason"] == "call_reopened"


def test_a_changed_event_updates_the_call_and_redecides(api):
    api.post_call(call_event(call_id="24-008", caller_phone=None))
    response = api.post_call(call_event(call_id="24-008"))

    assert response.status_code == 202
    assert response.json["followup"]["status"] == "scheduled"


def test_spanish_event_gets_the_spanish_text(api, db):
    api.post_call(call_id="24-009", language="es-MX")

    assert followup_for(db, "24-009").language == "es"


def test_unsupported_language_falls_back_to_the_agency_default(api, db):
    api.post_call(call_id="24-010", language="vi")

    assert followup_for(db, "24-010").language == "en"


# --- errors: each one clear, each one changes nothing ----------------------------------------


def test_missing_and_invalid_fields_are_all_named_in_one_400(api, db):
    response = api.post_call(
        {"call_type": "", "closed_at": "yesterday", "language": "english!", "colour": "red"}
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    named = {error["field"] for error in response.json["errors"]}
    assert named == {"call_id", "call_type", "closed_at", "language", "colour"}
    assert count(db, Call) == 0


def test_closed_at_without_an_offset_is_refused(api, db):
    response = api.post_call(closed_at="2026-11-23T09:30:00")

    assert response.status_code == 400
    assert [e["field"] for e in response.json["errors"]] == ["closed_at"]
    assert count(db, Call) == 0


def test_closed_at_in_the_future_is_refused(api, db):
    response = api.post_call(closed_at="2026-11-24T09:30:00-05:00")

    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "closed_at"
    assert count(db, Call) == 0


def test_malformed_json_is_a_400_problem(client, db):
    response = client.post(
        "/api/v1/calls",
        data='{"call_id": "24-011",',
        headers={"Authorization": "Bearer test-intake-token", "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.json["detail"]
    assert count(db, Call) == 0


def test_a_json_array_is_a_400_problem(client):
    response = client.post(
        "/api/v1/calls", json=[call_event()], headers={"Authorization": "Bearer test-intake-token"}
    )

    assert response.status_code == 400
    assert "JSON object" in response.json["detail"]


def test_a_body_over_64_kib_is_a_413_problem(api, db):
    response = api.post_call(call_event(caller_name="x" * (65 * 1024)))

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert count(db, Call) == 0


def test_no_token_is_a_401_problem(client, db):
    response = client.post("/api/v1/calls", json=call_event())

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"
    assert count(db, Call) == 0


def test_a_wrong_token_is_a_401_problem(api, db):
    response = api.post_call(token="not-a-token")

    assert response.status_code == 401
    assert count(db, Call) == 0


def test_form_encoded_body_is_a_415_problem(client, db):
    response = client.post(
        "/api/v1/calls",
        data={"call_id": "24-012"},
        headers={"Authorization": "Bearer test-intake-token"},
    )

    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert count(db, Call) == 0


def test_a_number_that_cannot_take_a_text_is_recorded_and_skipped_not_refused(api, db):
    response = api.post_call(call_id="24-013", caller_phone="555-1234")

    assert response.status_code == 202
    assert response.json["followup"] == {
        "id": response.json["followup"]["id"],
        "status": "skipped",
        "reason": "invalid_phone",
        "send_at": None,
    }
    assert count(db, Call) == 1


def test_unknown_api_path_is_a_problem_not_html(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_openapi_document_describes_the_validating_schema(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    event = spec["components"]["schemas"]["CallEvent"]
    assert set(event["required"]) == {"call_id", "call_type"}  # closed_at: for closed only
    assert event["additionalProperties"] is False
    assert "post" in spec["paths"]["/api/v1/calls"]
    assert "404" in spec["paths"]["/api/v1/calls/{call_id}"]["get"]["responses"]


def test_every_example_in_the_openapi_document_is_accepted(client, api, clock):
    spec = client.get("/api/v1/openapi.json").json
    examples = {
        path: spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
        for path in ("/api/v1/calls", "/api/v1/calls/{call_id}/updates")
    }
    clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))  # after every example's time

    calls = examples["/api/v1/calls"]
    assert list(calls) == ["received", "dispatched", "arrived", "closed", "reopened"]
    for name, example in calls.items():
        response = api.post_call(example["value"])
        assert (name, response.status_code) == (name, 202), response.json
        assert response.json["status"] == name
    updates = examples["/api/v1/calls/{call_id}/updates"]
    # One example per case event the schema lists.
    assert set(updates) == set(
        spec["components"]["schemas"]["CaseUpdateEvent"]["properties"]["event"]["enum"]
    )
    for name, example in updates.items():
        response = client.post(
            "/api/v1/calls/26-118842/updates",
            json=example["value"],
            headers={"Authorization": f"Bearer {api.token}"},
        )
        assert (name, response.status_code) == (name, 202), response.json
    assert len(api.get_call("26-118842").json["updates"]) == len(updates)


def test_times_are_returned_in_utc(api):
    response = api.post_call(closed_at="2026-11-23T06:30:00-08:00")

    send_at = datetime.fromisoformat(response.json["followup"]["send_at"])
    assert send_at == datetime(2026, 11, 23, 16, 30, tzinfo=UTC)


def test_the_same_call_posted_three_times_with_changes_is_updated_audited_and_texted_once(
    api, db, sender, gateway, clock
):
    first = api.post_call(call_event(call_id="24-020", district="North"))
    second = api.post_call(call_event(call_id="24-020", district="South"))
    clock.advance(hours=3)
    sender.sweep()
    third = api.post_call(
        call_event(
            call_id="24-020",
            district="South",
            disposition="ARREST MADE - NO TEXT",
            closed_at="2026-11-23T10:30:00-05:00",
        )
    )
    clock.advance(hours=5)
    sender.sweep()

    assert [r.status_code for r in (first, second, third)] == [202, 202, 202]
    assert third.json["followup"]["status"] == "sent"
    assert count(db, FollowUp) == 1
    assert len(gateway.sent) == 1
    with db.Session() as session:
        call = session.scalar(select(Call))
        assert (call.district, call.disposition) == ("South", "ARREST MADE - NO TEXT")
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.username, e.object_id) for e in events] == [
        ("call_updated", "intake-api", call.id),
        ("call_updated", "intake-api", call.id),
    ]
    assert events[0].detail == {"fields": ["district"], "followup": "scheduled"}
    assert events[1].detail == {"fields": ["disposition", "closed_at"], "followup": "sent"}


def test_a_call_updated_with_a_new_number_names_the_field_but_never_the_number(api, db):
    api.post_call(call_event(call_id="24-021", caller_phone="(202) 555-0123"))
    api.post_call(call_event(call_id="24-021", caller_phone="(202) 555-0124"))

    with db.Session() as session:
        event = session.scalar(select(AuditEvent))
    assert event.detail["fields"] == ["caller_phone"]
    assert "555" not in repr(event.detail)
    assert followup_for(db, "24-021").phone == "+12025550124"
    assert count(db, FollowUp) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("closed_at", "0001-01-01T00:00:00+05:00"),  # no UTC equivalent: was a 500
        ("closed_at", "0001-01-01T00:00:00Z"),  # .NET's DateTimeOffset.MinValue
        ("closed_at", "1999-12-31T23:59:59Z"),  # before any call this service follows up
        ("closed_at", 1795446000),  # seconds since 1970: the schema says a string
        ("self_initiated", "no"),  # lax parsing read this as False
        ("do_not_contact", 1),
        ("language", "AA\x1f"),
        ("priority", "PRIORITY 1 - EMERGENT"),  # longer than the calls table keeps: was a 500
    ],
)
def test_values_the_schema_does_not_allow_are_a_400_naming_the_field(api, db, field, value):
    response = api.post_call(call_event(**{field: value}))

    assert response.status_code == 400
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert count(db, Call) == 0


def test_a_closed_time_older_than_the_agency_keeps_calls_is_refused_naming_the_field(api, db):
    response = api.post_call(call_event(closed_at="2024-01-05T10:00:00-05:00"))  # 2 years back

    assert response.status_code == 400
    [error] = response.json["errors"]
    assert error["field"] == "closed_at" and "365 days" in error["message"]
    assert count(db, Call) == 0
