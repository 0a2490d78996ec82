"""Who gets a check-in: each rule, in order, each skip with the reason reports count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from followup.eligibility import contacts
from followup.models import Agency
from tests.support.factories import call_event, followup_for


def skipped_because(response) -> str:
    assert response.status_code == 202, response.json
    assert response.json["followup"]["status"] == "skipped"
    return response.json["followup"]["reason"]


def set_agency(db, **values):
    with db.begin() as session:
        agency = session.scalar(select(Agency))
        for name, value in values.items():
            setattr(agency, name, value)


def test_no_phone_number_is_skipped_as_no_phone(api):
    assert skipped_because(api.post_call(caller_phone=...)) == "no_phone"
    assert skipped_because(api.post_call(caller_phone="")) == "no_phone"


@pytest.mark.parametrize("phone", ["555-1234", "12", "+1 800 555 0100", "not a number"])
def test_a_number_that_cannot_take_a_text_is_skipped_as_invalid_phone(api, phone):
    assert skipped_because(api.post_call(caller_phone=phone)) == "invalid_phone"


def test_an_opted_out_number_is_skipped(api, db, clock, agency):
    with db.begin() as session:
        contacts.opt_out(session, agency.id, "+12025550123", source="reply", now=clock.now())

    assert skipped_because(api.post_call(caller_phone="202-555-0123")) == "opted_out"


def test_do_not_contact_is_skipped(api):
    assert skipped_because(api.post_call(do_not_contact=True)) == "do_not_contact"


def test_self_initiated_is_skipped(api):
    assert skipped_because(api.post_call(self_initiated=True)) == "self_initiated"


def test_a_sensitive_call_type_is_skipped(api):
    assert skipped_because(api.post_call(call_type="DV A/B I/P")) == "sensitive_call_type"


def test_an_agency_pattern_makes_its_own_code_sensitive(api, db):
    set_agency(db, sensitive_patterns=["10-16"])

    assert skipped_because(api.post_call(call_type="10-16")) == "sensitive_call_type"


def test_an_excluded_disposition_is_skipped(api):
    response = api.post_call(call_type="DISTURBANCE", disposition="ARREST MADE")

    assert skipped_because(response) == "excluded_disposition"


def test_a_number_texted_within_the_frequency_cap_is_skipped(api, sender, clock):
    api.post_call(call_id="first", caller_phone="202-555-0111")
    clock.advance(hours=3)
    sender.sweep()
    clock.advance(days=10)
    response = api.post_call(
        call_id="second", caller_phone="(202) 555-0111", closed_at=clock.now().isoformat()
    )

    assert skipped_because(response) == "recently_contacted"


def test_two_calls_from_one_number_in_an_afternoon_get_one_text(api):
    first = api.post_call(call_id="a", caller_phone="202-555-0112")
    second = api.post_call(call_id="b", caller_phone="202-555-0112")

    assert first.json["followup"]["status"] == "scheduled"
    assert skipped_because(second) == "recently_contacted"


def test_a_number_texted_longer_ago_than_the_cap_is_eligible_again(api, sender, clock):
    api.post_call(call_id="old", caller_phone="202-555-0113")
    clock.advance(hours=3)
    sender.sweep()
    clock.advance(days=31)
    response = api.post_call(
        call_id="new", caller_phone="202-555-0113", closed_at=clock.now().isoformat()
    )

    assert response.json["followup"]["status"] == "scheduled"


def test_a_call_closed_more_than_seven_days_ago_is_too_old(api, clock):
    closed = (clock.now() - timedelta(days=7, minutes=1)).isoformat()

    assert skipped_because(api.post_call(closed_at=closed)) == "too_old"


def test_the_rules_apply_in_order_so_the_first_reason_is_reported(api):
    response = api.post_call(
        caller_phone="555-1234", do_not_contact=True, call_type="DOMESTIC"
    )

    assert skipped_because(response) == "invalid_phone"


def test_a_sensitive_call_is_skipped_even_when_everything_else_allows_it(api, db):
    api.post_call(call_id="sens", call_type="WELFARE CHECK")

    followup = followup_for(db, "sens")
    assert followup.status == "skipped"
    assert followup.reason == "sensitive_call_type"
    assert followup.send_at is None


def test_call_event_factory_is_fictional():
    # Privacy: the numbers tests use are in the fictional 202-555-01xx block.
    assert call_event()["caller_phone"] == "(202) 555-0123"


def test_a_landline_the_carrier_reported_is_never_texted_again(api, db, clock, agency):
    from followup.eligibility import contacts

    with db.begin() as session:
        contact = contacts.get_or_create(session, agency.id, "+12025550124", now=clock.now())
        contact.unreachable_code, contact.unreachable_at = 30006, clock.now()

    assert skipped_because(api.post_call(caller_phone="202-555-0124")) == "unreachable"


def test_an_unreachable_handset_is_tried_again_after_thirty_days(api, db, clock, agency):
    from followup.eligibility import contacts

    with db.begin() as session:
        contact = contacts.get_or_create(session, agency.id, "+12025550125", now=clock.now())
        contact.unreachable_code, contact.unreachable_at = 30003, clock.now()
    soon = api.post_call(call_id="soon", caller_phone="202-555-0125")
    clock.advance(days=31)
    later = api.post_call(
        call_id="later", caller_phone="202-555-0125", closed_at=clock.now().isoformat()
    )

    assert skipped_because(soon) == "unreachable"
    assert later.json["followup"]["status"] == "scheduled"
