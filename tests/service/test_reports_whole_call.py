"""Reports count each purpose of text (issue 20): sent, delivered, failed and replies for the
confirmation, the delay text, the check-in and case updates; the share of received calls that were
confirmed; and the delay texts against how long calls waited for a unit.

Seeded through the real services (intake API, sender with a fake gateway, delivery callbacks,
replies through the signed Twilio webhook) on Monday 2026-11-23, New York time. Priority 1 calls
have a 10-minute delay threshold, the rest 30 minutes.

    call  district  received  dispatched  closed  texts
    C1    North     09:58     10:10       10:40   confirmation delivered; delay cancelled;
                                                  check-in delivered, replied "5 great job"
    C2    South     10:00     10:50       11:20   confirmation refused by the gateway;
                                                  delay sent 10:31, delivered, replied;
                                                  check-in undelivered (30008)
    C3    North     10:00 (P1) 10:20      10:45   no phone: nothing sent
    C4    North     -         -           10:05   check-in delivered; case update (consent)
                                                  delivered, replied
    C5    North     10:00     -           -       still open: confirmation and delay sent, but
                                                  a call counts once it closes, so it does not

By hand: confirmation sent 1 (C1), delivered 1, failed 1 (C2); delay sent 1 (C2), delivered 1,
replied 1; check-in sent 3 (C1 C2 C4), delivered 2, failed 1, replied 1; case updates sent 1,
delivered 1, replied 1. Received calls 3 (C1 C2 C3), confirmed 1 (33.3%). Waits for a unit: 12,
50 and 20 minutes, median 20; past the threshold: C2 (50 > 30) and C3 (20 > 10), of which C2 got
a delay text.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from followup.models import Agency, Message
from followup.reports.figures import report_figures
from followup.reports.filters import parse_filter
from followup.sending import delivery
from followup.sending.gateways.base import PermanentGatewayError
from tests.support.factories import call_event
from tests.support.twilio_requests import TwilioWebhooks
from tests.support.web import make_user, sign_in

NEW_YORK = ZoneInfo("America/New_York")
PHONES = {"C1": "+12025550141", "C2": "+12025550142", "C4": "+12025550144", "C5": "+12025550145"}
DISTRICTS = {"C2": "South"}


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=NEW_YORK)


class Seed:
    def __init__(self, api, client, services, clock, gateway):
        self.api, self.clock, self.gateway, self.db = api, clock, gateway, services.db
        self.sender = services.sender(worker_id="whole-call-seed")
        self.hooks = TwilioWebhooks.for_services(client, services)
        self.client = client

    def event(self, call: str, status: str, hour: int, minute: int, **fields):
        """Post the call's ``status`` at that local time, with the clock there."""
        self.clock.set(max(self.clock.now(), at(hour, minute)))
        time_field = {"received": "received_at", "dispatched": "dispatched_at"}.get(
            status, "closed_at"
        )
        given = {"closed_at": ...} | {time_field: at(hour, minute).isoformat()} | fields
        body = call_event(
            call_id=call,
            status=status,
            caller_phone=PHONES.get(call, ...),
            district=DISTRICTS.get(call, "North"),
            **given,
        )
        response = self.api.post_call(body)
        assert response.status_code == 202, response.json
        return response

    def sweep(self, hour: int, minute: int, *, fail: bool = False) -> None:
        self.clock.set(at(hour, minute))
        if fail:
            self.gateway.fail_next(PermanentGatewayError("refused", code=21999))
        self.sender.sweep()

    def delivered(self, call: str, purpose: str, status="delivered", code=None) -> None:
        with self.db.begin() as session:
            message_id = session.scalar(
                select(Message.id).where(
                    Message.phone == PHONES[call], Message.purpose == purpose
                )
            )
            delivery.record_status(
                session,
                message_id=message_id,
                sid=None,
                status=status,
                error_code=code,
                now=self.clock.now(),
            )

    def reply(self, call: str, body: str, hour: int, minute: int) -> None:
        self.clock.set(at(hour, minute))
        assert self.hooks.text(PHONES[call], body).status_code == 200


@pytest.fixture
def seeded(api, client, services, clock, gateway, agency):
    with services.db.begin() as session:
        row = session.get(Agency, agency.id)
        row.case_update_texts = True
        row.delay_rules = [{"priority": "1", "minutes": 10}]
    s = Seed(api, client, services, clock, gateway)
    s.event("C1", "received", 9, 58)
    s.sweep(10, 0)
    s.delivered("C1", "confirmation")
    s.event("C2", "received", 10, 0)
    s.sweep(10, 0, fail=True)
    s.event("C3", "received", 10, 0, priority="1")
    s.event("C5", "received", 10, 0)
    s.sweep(10, 0)
    s.event("C4", "closed", 10, 5)
    s.event("C1", "dispatched", 10, 10)
    s.event("C3", "dispatched", 10, 20, priority="1")
    s.sweep(10, 31)  # C2's and C5's delay texts
    s.delivered("C2", "delay")
    s.reply("C2", "ok thank you", 10, 35)
    s.event("C1", "closed", 10, 40)
    s.event("C3", "closed", 10, 45, priority="1")
    s.event("C2", "dispatched", 10, 50)
    s.event("C2", "closed", 11, 20)
    s.sweep(12, 5)  # C4's check-in
    s.delivered("C4", "checkin")
    s.clock.set(at(12, 10))
    update = {
        "update_id": "U1",
        "event": "detective_assigned",
        "occurred_at": at(12, 10).isoformat(),
        "victim_notify": True,
        "detail": {"detective_name": "Dana Park"},
    }
    posted = client.post(
        "/api/v1/calls/C4/updates", json=update, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert posted.status_code == 202
    s.sweep(12, 10)
    s.delivered("C4", "update_detective_assigned")
    s.reply("C4", "thank you so much", 12, 15)
    s.sweep(12, 40)  # C1's check-in
    s.delivered("C1", "checkin")
    s.reply("C1", "5 great job", 12, 45)
    s.sweep(13, 20)  # C2's check-in
    s.delivered("C2", "checkin", status="undelivered", code=30008)
    s.clock.set(at(13, 30))
    s.sender.close()
    return s


def figures(services, agency, **args):
    with services.db.Session() as session:
        found = report_figures(
            session, session.get(Agency, agency.id), parse_filter(args, at(13, 30).date())
        )
        session.commit()
        return found


def table(whole) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        p.purpose: (p.sent, p.delivered, p.failed, p.replied, p.replies) for p in whole.purposes
    }


def test_each_purpose_is_counted_and_the_check_in_row_is_the_funnels(services, agency, seeded):
    found = figures(services, agency)
    whole = found.whole_call

    #       sent, delivered, failed, replied, replies
    assert table(whole) == {
        "confirmation": (1, 1, 1, 0, 0),
        "delay": (1, 1, 0, 1, 1),
        "checkin": (3, 2, 1, 1, 1),
        "update": (1, 1, 0, 1, 1),
    }
    assert (found.sent, found.delivered, found.failed_total) == (3, 2, 1)


def test_confirmed_share_and_delay_texts_against_the_time_to_dispatch(services, agency, seeded):
    whole = figures(services, agency).whole_call

    assert (whole.received, whole.confirmed) == (3, 1)
    assert round(whole.confirmed_share, 4) == 0.3333
    assert (whole.dispatched, whole.dispatch_median_minutes) == (3, 20)
    assert (whole.waited, whole.waited_texted, whole.delay_sent) == (2, 1, 1)


def test_the_filters_narrow_the_whole_call_figures_like_the_rest(services, agency, seeded):
    south = figures(services, agency, district="South").whole_call
    before = figures(services, agency, **{"from": "2026-11-01", "to": "2026-11-22"}).whole_call

    assert table(south) == {
        "confirmation": (0, 0, 1, 0, 0),
        "delay": (1, 1, 0, 1, 1),
        "checkin": (1, 0, 1, 0, 0),
        "update": (0, 0, 0, 0, 0),
    }
    assert (south.received, south.confirmed, south.dispatch_median_minutes) == (1, 0, 50)
    assert (south.waited, south.waited_texted) == (1, 1)
    assert all(row == (0, 0, 0, 0, 0) for row in table(before).values())
    assert (before.received, before.confirmed_share, before.dispatch_median_minutes) == (
        0,
        None,
        None,
    )


def test_the_page_and_the_export_show_them_in_words(client, services, clock, seeded):
    make_user(services.db, clock, "cora", "viewer")
    sign_in(client, "cora")

    page = client.get("/reports").get_data(as_text=True)
    exported = client.get("/reports/figures.csv").get_data(as_text=True)

    section = page[page.index('id="whole-call"') : page.index('id="report-charts"')]
    for words in (
        "Confirmation (call received)",
        "Delay text (no unit yet)",
        "Check-in (call closed)",
        "Case updates",
    ):
        assert f"<th scope=\"row\">{words}</th>" in section
    assert 'data-purpose="update"' in section and "update_detective" not in section
    assert '<td data-purpose-figure="replied">1 (100.0%)</td>' in section  # the delay text
    assert 'data-figure="confirmed_share">33.3% (1 of 3)<' in section
    assert 'data-figure="dispatch_median">20 min (3 calls with a dispatch time)<' in section
    assert 'data-figure="waited">2<' in section and 'data-figure="waited_texted">1<' in section
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(exported))}
    assert rows[("texts_sent", "delay")] == "1"
    assert rows[("texts_failed", "confirmation")] == "1"
    assert rows[("text_replies", "update")] == "1"
    assert rows[("confirmed_share", "")] == "0.3333"
    assert rows[("dispatch_median_minutes", "")] == "20.0"
    assert rows[("calls_past_delay_threshold_texted", "")] == "1"
