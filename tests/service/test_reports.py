"""Reports for command staff: every figure, filter, export and access rule, on a seeded agency.

The seed goes through the real services: calls posted to the intake API, check-ins sent by the
sender (through a fake gateway), delivery reported as Twilio's status callback would, replies
received as texts, callbacks worked by a commander. The expected numbers below are written by
hand from the seed (the arithmetic is in the comments), not computed by the code under test.

Agency A (Westlake, America/New_York), "now" is Monday 2026-11-23 10:00 EST, so the default
period is 2026-10-25 .. 2026-11-23 (30 days; it crosses the end of DST on 2026-11-01).

    call closed (local)    shift   district call type          check-in
    A1   Mon 11-02 10:00   day     North    THEFT - CAR PROWL  delivered
    A2   Tue 11-03 16:00   evening South    NOISE COMPLAINT    delivered
    A3   Thu 11-05 23:30   night   North    THEFT - CAR PROWL  undelivered 30006 (Spanish)
    A4   Tue 11-10 08:00   day     South    NOISE COMPLAINT    refused 21614 (failed)
    A5   Thu 11-12 12:00   day     North    DOMESTIC VIOLENCE  skipped: sensitive_call_type
    A6   Thu 11-12 13:00   day     North    THEFT - CAR PROWL  skipped: no_phone
    A7   Mon 11-16 09:00   day     North    THEFT - CAR PROWL  delivered
    A8   Wed 10-28 07:30*  day     South    THEFT - CAR PROWL  delivered
    A9   Wed 11-18 22:00   evening South    NOISE COMPLAINT    sent (still queued)
    A10  Thu 11-19 10:00   day     North    THEFT - CAR PROWL  cancelled (call reopened)
    A11  Tue 10-20 10:00*  day     North    THEFT - CAR PROWL  delivered [before the period]
    (* EDT; the rest EST)

    replies and callbacks (normal callbacks have a 24 h SLA):
    A1   "5 great job, Officer Smith was wonderful"   positive, 5, commendation
    A2   "2 nobody came for hours, call me at ..."    unresolved, 2: callback, attempt +30 min
    A7   "3" then "the officer was rude..."           neutral 3, negative: callback,
                                                      attempt +10 min, resolved +20 min
    A8   "4 thank you" then "STOP"                    positive 4, opt_out
    A9   "=1+1 when will a detective call me..."      question: callback, attempt +2 days,
                                                      resolved +2 days 1 h (late)
    A11  "1 terrible"                                 negative 1: callback, left open

A8 at 07:30 EDT is 11:30 UTC: read with the winter offset it would be 06:30, a night call, so the
day-shift figures check that the zone's offset is applied per date.

Agency B (Eastport) has one call with a reply and a callback; it must never show up for A.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from followup.agencies.registry import AgencySettings, create_agency
from followup.callbacks import work
from followup.core.phones import redact_numbers
from followup.intake.tokens import create_token
from followup.models import Agency, AuditEvent, Call, Callback, FollowUp, Message, Role, User
from followup.replies import inbound
from followup.reports.comments import CommentFilter, comments
from followup.reports.figures import report_figures
from followup.reports.filters import ReportError, parse_filter
from followup.sending import delivery
from followup.sending.gateways.base import PermanentGatewayError
from followup.staff import users
from followup.web.csv_export import safe_cell
from tests.support.factories import ApiClient, call_event
from tests.support.web import PASSWORD, sign_in

B_NUMBER = "+12025550199"  # agency B's texting number


class Seed:
    """Drives the real services to build the scenario in the module docstring."""

    def __init__(self, services, client, gateway, clock):
        self.services, self.client, self.gateway, self.clock = services, client, gateway, clock
        self.sender = services.sender(worker_id="report-seed")
        self.sms_count = 0

    def close(self):
        self.sender.close()

    def call(
        self, api, call_id, closed, *, phone, status="delivered", code=None, fail=None, **event
    ):
        """Post a closed call, send its check-in, report its delivery; return the follow-up."""
        closed_at = datetime.fromisoformat(closed)
        self.clock.set(closed_at + timedelta(minutes=1))
        body = call_event(call_id=call_id, closed_at=closed, caller_phone=phone, **event)
        posted = api.post_call(body).json["followup"]
        if posted["status"] != "scheduled":
            return posted
        self.clock.set(datetime.fromisoformat(posted["send_at"]))
        if fail is not None:
            self.gateway.fail_next(fail)
        self.sender.sweep()
        if status != "queued" and fail is None:
            with self.services.db.begin() as session:
                message_id = session.scalar(
                    select(Message.id)
                    .join(FollowUp, Message.followup_id == FollowUp.id)
                    .join(Call, FollowUp.call_id == Call.id)
                    .where(Call.external_id == call_id)
                )
                delivery.record_status(
                    session,
                    message_id=message_id,
                    sid=None,
                    status=status,
                    error_code=code,
                    now=self.clock.now(),
                )
        return posted

    def reply(self, phone, body, *, after=timedelta(minutes=10), to=""):
        self.clock.advance(seconds=after.total_seconds())
        self.sms_count += 1
        with self.services.db.begin() as session:
            inbound.receive(
                session,
                inbound.InboundSms(
                    sid=f"SMreport{self.sms_count:026d}", sender=phone, to=to, body=body
                ),
                now=self.clock.now(),
                default_agency_slug=self.services.settings.agency_slug,
            )

    def work(self, phone, commander_id, *, attempt_after, resolve_after=None):
        """Log a call attempt on the callback for ``phone``, and resolve it when asked."""
        with self.services.db.begin() as session:
            callback = session.scalars(
                select(Callback)
                .join(Message, Callback.message_id == Message.id)
                .where(Message.phone == phone)
            ).one()
            commander = session.get(User, commander_id)
            opened = callback.created_at
            work.log_attempt(
                session, callback, commander, "reached", "", now=opened + attempt_after
            )
            if resolve_after is not None:
                work.resolve(
                    session,
                    callback,
                    commander,
                    "resolved_by_phone",
                    "",
                    now=opened + resolve_after,
                )


def _phone(n: int) -> str:
    return f"+120255501{n:02d}"


@pytest.fixture
def seeded(services, client, gateway, clock):
    """Both agencies, their staff and the scenario above; returns user ids by name."""
    now = clock.now()
    with services.db.begin() as session:
        a = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        b = create_agency(
            session,
            "eastport",
            AgencySettings(name="Eastport Police", timezone="America/Chicago"),
            now=now,
        )
        b.sms_number = B_NUMBER
        _, b_token = create_token(session, b, "cad", now=now)
        ids = {}
        for agency, name, role in (
            (a, "viewer_a", Role.VIEWER),
            (a, "commander_a", Role.COMMANDER),
            (a, "admin_a", Role.ADMIN),
            (b, "viewer_b", Role.VIEWER),
            (b, "commander_b", Role.COMMANDER),
        ):
            ids[name] = users.create_user(session, agency, name, role, PASSWORD, now=now).id
    api_a = ApiClient(client, "test-intake-token")
    api_b = ApiClient(client, b_token)
    seed = Seed(services, client, gateway, clock)
    hour = timedelta(hours=1)

    seed.call(api_a, "A11", "2026-10-20T10:00:00-04:00", phone=_phone(41))
    seed.reply(_phone(41), "1 terrible")

    seed.call(api_a, "A8", "2026-10-28T07:30:00-04:00", phone=_phone(38), district="South")
    seed.reply(_phone(38), "4 thank you")
    seed.reply(_phone(38), "STOP")

    seed.call(api_a, "A1", "2026-11-02T10:00:00-05:00", phone=_phone(31))
    seed.reply(_phone(31), "5 great job, Officer Smith was wonderful")

    seed.call(
        api_a,
        "A2",
        "2026-11-03T16:00:00-05:00",
        phone=_phone(32),
        district="South",
        call_type="NOISE COMPLAINT",
    )
    seed.reply(_phone(32), "2 nobody came for hours, call me at 202-555-0188")
    seed.work(_phone(32), ids["commander_a"], attempt_after=timedelta(minutes=30))

    seed.call(
        api_a,
        "A3",
        "2026-11-05T23:30:00-05:00",
        phone=_phone(33),
        language="es",
        status="undelivered",
        code=30006,
    )
    seed.call(
        api_a,
        "A4",
        "2026-11-10T08:00:00-05:00",
        phone=_phone(34),
        district="South",
        call_type="NOISE COMPLAINT",
        fail=PermanentGatewayError("not a mobile number", code=21614),
    )
    seed.call(
        api_a, "A5", "2026-11-12T12:00:00-05:00", phone=_phone(35), call_type="DOMESTIC VIOLENCE"
    )
    seed.call(api_a, "A6", "2026-11-12T13:00:00-05:00", phone=...)

    seed.call(api_a, "A7", "2026-11-16T09:00:00-05:00", phone=_phone(37))
    seed.reply(_phone(37), "3")
    seed.reply(_phone(37), "the officer was rude and cursed at me")
    seed.work(
        _phone(37),
        ids["commander_a"],
        attempt_after=timedelta(minutes=10),
        resolve_after=timedelta(minutes=20),
    )

    seed.call(
        api_a,
        "A9",
        "2026-11-18T22:00:00-05:00",
        phone=_phone(39),
        district="South",
        call_type="NOISE COMPLAINT",
        status="queued",
    )
    seed.reply(_phone(39), "=1+1 when will a detective call me about my case?")
    seed.work(
        _phone(39),
        ids["commander_a"],
        attempt_after=timedelta(days=2),
        resolve_after=timedelta(days=2) + hour,
    )

    clock.set(datetime.fromisoformat("2026-11-19T10:00:00-05:00"))
    api_a.post_call(
        call_event(call_id="A10", closed_at="2026-11-19T10:00:00-05:00", caller_phone=_phone(40))
    )
    clock.advance(seconds=600)
    api_a.post_call(
        call_event(
            call_id="A10",
            closed_at="2026-11-19T10:00:00-05:00",
            caller_phone=_phone(40),
            status="reopened",
        )
    )

    # Agency B: same district names, a reply that praises and a complaint with a callback.
    seed.call(api_b, "B1", "2026-11-10T10:00:00-06:00", phone=_phone(50))
    seed.reply(_phone(50), "5 thank you Officer Jones", to=B_NUMBER)
    seed.call(api_b, "B2", "2026-11-11T10:00:00-06:00", phone=_phone(51))
    seed.reply(_phone(51), "1 awful", to=B_NUMBER)

    seed.close()
    clock.set(datetime.fromisoformat("2026-11-23T10:00:00-05:00"))
    return ids


def _figures(services, slug=None, **args):
    with services.db.Session() as session:
        agency = session.scalar(
            select(Agency).where(Agency.slug == (slug or services.settings.agency_slug))
        )
        today = services.clock.now().astimezone(agency.zone).date()
        return report_figures(session, agency, parse_filter(args, today))


def test_every_figure_for_the_default_period_is_counted_by_hand(services, seeded):
    f = _figures(services)
    assert f.calls == 10  # A1..A10; A11 closed before 10-25, B's calls are another agency's
    assert f.scheduled == 8  # 10 calls - 2 skipped (A5, A6); includes A4 failed, A10 cancelled
    assert f.skipped == {"sensitive_call_type": 1, "no_phone": 1}  # A5, A6
    assert f.cancelled == 1  # A10
    assert f.sent == 6  # A1, A2, A3, A7, A8, A9
    assert f.delivered == 4  # A1, A2, A7, A8 (A3 undelivered, A9 still queued)
    assert f.failed == {"21614": 1, "30006": 1}  # A4 refused, A3 undelivered
    assert f.replied == 5  # A1, A2, A7, A8, A9 (A3 never replied)
    assert f.reply_rate == pytest.approx(5 / 6)  # 5 replied / 6 sent = 0.8333
    assert f.rating_mean == pytest.approx(3.5)  # (5 A1 + 2 A2 + 3 A7 + 4 A8) / 4
    assert f.ratings == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1}
    # A1 positive, A2 unresolved, A7 neutral + negative, A8 positive + opt_out, A9 question
    assert f.categories == {
        "positive": 2,
        "negative": 1,
        "neutral": 1,
        "opt_out": 1,
        "question": 1,
        "unresolved": 1,
    }
    assert f.callbacks_opened == 3  # A2, A7, A9
    assert f.callbacks_resolved == 2  # A7, A9
    assert f.callbacks_within_sla == 1  # A7 (20 min); A9 took 2 days 1 h against 24 h
    assert f.first_attempt_median_minutes == pytest.approx(30)  # median of 10, 30, 2880
    assert f.opt_outs == 1  # A8's STOP on 10-28


def test_weekly_series_starts_on_mondays_in_the_agency_zone(services, seeded):
    weeks = _figures(services).weeks
    # Mondays from 10-19 (the week holding 10-25) to 11-23: 35 days // 7 + 1 = 6 weeks.
    assert [w["week"] for w in weeks] == [
        "2026-10-19",
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert [w["sent"] for w in weeks] == [0, 1, 3, 0, 2, 0]  # A8 | A1 A2 A3 | - | A7 A9
    assert [w["replied"] for w in weeks] == [0, 1, 2, 0, 2, 0]  # A8 | A1 A2 | - | A7 A9
    assert [w["reply_rate"] for w in weeks] == [None, 1.0, 0.6667, None, 1.0, None]  # 2/3
    assert [w["rating_mean"] for w in weeks] == [None, 4.0, 3.5, None, 3.0, None]  # (5+2)/2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # North: A1 A3 A5 A6 A7 A10; sent A1 A3 A7; replied A1 A7; callback A7 (resolved in time)
        (
            {"district": "North"},
            dict(calls=6, sent=3, replied=2, skipped=2, callbacks=1, within=1, failed={"30006": 1}),
        ),
        # Noise: A2 A4 A9; sent A2 A9; both replied; callbacks A2 (open) and A9 (late)
        (
            {"call_type": "NOISE COMPLAINT"},
            dict(calls=3, sent=2, replied=2, skipped=0, callbacks=2, within=0, failed={"21614": 1}),
        ),
        # Day 07-15: A1 A4 A5 A6 A7 A8 (07:30 EDT) A10; sent A1 A7 A8, all replied
        (
            {"shift": "day"},
            dict(calls=7, sent=3, replied=3, skipped=2, callbacks=1, within=1, failed={"21614": 1}),
        ),
        # Evening 15-23: A2 (16:00), A9 (22:00)
        (
            {"shift": "evening"},
            dict(calls=2, sent=2, replied=2, skipped=0, callbacks=2, within=0, failed={}),
        ),
        # Night 23-07: A3 (23:30) only
        (
            {"shift": "night"},
            dict(calls=1, sent=1, replied=0, skipped=0, callbacks=0, within=0, failed={"30006": 1}),
        ),
        # Spanish check-ins: A3
        (
            {"language": "es"},
            dict(calls=1, sent=1, replied=0, skipped=0, callbacks=0, within=0, failed={"30006": 1}),
        ),
        # October 1-24: A11 only (sent, replied "1 terrible", a callback left open)
        (
            {"from": "2026-10-01", "to": "2026-10-24"},
            dict(calls=1, sent=1, replied=1, skipped=0, callbacks=1, within=0, failed={}),
        ),
    ],
)
def test_each_filter_narrows_every_figure(services, seeded, args, expected):
    f = _figures(services, **args)
    assert (
        dict(
            calls=f.calls,
            sent=f.sent,
            replied=f.replied,
            skipped=f.skipped_total,
            callbacks=f.callbacks_opened,
            within=f.callbacks_within_sla,
            failed=f.failed,
        )
        == expected
    )


def test_filters_combine_and_a_median_of_two_is_their_mean(services, seeded):
    f = _figures(services, call_type="NOISE COMPLAINT", district="South")
    assert f.callbacks_opened == 2  # A2, A9
    assert f.first_attempt_median_minutes == pytest.approx(1455)  # (30 + 2880) / 2
    october = _figures(services, **{"from": "2026-10-01", "to": "2026-10-24"})
    assert (october.rating_mean, october.ratings[1], october.opt_outs) == (1.0, 1, 0)


def test_another_agency_sees_only_its_own_calls(services, seeded):
    b = _figures(services, slug="eastport")
    assert (b.calls, b.sent, b.replied, b.callbacks_opened) == (2, 2, 2, 1)  # B1, B2; B2 "1 awful"
    assert b.rating_mean == pytest.approx(3.0)  # (5 + 1) / 2
    assert b.categories == {"negative": 1, "positive": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": "2026-13-01"}, "is not a date"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "starts after it ends"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "at most three years"),
        ({"shift": "graveyard"}, "Shift must be one of"),
    ],
)
def test_a_bad_filter_is_refused_with_a_reason(args, message):
    with pytest.raises(ReportError, match=message):
        parse_filter(args, datetime(2026, 11, 23).date())


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["viewer_a", "commander_a", "admin_a"])
def test_viewers_commanders_and_admins_open_the_reports(client, seeded, username):
    sign_in(client, username)
    page = client.get("/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/reports"' in html  # the Reports link in the header
    assert 'data-figure="calls">10<' in html
    assert 'data-figure="reply_rate">83.3% (5 of 6)<' in html
    assert "Content-Security-Policy" in page.headers
    script_src = page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src


def test_signed_out_people_are_sent_to_sign_in(client, seeded):
    for path in ("/reports", "/reports/comments", "/reports/figures.csv", "/reports/summary"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_viewer_of_agency_b_gets_only_b(client, seeded):
    sign_in(client, "viewer_b")
    html = client.get("/reports?from=2026-10-01&to=2026-11-23").get_data(as_text=True)
    assert 'data-figure="calls">2<' in html
    comments = client.get("/reports/comments?from=2026-10-01&to=2026-11-23")
    body = comments.get_data(as_text=True)
    assert 'data-total="2"' in body
    assert "Officer Jones" in body and "Officer Smith" not in body and "terrible" not in body


def test_a_bad_filter_on_the_page_gets_a_readable_400(client, seeded):
    sign_in(client, "viewer_a")
    response = client.get("/reports?from=yesterday")
    assert response.status_code == 400
    assert "is not a date" in response.get_data(as_text=True)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_comments_are_newest_first_with_call_context_and_no_numbers(client, services, seeded):
    sign_in(client, "viewer_a")
    html = client.get("/reports/comments").get_data(as_text=True)
    assert 'data-total="6"' in html  # 7 replies in the period less A8's STOP
    order = [
        html.index(text)
        for text in ("when will a detective", "rude and cursed", "great job", "4 thank you")
    ]
    assert order == sorted(order)  # A9 (11-19), A7 (11-16), A1 (11-02), A8 (10-28)
    assert "NOISE COMPLAINT, South" in html and "closed 2026-11-03" in html
    assert "202-555-0188" not in html and "[number removed]" in html  # typed into A2's reply
    assert "+12025550" not in html
    with services.db.Session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "view_report_comments")
        ).one()
    assert event.detail["from"] == "2026-10-25"


@pytest.mark.parametrize(
    ("query", "total", "present"),
    [
        ("q=OFFICER", 2, ["Officer Smith", "rude and cursed"]),  # A1, A7: case-insensitive
        ("category=positive", 2, ["great job", "4 thank you"]),  # A1, A8
        ("rating=3", 2, ["rude and cursed", ">3<"]),  # both of A7's replies (A7 rated 3)
        ("q=100%25", 0, []),  # a % is searched for, not a wildcard
        ("district=South&category=question", 1, ["when will a detective"]),  # A9
    ],
)
def test_comments_search_and_filters(client, seeded, query, total, present):
    sign_in(client, "viewer_a")
    html = client.get(f"/reports/comments?{query}").get_data(as_text=True)
    assert f'data-total="{total}"' in html
    for text in present:
        assert text in html


def test_comments_are_paged(services, seeded):
    with services.db.Session() as session:
        agency = session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))
        period = parse_filter({}, datetime(2026, 11, 23).date())
        pages = [
            comments(session, agency, period, CommentFilter(), page=n, per_page=4)
            for n in (1, 2)
        ]
    assert [len(rows) for rows, _ in pages] == [4, 2]  # 6 comments, 4 a page
    assert pages[0][1] == pages[1][1] == 6
    assert pages[1][0][-1].body == "4 thank you"  # the oldest, A8


def test_commendations_are_listed_and_exported_for_the_supervisor(client, services, seeded):
    sign_in(client, "commander_a")
    html = client.get("/reports/commendations").get_data(as_text=True)
    assert 'data-total="1"' in html and '<td class="named">Officer Smith</td>' in html
    rows = _csv_rows(client.get("/reports/commendations.csv"))
    assert rows[0] == [
        "received",
        "call_closed",
        "call_type",
        "district",
        "category",
        "rating",
        "named",
        "comment",
    ]
    assert rows[1][1:7] == [
        "2026-11-02",
        "THEFT - CAR PROWL",
        "North",
        "positive",
        "5",
        "Officer Smith",
    ]
    assert len(rows) == 2


def test_comment_export_has_no_numbers_defuses_formulas_and_is_audited(client, services, seeded):
    sign_in(client, "viewer_a")
    response = client.get("/reports/comments.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "+1202555" not in text and "555-01" not in text
    rows = _csv_rows(response)
    assert len(rows) == 1 + 6
    assert rows[1][-1] == "'=1+1 when will a detective call me about my case?"  # A9, newest
    with services.db.Session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_report_comments")
        ).one()
        assert event.user_id == seeded["viewer_a"] and event.detail["rows"] == 6
        assert "detective" not in str(event.detail)


def test_figures_export_matches_the_page_and_is_audited(client, services, seeded):
    sign_in(client, "admin_a")
    rows = _csv_rows(client.get("/reports/figures.csv?district=North"))
    table = {(figure, detail): value for figure, detail, value in rows[1:]}
    assert rows[0] == ["figure", "detail", "value"]
    assert table[("calls", "")] == "6"
    assert table[("sent", "")] == "3"
    assert table[("reply_rate", "")] == "0.6667"  # 2 of 3
    assert table[("skipped_by_reason", "no_phone")] == "1"
    assert table[("failed_by_error_code", "30006")] == "1"
    assert table[("ratings_by_value", "5")] == "1"  # A1
    with services.db.Session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export_report_figures")
        ).one()
    assert event.detail["district"] == "North"


def test_monthly_summary_prints_the_month(client, seeded):
    sign_in(client, "viewer_a")
    html = client.get("/reports/summary?month=2026-11").get_data(as_text=True)
    # November: A1 A2 A3 A4 A5 A6 A7 A9 A10 = 9 calls; sent A1 A2 A3 A7 A9 = 5
    assert 'data-figure="calls">9<' in html
    assert 'data-figure="sent">5<' in html
    assert 'data-figure="reply_rate">80.0%<' in html  # A1 A2 A7 A9 of 5
    assert 'data-figure="rating_mean">3.33<' in html  # (5 + 2 + 3) / 3
    assert "Officer Smith" in html and "data-print" in html
    assert client.get("/reports/summary?month=2026-13").status_code == 400


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted():
    assert [safe_cell(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "ok", 5)] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tx",
        "ok",
        5,
    ]
    # What spreadsheets skip or read as ASCII before deciding (the probe's escapes).
    for sneaky in (" =1+1", "\u00a0=1", "\ufeff=1", "\n=1", "\u200b@x", "\uff1d1+1", "\uff0b1"):
        assert safe_cell(sneaky) == "'" + sneaky, repr(sneaky)
    assert safe_cell("-") == "'-" and safe_cell("a=b") == "a=b"
    assert redact_numbers("call 202-555-0188 or (202) 555-0123 about case 12", "US") == (
        "call [number removed] or [number removed] about case 12"
    )
