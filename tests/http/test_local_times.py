"""Every time a person reads is the agency's local time with its zone (issue 19): the queue
shows when a callback is due as well as how long is left, the conversation and history carry the
zone, and a file that holds UTC says so in its header."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from followup.web.times import DAY, FULL, local
from tests.support.web import flagged_reply, make_user, post_form, sign_in

NEW_YORK = ZoneInfo("America/New_York")


def test_the_filter_gives_local_time_with_the_zone_and_says_so_for_summer_and_winter():
    winter = datetime(2026, 12, 3, 19, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 3, 18, 5, tzinfo=UTC)

    assert local(winter, zone=NEW_YORK) == "Dec 03 14:05 EST"
    assert local(summer, zone=NEW_YORK) == "Jul 03 14:05 EDT"
    assert local(winter, FULL, NEW_YORK) == "2026-12-03 14:05 EST"
    assert local(winter, DAY, NEW_YORK) == "2026-12-03"
    assert local(winter.replace(tzinfo=None), zone=NEW_YORK) == "Dec 03 14:05 EST"  # stored UTC
    assert local(None, missing="never") == "never"


def test_the_queue_shows_the_due_time_and_what_is_left_and_the_thread_has_zones(
    client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550187")
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    queue = client.get("/callbacks").get_data(as_text=True)
    row = queue[queue.index(f'id="callback-{callback_id}"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r"<time datetime=\"[^\"]+\">\w{3} \d\d \d\d:\d\d ES?T</time>", row), row
    assert re.search(r"(\d+ (d|h|min) )+left", row)

    post_form(client, f"/callbacks/{callback_id}/note", note="called, no answer yet")
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    thread = page[page.index('class="thread"') : page.index('id="hist-h"')]
    history = page[page.index('class="history"') :]
    assert len(re.findall(r"\w{3} \d\d \d\d:\d\d EST", thread)) >= 2  # check-in and reply
    assert re.search(r"\w{3} \d\d \d\d:\d\d EST · \S+ · note", history)
    assert " UTC" not in page


def test_users_tokens_and_template_versions_are_local_and_the_audit_csv_says_utc(
    client, db, clock
):
    make_user(db, clock, "ada", "admin")
    sign_in(client, "ada")

    users = client.get("/admin/users").get_data(as_text=True)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d EST", users)  # ada's last sign-in
    assert " UTC" not in users
    audit_csv = client.get("/audit.csv").get_data(as_text=True)
    assert audit_csv.splitlines()[0].startswith("at_utc,")
