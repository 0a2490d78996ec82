"""The intake API document's examples: one request per call stage and one per case event (the
README shows the same ones). A test posts every one of them and expects it accepted."""

from __future__ import annotations

_CALL = {"call_id": "26-118842", "call_type": "NOISE COMPLAINT"}

CALL_EXAMPLES = {
    "received": {
        "summary": "Received: a confirmation at once, a delay text planned",
        "value": _CALL
        | {
            "status": "received",
            "received_at": "2026-11-23T09:58:00-05:00",
            "priority": "2",
            "caller_phone": "202-555-0142",
        },
    },
    "dispatched": {
        "summary": "Dispatched: a delay text not yet sent is cancelled",
        "value": _CALL
        | {
            "status": "dispatched",
            "dispatched_at": "2026-11-23T10:05:00-05:00",
            "unit": "2A14",
            "officer_name": "Officer Diaz",
        },
    },
    "arrived": {
        "summary": "Arrived on scene",
        "value": _CALL | {"status": "arrived", "arrived_at": "2026-11-23T10:15:00-05:00"},
    },
    "closed": {
        "summary": "Closed: the check-in is decided",
        "value": _CALL
        | {
            "status": "closed",
            "closed_at": "2026-11-23T10:40:00-05:00",
            "disposition": "ADVISED",
            "caller_phone": "202-555-0142",
        },
    },
    "reopened": {
        "summary": "Reopened: a check-in not yet sent is cancelled",
        "value": _CALL | {"status": "reopened", "caller_phone": "202-555-0142"},
    },
}


def _update(update_id: str, event: str, at: str, **extra) -> dict:
    return {"update_id": update_id, "event": event, "occurred_at": at} | extra


UPDATE_EXAMPLES = {
    event: {"summary": summary, "value": value}
    for event, summary, value in (
        (
            "detective_assigned",
            "A detective is assigned; the victim asked for updates",
            _update(
                "U1",
                "detective_assigned",
                "2026-11-24T09:00:00-05:00",
                victim_notify=True,
                detail={"detective_name": "Dana Park", "detective_phone": "202-555-0188"},
            ),
        ),
        ("arrest_made", "An arrest", _update("U2", "arrest_made", "2026-11-25T14:10:00-05:00")),
        (
            "report_available",
            "The report is available",
            _update(
                "U3",
                "report_available",
                "2026-11-26T08:00:00-05:00",
                detail={"report_number": "R26-4410"},
            ),
        ),
        (
            "property_ready",
            "Property to pick up",
            _update("U4", "property_ready", "2026-11-27T11:00:00-05:00"),
        ),
        (
            "warrant_issued",
            "A warrant",
            _update("U5", "warrant_issued", "2026-11-28T16:30:00-05:00"),
        ),
        (
            "referred_to_prosecutor",
            "Referred to the prosecutor",
            _update("U6", "referred_to_prosecutor", "2026-12-01T10:00:00-05:00"),
        ),
        (
            "court_date",
            "A court date",
            _update(
                "U7",
                "court_date",
                "2026-12-02T09:00:00-05:00",
                detail={"court_date": "March 3, 2027 at 9:00 AM", "court_location": "Courtroom 4B"},
            ),
        ),
        (
            "custom",
            "In the records system's own words",
            _update(
                "U8",
                "custom",
                "2026-12-02T12:00:00-05:00",
                detail={"text": "Your stolen bicycle was recovered."},
            ),
        ),
        (
            "case_closed",
            "The case is closed",
            _update("U9", "case_closed", "2026-12-03T15:00:00-05:00"),
        ),
    )
}
