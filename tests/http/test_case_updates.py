"""Case updates through the intake API and the sender: POST /api/v1/calls/<call_id>/updates,
what the victim gets (once, in their language, only when they asked), and what GET shows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from followup.models import Agency, CaseUpdate
from followup.retention import purge
from tests.support.factories import call_event, messages
from tests.support.twilio_requests import TwilioWebhooks

CALLER = "+12025550123"  # the number call_event gives
OCCURRED = "2026-11-23T09:45:00-05:00"  # a quarter of an hour before the test clock's now


@pytest.fixture
def hooks(client, services) -> TwilioWebhooks:
    return TwilioWebhooks.for_services(client, services)


@pytest.fixture
def updates_on(db, agency):
    with db.begin() as session:
        session.get(Agency, agency.id).case_update_texts = True


def post_update(api, call_id: str, body: dict, *, token: str | None = None):
    return api.client.post(
        f"/api/v1/calls/{call_id}/updates",
        json=body,
        headers={"Authorization": f"Bearer {token or api.token}"},
    )


def update(update_id: str, event: str = "detective_assigned", **fields) -> dict:
    body = {"update_id": update_id, "event": event, "occurred_at": OCCURRED}
    return body | fields


def update_texts(db) -> list[tuple[str, str, str]]:
    return [
        (m.purpose, m.phone, m.body)
        for m in messages(db)
        if m.direction == "outbound" and m.purpose.startswith("update_")
    ]


def shown(api, call_id: str) -> list[dict]:
    return api.get_call(call_id).json["updates"]


def test_a_consented_update_is_texted_once_with_its_detail(api, db, sender, gateway, updates_on):
    api.post_call(call_event(call_id="26-200"))
    detail = {"detective_name": "Dana Park", "detective_phone": "(202) 555-0188"}
    response = post_update(api, "26-200", update("U-1", victim_notify=True, detail=detail))

    assert response.status_code == 202
    assert response.json["updates"][0]["text_status"] == "scheduled"
    sender.drain()
    sender.drain()
    text = (
        "Westlake Police, case 26-200: Detective Dana Park has been assigned to your case. "
        "You can reach them at (202) 555-0188. Reply STOP to opt out."
    )
    assert update_texts(db) == [("update_detective_assigned", CALLER, text)]
    assert [(s["to"], s["body"]) for s in gateway.sent].count((CALLER, text)) == 1
    assert shown(api, "26-200") == [
        {
            "update_id": "U-1",
            "event": "detective_assigned",
            "occurred_at": "2026-11-23T14:45:00Z",
            "victim_notify": True,
            "texted": True,
            "text_status": "sent",
            "reason": None,
        }
    ]


def test_the_update_is_texted_in_the_callers_language(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-201", language="es"))
    post_update(api, "26-201", update("U-1", victim_notify=True))
    sender.drain()

    [(purpose, _, body)] = update_texts(db)
    assert purpose == "update_detective_assigned"
    assert body.startswith("Westlake Police, caso 26-201: un detective fue asignado a su caso.")


def test_the_same_update_again_changes_nothing(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-202"))
    body = update("U-1", "arrest_made", victim_notify=True)
    first = post_update(api, "26-202", body)
    sender.drain()
    again = post_update(api, "26-202", body)
    sender.drain()

    assert (first.status_code, again.status_code) == (202, 200)
    assert len(again.json["updates"]) == 1
    assert [t["purpose"] for t in again.json["texts"] if t["update_id"]] == ["update_arrest_made"]
    assert len(update_texts(db)) == 1


def test_the_same_update_id_with_another_body_is_refused(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-203"))
    post_update(api, "26-203", update("U-1", "arrest_made"))
    response = post_update(api, "26-203", update("U-1", "case_closed", victim_notify=True))
    sender.drain()

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "U-1" in response.json["detail"]
    assert [(u["event"], u["victim_notify"]) for u in shown(api, "26-203")] == [
        ("arrest_made", False)
    ]
    assert update_texts(db) == []


def test_without_consent_nothing_is_texted(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-204"))
    post_update(api, "26-204", update("U-1", "arrest_made"))
    sender.drain()

    [shown_update] = shown(api, "26-204")
    assert (shown_update["texted"], shown_update["reason"]) == (False, "no_consent")
    assert update_texts(db) == []


def test_an_earlier_consent_covers_the_later_updates(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-205"))
    post_update(api, "26-205", update("U-1", "detective_assigned", victim_notify=True))
    post_update(api, "26-205", update("U-2", "arrest_made"))
    sender.drain()

    assert [p for p, _, _ in update_texts(db)] == [
        "update_detective_assigned",
        "update_arrest_made",
    ]
    assert [u["texted"] for u in shown(api, "26-205")] == [True, True]


def test_an_agency_with_case_updates_off_texts_none(api, db, sender):
    api.post_call(call_event(call_id="26-206"))
    post_update(api, "26-206", update("U-1", "arrest_made", victim_notify=True))
    sender.drain()

    assert shown(api, "26-206")[0]["reason"] == "purpose_off"
    assert update_texts(db) == []


def test_a_sensitive_call_is_updated_only_with_consent(api, db, sender, updates_on):
    api.post_call(call_event(call_id="26-207", call_type="DV A/B I/P"))
    post_update(api, "26-207", update("U-1", "arrest_made"))
    sender.drain()
    assert update_texts(db) == []
    assert shown(api, "26-207")[0]["reason"] == "no_consent"

    post_update(api, "26-207", update("U-2", "court_date", victim_notify=True,
                                      detail={"court_date": "March 3, 2027 at 9:00 AM"}))
    sender.drain()
    assert [(p, phone) for p, phone, _ in update_texts(db)] == [("update_court_date", CALLER)]


def test_a_number_that_replied_stop_gets_no_update(api, db, sender, hooks, updates_on):
    api.post_call(call_event(call_id="26-208"))
    hooks.text(CALLER, "STOP")
    post_update(api, "26-208", update("U-1", "case_closed", victim_notify=True))
    sender.drain()

    assert shown(api, "26-208")[0]["reason"] == "opted_out"
    assert update_texts(db) == []


def test_an_update_that_opts_out_before_the_sweep_is_not_sent(api, db, sender, hooks, updates_on):
    api.post_call(call_event(call_id="26-209"))
    post_update(api, "26-209", update("U-1", "case_closed", victim_notify=True))
    hooks.text(CALLER, "STOP")
    sender.drain()

    assert shown(api, "26-209")[0]["reason"] == "opted_out"
    assert update_texts(db) == []


EXAMPLES = {
    "detective_assigned": {"detective_name": "Dana Park", "detective_phone": "(202) 555-0188"},
    "arrest_made": {},
    "report_available": {"report_number": "R26-4410"},
    "case_closed": {},
    "property_ready": {},
    "court_date": {"court_date": "March 3, 2027 at 9:00 AM", "court_location": "Courtroom 4B"},
    "warrant_issued": {},
    "referred_to_prosecutor": {},
    "custom": {"text": "Your stolen bicycle was recovered."},
}


@pytest.mark.parametrize("event", sorted(EXAMPLES))
def test_every_event_is_texted_with_its_own_template(api, db, sender, updates_on, event):
    api.post_call(call_event(call_id="26-210"))
    response = post_update(
        api, "26-210", update("U-1", event, victim_notify=True, detail=EXAMPLES[event])
    )
    sender.drain()

    assert response.status_code == 202
    [(purpose, _, body)] = update_texts(db)
    assert purpose == f"update_{event}"
    assert body.startswith("Westlake Police, case 26-210: ")
    for value in EXAMPLES[event].values():
        assert value in body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (update("U-1", detail={"badge": "4471"}), "detail.badge"),
        (update("U-1", "arrest_made", detail={"detective_name": "Dana Park"}),
         "detail.detective_name"),
        (update("U-1", "court_date"), "detail.court_date"),
        (update("U-1", "custom", detail={"text": "   "}), "detail.text"),
        (update("U-1", "parole_hearing"), "event"),
        (update("U-1", occurred_at="2026-11-25T09:00:00-05:00"), "occurred_at"),
        (update("U-1", occurred_at="yesterday"), "occurred_at"),
        (update("U-1", victim_notify="yes"), "victim_notify"),
        (update("U-1", colour="blue"), "colour"),
        ({"event": "arrest_made", "occurred_at": OCCURRED}, "update_id"),
    ],
)
def test_a_bad_update_is_refused_and_changes_nothing(api, db, sender, updates_on, body, field):
    api.post_call(call_event(call_id="26-211"))
    response = post_update(api, "26-211", body)
    sender.drain()

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert field in {error["field"] for error in response.json["errors"]}
    assert shown(api, "26-211") == []
    assert update_texts(db) == []


def test_an_unknown_call_is_a_404_problem(api, updates_on):
    response = post_update(api, "26-404", update("U-1", victim_notify=True))

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "26-404" in response.json["detail"]


def test_updates_need_the_same_token_and_json_as_calls(api, client, updates_on):
    api.post_call(call_event(call_id="26-212"))

    assert post_update(api, "26-212", update("U-1"), token="wrong").status_code == 401
    not_json = client.post(
        "/api/v1/calls/26-212/updates",
        data="update_id=U-1",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert not_json.status_code == 415
    assert post_update(api, "26-212", ["U-1"]).status_code == 400
    assert shown(api, "26-212") == []


def test_the_openapi_document_has_the_updates_path(client):
    document = client.get("/api/v1/openapi.json").json

    operation = document["paths"]["/api/v1/calls/{call_id}/updates"]["post"]
    assert set(operation["responses"]) >= {"202", "200", "400", "401", "404", "409"}
    assert "CaseUpdateEvent" in document["components"]["schemas"]


def test_the_purge_forgets_the_confirmed_number_after_retention(api, db, sender, clock, updates_on):
    api.post_call(call_event(call_id="26-213"))
    post_update(api, "26-213", update("U-1", "arrest_made", victim_notify=True))
    sender.drain()
    clock.advance(days=400)
    sender.drain()  # the check-in, too late now, is settled: nothing about the call is pending
    [report] = purge(db, clock)

    assert report.counts["case_updates"] == 1
    with db.Session() as session:
        assert session.scalar(select(CaseUpdate.notify_phone)) is None
    assert [u["event"] for u in shown(api, "26-213")] == ["arrest_made"]


def test_an_update_waits_for_the_end_of_quiet_hours(api, db, sender, clock, updates_on):
    api.post_call(call_event(call_id="26-214"))
    clock.advance(hours=13)  # 23:00 in New York
    response = post_update(api, "26-214", update("U-1", "case_closed", victim_notify=True))
    sender.drain()
    assert response.json["updates"][0]["text_status"] == "scheduled"
    assert update_texts(db) == []

    clock.advance(hours=11)  # 10:00 the next morning
    sender.drain()
    sender.drain()
    assert [p for p, _, _ in update_texts(db)] == ["update_case_closed"]
