"""The callback queue as a commander works it: order, filters, detail, actions, handover, audit."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select

from followup.eligibility import contacts
from followup.models import AuditEvent, Callback, CallbackEvent, User
from tests.support.web import (
    PASSWORD,
    flagged_reply,
    make_user,
    sign_in,
    simulate_reply,
    token,
)


def commander(client, db, clock, name="lee", role="commander"):
    make_user(db, clock, name, role)
    sign_in(client, name)


def act(client, callback_id, action, **data):
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    return client.post(
        f"/callbacks/{callback_id}/{action}", data={"csrf_token": token(page), **data}
    )


def get_callback(db, callback_id) -> Callback:
    with db.Session() as session:
        return session.get(Callback, callback_id)


def test_urgent_callbacks_come_first_then_by_due_time(client, db, clock, api, sender):
    normal = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550171")
    urgent = flagged_reply(
        client, api, sender, clock, "he is back outside my house right now", "+12025550172"
    )
    commander(client, db, clock)

    page = client.get("/callbacks").get_data(as_text=True)

    assert page.index(f'data-callback-id="{urgent}"') < page.index(f'data-callback-id="{normal}"')
    assert "1 urgent callback needs a call now" in page
    assert "23 h 59 min left" in page or "24 h left" in page or "left" in page


def test_overdue_is_shown_plainly_and_counted(client, db, clock, api, sender):
    flagged_reply(client, api, sender, clock, "nobody ever came")
    clock.advance(hours=25)
    commander(client, db, clock)  # 25 idle hours would have signed anyone out

    page = client.get("/callbacks").get_data(as_text=True)

    assert "overdue by 1 h" in page
    assert '<strong data-count="overdue" class="overdue">1</strong>' in page


def test_filters_narrow_the_queue(client, db, clock, api, sender):
    normal = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550171")
    urgent = flagged_reply(client, api, sender, clock, "he has a gun", "+12025550172")
    commander(client, db, clock)
    act(client, normal, "claim")

    urgent_only = client.get("/callbacks?priority=urgent").get_data(as_text=True)
    mine = client.get("/callbacks?mine=1").get_data(as_text=True)

    assert f'data-callback-id="{urgent}"' in urgent_only
    assert f'data-callback-id="{normal}"' not in urgent_only
    assert f'data-callback-id="{normal}"' in mine and f'data-callback-id="{urgent}"' not in mine


def test_the_detail_masks_the_number_until_revealed_and_audits_each_reveal(
    client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550173")
    commander(client, db, clock)

    before = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    revealed = act(client, callback_id, "reveal").get_data(as_text=True)

    assert "+12025550173" not in before and "••••••••••73" in before
    assert 'href="tel:+12025550173"' in revealed
    with db.Session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reveal_number"))
    assert (event.object_type, event.object_id, event.username) == ("callback", callback_id, "lee")
    assert "+1202" not in str(event.detail)


def test_a_commander_claims_calls_and_resolves_and_every_step_is_recorded(
    client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    commander(client, db, clock)

    act(client, callback_id, "claim")
    act(client, callback_id, "attempt", outcome="no_answer", note="rang twice")
    act(client, callback_id, "attempt", outcome="reached")
    act(client, callback_id, "note", note="officer will stop by")
    done = act(client, callback_id, "resolve", outcome="resolved_by_phone", note="explained")

    callback = get_callback(db, callback_id)
    assert (callback.status, callback.outcome) == ("resolved", "resolved_by_phone")
    with db.Session() as session:
        kinds = list(session.scalars(select(CallbackEvent.kind).order_by(CallbackEvent.id)))
    assert kinds == ["claimed", "attempt", "attempt", "note", "resolved"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Resolved." in page and "rang twice" in page and "No answer" in page


def test_no_contact_needs_attempts_logged_first(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    commander(client, db, clock)

    refused = act(client, callback_id, "resolve", outcome="no_contact")

    assert get_callback(db, callback_id).status == "open"
    assert "Log the call attempts" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_resolved_callback_can_be_reopened(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    commander(client, db, clock)
    act(client, callback_id, "resolve", outcome="not_needed")

    act(client, callback_id, "reopen", note="caller texted again")

    callback = get_callback(db, callback_id)
    assert callback.status == "open" and callback.outcome is None


def test_someone_elses_callback_cannot_be_claimed_but_can_be_assigned(
    client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    other = make_user(db, clock, "diaz", "commander")
    commander(client, db, clock)
    act(client, callback_id, "assign", user_id=str(other))

    refused = act(client, callback_id, "claim")

    assert get_callback(db, callback_id).claimed_by_id == other
    assert "has this callback" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_viewer_reads_but_cannot_work_or_reveal(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came")
    commander(client, db, clock, "vw", "viewer")

    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    claim = act(client, callback_id, "claim")
    told = client.get(claim.headers["Location"]).get_data(as_text=True)
    reveal = act(client, callback_id, "reveal")

    assert "Claim</button>" not in page and "Reveal number" not in page
    assert get_callback(db, callback_id).claimed_by_id is None
    assert "Viewers can read" in told
    assert reveal.status_code == 403


def test_an_approved_text_goes_through_the_gateway_and_opt_out_holds(
    client, db, clock, api, sender, gateway, agency
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550174")
    commander(client, db, clock)

    act(client, callback_id, "text", purpose="staff_reply_tried_to_call", confirmed="yes")
    with db.begin() as session:
        contacts.opt_out(session, agency.id, "+12025550174", source="reply", now=clock.now())
    refused = act(client, callback_id, "text", purpose="staff_reply_followed_up", confirmed="yes")

    texts = [s for s in gateway.sent if s["to"] == "+12025550174"]
    assert len(texts) == 2  # the check-in, then the approved text; nothing after the opt-out
    assert "A supervisor tried to call you" in texts[1]["body"]
    assert "opted out" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_reply_with_html_shows_as_text(client, db, clock, api, sender):
    callback_id = flagged_reply(
        client,
        api,
        sender,
        clock,
        'nobody came <script>alert("x")</script><img src=x onerror=alert(1)>',
    )
    commander(client, db, clock)

    for path in ("/callbacks", f"/callbacks/{callback_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_handover_lists_open_claimed_and_overdue(client, db, clock, api, sender):
    first = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550171")
    flagged_reply(client, api, sender, clock, "still waiting on the report", "+12025550172")
    commander(client, db, clock)
    act(client, first, "claim")
    clock.advance(hours=30)
    sign_in(client, "lee")  # the session idled out meanwhile

    page = client.get("/callbacks/handover").get_data(as_text=True)

    # Each callback in one list only: overdue ones are not counted again as open or claimed.
    assert "2 overdue, 0 open, 0 claimed" in page
    assert "Print or save as PDF" in page


def test_admins_filter_and_export_the_audit_trail_without_numbers(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550175")
    commander(client, db, clock, "adm", "admin")
    act(client, callback_id, "reveal")
    act(client, callback_id, "claim")

    page = client.get("/audit?action=reveal_number").get_data(as_text=True)
    exported = client.get("/audit.csv")

    table = page.split("<tbody>")[1]
    assert "reveal_number" in table and "callback_claimed" not in table
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert {row["action"] for row in rows} >= {"sign_in", "reveal_number", "callback_claimed"}
    assert "202555" not in exported.get_data(as_text=True)


def test_admins_create_and_disable_accounts_in_the_web(client, db, clock):
    commander(client, db, clock, "adm", "admin")
    page = client.get("/admin/users").get_data(as_text=True)

    client.post(
        "/admin/users",
        data={
            "csrf_token": token(page),
            "username": "diaz",
            "display_name": "Sgt. Diaz",
            "role": "commander",
            "password": PASSWORD,
        },
    )
    too_short = client.post(
        "/admin/users",
        data={"csrf_token": token(page), "username": "kim", "role": "viewer", "password": "short"},
    )
    with db.Session() as session:
        diaz = session.scalar(select(User).where(User.username == "diaz"))
    client.post(
        f"/admin/users/{diaz.id}/disable", data={"csrf_token": token(page), "confirmed": "yes"}
    )

    with db.Session() as session:
        assert session.get(User, diaz.id).active is False
        assert session.scalar(select(User).where(User.username == "kim")) is None
    assert "at least 12 characters" in client.get(too_short.headers["Location"]).get_data(
        as_text=True
    )


def test_the_counts_follow_the_district_and_the_search(client, db, clock, api, sender):
    flagged_reply(client, api, sender, clock, "nobody ever came", "+12025550171")  # North
    response = api.post_call(call_id="W-SOUTH", caller_phone="+12025550172", district="South")
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()
    simulate_reply(client.application, "+12025550172", "the car alarm is still going off")
    commander(client, db, clock)

    def open_count(path):
        page = client.get(path).get_data(as_text=True)
        return page.split('data-count="open">', 1)[1].split("<", 1)[0]

    assert open_count("/callbacks") == "2"
    assert open_count("/callbacks?district=South") == "1"
    assert open_count("/callbacks?q=alarm") == "1"
    assert open_count("/callbacks?district=East") == "0"
