"""Commendations (issue 19): praise in a positive reply counts for the call's officer, unit or
call-taker, keeps the call's ids, and is counted per person on the commendations report; a name
in a complaint counts for nobody.

Seven calls, each with its own caller, replies through the signed Twilio webhook:

    call  officer (id)       unit  call-taker   reply                            counts for
    C1    Maria Diaz (4471)  2A14  Park (D-17)  "5, officer Diaz was great"      officer 4471
    C2    M. Diaz (4471)     2A15  -            "Diaz was wonderful, and unit    officer 4471,
                                                 2A15 got here fast"              unit 2A15
    C3    Sam Lee (5120)     2A14  Park (D-17)  "Thank you, the dispatcher was   call-taker D-17,
                                                 so calm and 2A14 came quickly"   unit 2A14
    C4    Sam Lee (5120)     2A14  -            "Officer Lee was rude"           nobody (complaint)
    C5    Maria Diaz (4471)  2A14  -            "nobody came, Diaz never         nobody
                                                 showed up"                       (unresolved)
    C6    Sam Lee (5120)     2A14  -            "great job, Officer Lopez was    named:
                                                 so kind"                         Officer Lopez
    C7    Sam Lee (5120)     2A14  -            "thank you so much"              nobody (no name)

So: officers Maria Diaz 2; units 2A14 1, 2A15 1; call-takers Jordan Park 1; named 1; four
replies on the commendations list.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from followup.intake.cad_import import CsvFile, import_calls
from followup.intake.cad_mapping import load_mapping
from followup.models import Call, Commendation, Message
from tests.support.factories import checkin_sent
from tests.support.twilio_requests import TwilioWebhooks
from tests.support.web import make_user, sign_in

DIAZ = {"officer_name": "Maria Diaz", "officer_id": "4471"}
LEE = {"officer_name": "Sam Lee", "officer_id": "5120"}
PARK = {"call_taker_name": "Jordan Park", "call_taker_id": "D-17"}
CALLS = [
    ("+12025550131", DIAZ | PARK | {"unit": "2A14"}, "5, officer Diaz was great"),
    (
        "+12025550132",
        {"officer_name": "M. Diaz", "officer_id": "4471", "unit": "2A15"},
        "Diaz was wonderful, and unit 2A15 got here fast",
    ),
    (
        "+12025550133",
        LEE | PARK | {"unit": "2A14"},
        "Thank you, the dispatcher was so calm and 2A14 came quickly",
    ),
    ("+12025550134", LEE | {"unit": "2A14"}, "Officer Lee was rude"),
    ("+12025550135", DIAZ | {"unit": "2A14"}, "nobody came, Diaz never showed up"),
    ("+12025550136", LEE | {"unit": "2A14"}, "great job, Officer Lopez was so kind"),
    ("+12025550137", LEE | {"unit": "2A14"}, "thank you so much"),
]


def seed(client, services, api, clock, sender, gateway) -> dict[str, str]:
    """Post the seven calls, send their check-ins, deliver the replies; return call ids by phone."""
    hooks = TwilioWebhooks.for_services(client, services)
    ids = {}
    for phone, fields, _ in CALLS:
        ids[phone] = checkin_sent(api, clock, sender, gateway, phone, **fields)
    for phone, _, reply in CALLS:
        assert hooks.text(phone, reply).status_code == 200
    return ids


def tally(html: str, role: str) -> list[tuple[str, ...]]:
    """The rows of one role's table on the commendations page, as cell texts."""
    table = re.search(rf'<table data-role="{role}">(.*?)</table>', html, re.S)
    if table is None:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S)
    return [tuple(re.findall(r"<td[^>]*>(.*?)</td>", row)) for row in rows]


def test_praise_counts_for_the_calls_officer_unit_and_call_taker_on_the_report(
    client, services, api, clock, sender, gateway, db
):
    seed(client, services, api, clock, sender, gateway)
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    html = client.get("/reports/commendations").get_data(as_text=True)

    assert tally(html, "officer") == [("Maria Diaz", "4471", "2")]
    assert tally(html, "unit") == [("2A14", "1"), ("2A15", "1")]
    assert tally(html, "call_taker") == [("Jordan Park", "D-17", "1")]
    assert tally(html, "named") == [("Officer Lopez", "1")]
    assert 'data-total="4"' in html
    named = re.findall(r'<td class="named">(.*?)</td>', html)
    assert sorted(named) == [
        "Diaz, unit 2A15", "Officer Lopez", "dispatcher, 2A14", "officer Diaz"
    ]
    # The complaints name Lee and Diaz, and count for neither.
    assert "Sam Lee" not in html


def test_a_commendation_keeps_the_calls_ids_even_when_the_call_changes_later(
    client, services, api, clock, sender, gateway, db
):
    ids = seed(client, services, api, clock, sender, gateway)
    # C3's dispatch system later reports another officer and unit on the call.
    event = {"call_id": ids["+12025550133"], "caller_phone": "+12025550133", "unit": "9Z99"}
    api.post_call(None, **event, officer_id="7000", officer_name="Pat Kim")

    with db.Session() as session:
        call = session.scalar(select(Call).where(Call.external_id == ids["+12025550133"]))
        assert (call.unit, call.officer_id) == ("9Z99", "7000")
        kept = session.scalars(
            select(Commendation).where(Commendation.call_id == call.id).order_by(Commendation.role)
        ).all()
    assert [(c.role, c.named) for c in kept] == [("call_taker", "dispatcher"), ("unit", "2A14")]
    for commendation in kept:
        assert (commendation.officer_id, commendation.officer_name) == ("5120", "Sam Lee")
        assert commendation.unit == "2A14"
        assert (commendation.call_taker_id, commendation.call_taker_name) == ("D-17", "Jordan Park")


def test_a_name_in_a_complaint_or_an_unresolved_reply_is_no_commendation(
    client, services, api, clock, sender, gateway, db
):
    seed(client, services, api, clock, sender, gateway)

    with db.Session() as session:
        by_body = {
            m.body: m
            for m in session.scalars(select(Message).where(Message.direction == "inbound"))
        }
        praised = set(session.scalars(select(Commendation.message_id)))
    for body in ("Officer Lee was rude", "nobody came, Diaz never showed up", "thank you so much"):
        assert by_body[body].commendation is None
        assert by_body[body].id not in praised


def test_the_intake_api_keeps_the_call_taker_and_refuses_a_name_too_long(api, db):
    accepted = api.post_call(None, call_taker_id=" D-17 ", call_taker_name="Jordan Park")
    blank = api.post_call(None, call_taker_id="", call_taker_name="  ")
    refused = api.post_call(None, call_taker_name="x" * 201)

    assert accepted.status_code == 202 and blank.status_code == 202
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json["errors"]] == ["call_taker_name"]
    with db.Session() as session:
        calls = {c.external_id: c for c in session.scalars(select(Call))}
    assert len(calls) == 2
    taken = calls[accepted.json["call_id"]]
    assert (taken.call_taker_id, taken.call_taker_name) == ("D-17", "Jordan Park")
    left_blank = calls[blank.json["call_id"]]
    assert (left_blank.call_taker_id, left_blank.call_taker_name) == (None, None)


def test_the_cad_import_maps_the_call_taker_columns(services, tmp_path: Path):
    (tmp_path / "mapping.toml").write_text(
        '[columns]\ncall_id = "Incident"\ncall_type = "Type"\nclosed_at = "Closed"\n'
        'caller_phone = "Phone"\ncall_taker_id = "Call Taker"\ncall_taker_name = "Taker Name"\n'
        '[dates]\nformat = "%m/%d/%Y %H:%M"\n',
        encoding="utf-8",
    )
    export = tmp_path / "export.csv"
    export.write_text(
        "Incident,Type,Closed,Phone,Call Taker,Taker Name\n"
        "26-0100,THEFT - CAR PROWL,11/23/2026 08:15,202-555-0138,D-17,\"Park, Jordan\"\n",
        encoding="utf-8",
    )
    source = CsvFile.open(export, load_mapping(tmp_path / "mapping.toml"))
    import_calls(
        services.db, services.settings.agency_slug, source, clock=services.clock, dry_run=False
    )

    with services.db.Session() as session:
        call = session.scalar(select(Call).where(Call.external_id == "26-0100"))
    assert (call.call_taker_id, call.call_taker_name) == ("D-17", "Park, Jordan")
