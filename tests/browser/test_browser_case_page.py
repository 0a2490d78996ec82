"""The victim's case page on a phone: readable at 390x844 with no sideways scroll, nothing from
another origin, no cookie, no script error, English and Spanish."""

from __future__ import annotations

import dataclasses
import re

import pytest
from playwright.sync_api import expect

from followup import create_app
from followup.models import Agency
from tests.browser.support import horizontal_overflow, screenshot
from tests.conftest import TEST_TOKEN
from tests.support.factories import ApiClient, call_event

PUBLIC_URL = "https://followup.example.org"


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, public_url=PUBLIC_URL)


@pytest.fixture
def case_token(services, gateway) -> str:
    """A call with three texted updates, one with a long court date (64 characters, the most
    the API takes); the token its text got."""
    with services.db.begin() as session:
        agency = session.query(Agency).one()
        agency.case_update_texts = agency.case_page = True
        agency.phone = "(202) 555-0100"
        agency.resources_url = "https://westlake.example.gov/victim-services-and-support"
    api = ApiClient(create_app({"SERVICES": services, "TESTING": True}).test_client(), TEST_TOKEN)
    api.post_call(call_event(call_id="26-118842"))
    updates = [
        ("U1", "detective_assigned", True,
         {"detective_name": "Dana Park", "detective_phone": "(202) 555-0188"}),
        ("U2", "report_available", False, {"report_number": "R26-0000441000000077"}),
        ("U3", "court_date", False, {"court_date": "Wednesday, March 3, 2027, 9:00 AM "
                                                   "(arrive 30 minutes early)"}),
    ]
    for update_id, event, consent, detail in updates:
        answer = api.client.post(
            "/api/v1/calls/26-118842/updates",
            json={"update_id": update_id, "event": event, "victim_notify": consent,
                  "occurred_at": "2026-11-23T09:45:00-05:00", "detail": detail},
            headers={"Authorization": f"Bearer {TEST_TOKEN}"},
        )
        assert answer.status_code == 202, answer.json
    sender = services.sender(worker_id="browser-sender")
    sender.drain()
    sender.close()
    return re.search(r"/c/([A-Za-z0-9_-]{22})", gateway.sent[-1]["body"]).group(1)


def test_the_case_page_fits_a_phone_in_both_languages(open_page, server, watch, case_token):
    page = open_page(390, 844)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"/c/{case_token}")
    expect(page.get_by_role("heading", name="Your case with Westlake Police")).to_be_visible()
    expect(page.get_by_text("Case 26-118842")).to_be_visible()
    expect(page.locator("[data-updates] li")).to_have_count(3)
    expect(page.get_by_text("(arrive 30 minutes early)")).to_be_visible()
    expect(page.get_by_role("link", name="Victim services")).to_be_visible()
    english = horizontal_overflow(page)
    screenshot(page, "case-page-390")

    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="Su caso con Westlake Police")).to_be_visible()
    spanish = horizontal_overflow(page)
    screenshot(page, "case-page-390-es")

    assert english["scrollWidth"] <= 390 and spanish["scrollWidth"] <= 390, (english, spanish)
    assert requested and all(url.startswith(server.url + "/") for url in requested), requested
    assert page.context.cookies() == []
    assert watch.errors == []
