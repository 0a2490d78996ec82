"""The callback queue's district filter lists the districts of the agency's own calls, in
order, read one district at a time (not by reading every call): migration 0021."""

from sqlalchemy import insert

from followup.agencies.registry import AgencySettings, create_agency
from followup.callbacks import queue
from followup.models import Call


def _calls(session, agency_id: int, districts, now) -> None:
    session.execute(
        insert(Call),
        [
            {"agency_id": agency_id, "external_id": f"D-{agency_id}-{i}", "status": "closed",
             "call_type": "THEFT", "disposition": "REPORT TAKEN", "closed_at": now,
             "caller_phone": "+12025550140", "district": district, "language": "en",
             "self_initiated": False, "do_not_contact": False, "fingerprint": "d",
             "received_at": now, "updated_at": now}
            for i, district in enumerate(districts)
        ],
    )


def test_the_filter_offers_each_of_the_agencys_districts_once_in_order(db, agency, clock):
    now = clock.now()
    with db.begin() as session:
        other = create_agency(session, "eastside", AgencySettings(name="Eastside"), now=now)
        _calls(session, agency.id, ["North", "East", None, "North", "South", "East"], now)
        _calls(session, other.id, ["West", "Harbor"], now)

    with db.Session() as session:
        assert queue.districts(session, agency.id) == ["East", "North", "South"]
        assert queue.districts(session, other.id) == ["Harbor", "West"]


def test_an_agency_with_no_districts_offers_none(db, agency):
    with db.Session() as session:
        assert queue.districts(session, agency.id) == []
