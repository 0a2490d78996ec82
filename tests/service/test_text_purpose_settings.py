"""Each purpose of text is an agency setting: on by default for new agencies (confirmation and
delay), off for case updates; checked all or nothing like the other rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from followup.agencies import settings as agency_settings
from followup.agencies.registry import AgencySettings, create_agency
from followup.eligibility.notices import delay_threshold
from followup.models import Agency, Call
from followup.texts import message_templates


def test_a_new_agency_confirms_and_sends_delay_texts_but_no_case_updates(db, clock):
    with db.begin() as session:
        agency = create_agency(session, "eastfield-pd", AgencySettings(name="Eastfield PD"),
                               now=clock.now())
        assert (agency.confirmation_texts, agency.delay_texts, agency.case_update_texts) == (
            True, True, False
        )
        assert agency.delay_minutes == 30
        assert agency.case_page is False


def test_purpose_settings_are_saved_and_read_back_as_the_form_shows_them(db, clock, agency):
    with db.begin() as session:
        row = session.get(Agency, agency.id)
        agency_settings.update(
            session, row,
            {"confirmation_texts": "", "delay_threshold": "45m",
             "delay_rules": "priority 1 = 10m\nBURGLARY = 1h", "case_update_texts": "on",
             "resources_url": "https://westlake.example.gov/victims"},
            actor="cli", now=clock.now(),
        )
        values = agency_settings.form_values(row)
    assert values["confirmation_texts"] == ""
    assert values["delay_threshold"] == "45m"
    assert values["delay_rules"] == "priority 1 = 10m\nBURGLARY = 1h"
    assert values["case_update_texts"] == "on"
    assert values["resources_url"] == "https://westlake.example.gov/victims"


@pytest.mark.parametrize(
    ("field", "value"),
    [("delay_threshold", "soon"), ("delay_threshold", "1m"), ("delay_rules", "priority 1"),
     ("delay_rules", "priority 1 = 2d"), ("resources_url", "javascript:alert(1)")],
)
def test_a_bad_purpose_setting_is_named_and_changes_nothing(db, clock, agency, field, value):
    with db.begin() as session:
        row = session.get(Agency, agency.id)
        with pytest.raises(agency_settings.RulesRejected) as caught:
            agency_settings.update(session, row, {field: value, "delay_texts": ""},
                                   actor="cli", now=clock.now())
        assert field in caught.value.errors
        assert row.delay_texts is True


def test_the_first_matching_rule_picks_the_delay_threshold(agency):
    agency.delay_rules = [{"priority": "1", "minutes": 10}, {"pattern": "BURGLARY", "minutes": 60}]
    assert delay_threshold(agency, Call(priority="1", call_type="BURGLARY")).seconds == 600
    assert delay_threshold(agency, Call(priority="3", call_type="BURGLARY RES")).seconds == 3600
    assert delay_threshold(agency, Call(priority=None, call_type="THEFT")).seconds == 1800


def test_every_new_purpose_has_an_english_and_a_spanish_text_that_renders(db, agency):
    bodies = message_templates.default_bodies()
    purposes = ["confirmation", "delay"] + [
        f"update_{event}" for event in (
            "detective_assigned", "arrest_made", "report_available", "case_closed",
            "property_ready", "court_date", "warrant_issued", "referred_to_prosecutor", "custom",
        )
    ]
    for purpose in purposes:
        for language in ("en", "es"):
            message_templates.check_body(bodies[(purpose, language)])
    with db.Session() as session:
        seeded = set(session.scalars(select(Agency.id)))
        assert seeded
        found = message_templates.find_template(session, agency, "delay", "es")
        assert found is not None and "911" in found.body
