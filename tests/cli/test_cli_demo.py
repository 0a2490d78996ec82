"""The demo (`make run`): its accounts, its on-duty commander, and the outbox that shows every
text the service sent, alerts to the commander included."""

from __future__ import annotations

import json
import re

from followup.setup import DEMO_COMMANDER, ensure_demo_accounts
from tests.http.test_simulator import PHONE, checked_in
from tests.support.twilio_requests import TwilioWebhooks

COMMANDER_PHONE = DEMO_COMMANDER[1]


def test_the_demo_puts_one_fictional_commander_on_duty(cli, services, agency):
    ensure_demo_accounts(services, agency)
    ensure_demo_accounts(services, agency)  # every `make run` calls it

    [line] = cli("roster", "list").stdout.splitlines()
    member_id, name, phone, state = line.split("\t")
    assert (name, state) == ("Demo Commander (on duty)", "on duty")
    assert re.fullmatch(r"\+1202555019\d", COMMANDER_PHONE)  # 555-01xx: fiction's numbers
    assert phone.endswith(COMMANDER_PHONE[-2:]) and COMMANDER_PHONE not in line


def test_a_demo_commander_taken_off_duty_stays_off_at_the_next_start(cli, services, agency):
    ensure_demo_accounts(services, agency)
    [line] = cli("roster", "list").stdout.splitlines()
    cli("roster", "duty", line.split("\t")[0], "off")

    ensure_demo_accounts(services, agency)

    [line] = cli("roster", "list").stdout.splitlines()
    assert line.endswith("off duty")


def test_the_demo_password_reads_cleanly_with_no_double_dash(services, agency):
    password = ensure_demo_accounts(services, agency)

    assert re.fullmatch(r"demo-[A-Za-z0-9]{12}", password)
    assert ensure_demo_accounts(services, agency) == password  # the same on every start


def test_an_urgent_reply_in_the_demo_alerts_the_commander_and_the_outbox_lists_every_text(
    cli, services, agency, client, api, sender, clock
):
    ensure_demo_accounts(services, agency)
    checked_in(api, sender, clock)

    TwilioWebhooks.for_services(client, services).text(PHONE, "he's back outside my house now")

    texts = [json.loads(line) for line in cli("outbox", "--json").stdout.splitlines()]
    assert [text["purpose"] for text in reversed(texts)] == ["checkin", "crisis_reply", "alert"]
    alert = texts[0]
    assert alert["body"].startswith("URGENT") and "SIM-1" in alert["body"]
    assert "outside my house" not in alert["body"]  # never the caller's words
    assert COMMANDER_PHONE not in json.dumps(texts) and PHONE not in json.dumps(texts)
    shown = [
        json.loads(line)["to"]
        for line in cli("outbox", "--json", "--show-numbers").stdout.splitlines()
    ]
    assert shown == [COMMANDER_PHONE, PHONE, PHONE]

    readable = cli("outbox").stdout
    assert re.search(r"to \S+  alert  \[queued\]", readable)
    assert re.search(r"to \S+  checkin  \[queued\]", readable)


def test_the_demo_shows_a_confirmation_and_a_delay_text_in_the_simulator(
    services, agency, sender, client
):
    from followup.setup import DEMO_WAITING_CALLER

    ensure_demo_accounts(services, agency)
    ensure_demo_accounts(services, agency)  # a second start adds nothing
    sender.drain()

    page = client.get(f"/simulator?phone={DEMO_WAITING_CALLER}")
    with services.db.Session() as session:
        from sqlalchemy import select

        from followup.models import Message

        sent = [
            m.purpose
            for m in session.scalars(select(Message).where(Message.phone == DEMO_WAITING_CALLER))
        ]
    assert sorted(sent) == ["confirmation", "delay"]
    assert page.status_code in (200, 302)
