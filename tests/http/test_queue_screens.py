"""What the queue's screens say, as a commander checks it (issue 19): counts follow the filters,
the empty line says which list is empty, and the urgent poll every page makes is cheap and
refuses a spent session without counting as activity."""

from __future__ import annotations

import re

from tests.service.test_reports import seeded  # noqa: F401 (the fixture)
from tests.support.web import flagged_reply, make_user, post_form, sign_in


def counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)"[^>]*>(\d+)<', page))


def test_the_counts_follow_the_filters_mine_only_shows_what_is_mine(client, db, clock, api, sender):
    flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550181")
    flagged_reply(
        client, api, sender, clock, "he is back outside my house right now", "+12025550182"
    )
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    everything = client.get("/callbacks").get_data(as_text=True)
    mine = client.get("/callbacks?mine=1").get_data(as_text=True)
    urgent = client.get("/callbacks?priority=urgent").get_data(as_text=True)

    assert counts(everything)["open"] == "2"
    assert counts(mine) == {"open": "0", "claimed": "0", "resolved": "0", "overdue": "0"}
    assert "No callbacks match these filters." in mine
    assert counts(urgent)["open"] == "1"


def test_the_resolved_list_says_it_is_the_resolved_list_that_is_empty(client, db, clock):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    active = client.get("/callbacks").get_data(as_text=True)
    resolved = client.get("/callbacks?status=resolved").get_data(as_text=True)

    assert "Nothing here. New replies that need a call appear on their own." in active
    assert "No resolved callbacks." in resolved
    assert "appear on their own" not in resolved


def test_the_urgent_poll_answers_ids_only_for_the_signed_in_agency(client, db, clock, api, sender):
    flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550183")
    urgent = flagged_reply(
        client, api, sender, clock, "he is back outside my house right now", "+12025550184"
    )
    make_user(db, clock, "vw", "viewer")
    sign_in(client, "vw")

    answer = client.get("/callbacks/urgent", headers={"X-Followup-Poll": "1"})

    assert answer.status_code == 200 and answer.json == {"ids": [urgent]}
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_spent_session_gets_401_from_the_urgent_poll_and_polling_is_not_activity(
    client, db, clock
):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    for _ in range(4):
        clock.advance(minutes=10)
        poll = client.get("/callbacks/urgent", headers={"X-Followup-Poll": "1"})

    assert poll.status_code == 401 and poll.headers["HX-Redirect"] == "/login"


def test_the_handover_counts_each_callback_once_links_it_and_says_what_was_resolved(
    client, db, clock, api, sender
):
    late = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550185")
    clock.advance(hours=30)
    # The simulator's player idled out meanwhile: the next reply signs in a new one.
    client.application.extensions.pop("tests.simulator_client", None)
    fresh = flagged_reply(client, api, sender, clock, "still waiting on the report", "+12025550186")
    done = flagged_reply(client, api, sender, clock, "no one called me back", "+12025550187")
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")
    post_form(client, f"/callbacks/{done}/claim")
    post_form(
        client, f"/callbacks/{done}/resolve", outcome="resolved_by_phone", note="Called her back."
    )

    page = client.get("/callbacks/handover").get_data(as_text=True)

    assert "1 overdue, 1 open, 0 claimed, 1 resolved in the last 12 hours" in page
    for callback_id in (late, fresh, done):
        assert f'href="/callbacks/{callback_id}"' in page
    assert "nobody ever came" in page and "still waiting on the report" in page
    assert "Resolved on the phone" in page


def test_reports_name_the_reasons_and_categories_in_words_not_codes(client, seeded):  # noqa: F811
    sign_in(client, "viewer_a")

    page = client.get("/reports").get_data(as_text=True)

    assert '<th scope="row">Sensitive call type</th>' in page
    assert '<th scope="row">No phone number</th>' in page
    assert '<th scope="row">Opted out</th>' in page
    for code in ("sensitive_call_type", "no_phone", "opt_out"):
        assert f">{code}<" not in page
