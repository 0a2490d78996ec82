"""Approved texts a commander sends from a callback's page (issue 19): each shown whole, as the
caller will read it (no cut at 120 characters), and sent only after a confirm step that shows
it again; a made-up choice or a viewer sends nothing."""

from __future__ import annotations

from followup.texts import editing
from tests.support.web import flagged_reply, make_user, sign_in, token

CALLER = "+12025550176"
LONG = (
    "This is {{ agency_name }}. A supervisor read your message and wants to make sure your "
    "concern is handled properly. Please reply with a good time to call you back today, "
    "and we will call from our main line. For emergencies call 911."
)


def approve_long_text(db, agency, clock) -> str:
    with db.Session() as session:
        editing.save_version(
            session,
            session.merge(agency),
            "staff_reply_long_note",
            "en",
            LONG,
            user=None,
            now=clock.now(),
            activate=True,
        )
        session.commit()
    return LONG.replace("{{ agency_name }}", "Westlake Police")


def post_text(client, callback_id: int, **data):
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    return client.post(f"/callbacks/{callback_id}/text", data={"csrf_token": token(page), **data})


def to_caller(gateway) -> list[str]:
    return [sent["body"] for sent in gateway.sent if sent["to"] == CALLER]


def test_the_whole_text_is_shown_and_sent_only_after_the_confirm_step(
    client, db, clock, api, sender, gateway, agency
):
    whole = approve_long_text(db, agency, clock)
    assert len(whole) > 200
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert whole in page  # whole, not cut at 120 characters
    before = len(to_caller(gateway))

    asked = post_text(client, callback_id, purpose="staff_reply_long_note")
    confirm = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Send this text?" in confirm
    assert whole in confirm and 'name="confirmed" value="yes"' in confirm
    assert CALLER not in confirm  # the number stays masked
    assert len(to_caller(gateway)) == before  # nothing sent yet

    sent = client.post(
        f"/callbacks/{callback_id}/text",
        data={"csrf_token": token(confirm), "purpose": "staff_reply_long_note", "confirmed": "yes"},
    )
    assert sent.status_code == 303
    assert to_caller(gateway)[before:] == [whole]


def test_a_made_up_text_or_a_viewer_sends_nothing(client, db, clock, api, sender, gateway, agency):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    make_user(db, clock, "lee", "commander")
    make_user(db, clock, "vw", "viewer")
    before = len(to_caller(gateway))

    sign_in(client, "lee")
    made_up = post_text(client, callback_id, purpose="staff_reply_nonexistent")
    assert made_up.status_code == 303
    told = client.get(made_up.headers["Location"]).get_data(as_text=True)
    assert "Choose one of the approved texts." in told

    sign_in(client, "vw")
    viewer = post_text(client, callback_id, purpose="staff_reply_tried_to_call")
    assert viewer.status_code == 303
    assert "Viewers can read" in client.get(viewer.headers["Location"]).get_data(as_text=True)
    assert len(to_caller(gateway)) == before
