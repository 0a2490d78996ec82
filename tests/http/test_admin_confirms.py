"""What an admin and a commander can trust on the admin and callback pages (issue 19): disabling
an account or resetting a password takes a confirm step (nothing changes before it); the rules
page keeps the pasted call-type list after testing it; the alert log names who was alerted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from followup.models import Alert, RosterMember, User
from tests.support.web import flagged_reply, make_user, sign_in, token

HAZARD = "he is back outside my house right now"


def account(db, username: str) -> User:
    with db.Session() as session:
        return session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("action", ["disable", "reset-password"])
def test_disable_and_reset_ask_first_and_change_nothing_until_confirmed(client, db, clock, action):
    make_user(db, clock, "lee", "commander")
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    lee = account(db, "lee")
    page = client.get("/admin/users").get_data(as_text=True)

    asked = client.post(f"/admin/users/{lee.id}/{action}", data={"csrf_token": token(page)})
    question = asked.get_data(as_text=True)

    assert asked.status_code == 200 and "lee?</h1>" in question
    assert 'name="confirmed" value="yes"' in question and "Cancel, change nothing" in question
    after = account(db, "lee")
    assert (after.active, after.password_hash, after.session_version) == (
        lee.active,
        lee.password_hash,
        lee.session_version,
    )
    assert "<code data-shown-once>" not in question

    done = client.post(
        f"/admin/users/{lee.id}/{action}",
        data={"csrf_token": token(question), "confirmed": "yes"},
    )
    after = account(db, "lee")
    if action == "disable":
        assert done.status_code == 303 and after.active is False
    else:
        assert "<code data-shown-once>" in done.get_data(as_text=True)
        assert after.password_hash != lee.password_hash


def test_the_call_type_tester_keeps_the_pasted_list(client, db, clock):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/rules").get_data(as_text=True)
    pasted = "DOMESTIC DISTURBANCE\nTHEFT FROM VEHICLE\nNOISE <loud> & music"

    tested = client.post(
        "/admin/rules/tester", data={"csrf_token": token(page), "labels": pasted}
    ).get_data(as_text=True)

    assert "of 3 would never get a text" in tested
    box = tested[tested.index('name="labels"') :]
    box = box[box.index(">") + 1 : box.index("</textarea>")]
    assert box == "DOMESTIC DISTURBANCE\nTHEFT FROM VEHICLE\nNOISE &lt;loud&gt; &amp; music"


def test_the_alert_log_names_the_commander_alerted_never_their_number(
    client, db, clock, api, sender, agency
):
    with db.begin() as session:
        session.add(
            RosterMember(
                agency_id=agency.id,
                name="Lt. Avery Cole",
                phone="+12025550151",
                on_duty=True,
                created_at=clock.now(),
            )
        )
    callback_id = flagged_reply(client, api, sender, clock, HAZARD, "+12025550178")
    with db.Session() as session:
        assert session.scalars(select(Alert).where(Alert.callback_id == callback_id)).all()
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)

    alerts = page[page.index("<h3>Alerts</h3>") :]
    assert "text to Lt. Avery Cole" in alerts
    assert "+12025550151" not in page and "202-555-0151" not in page


def test_a_diff_link_with_a_bad_version_id_is_a_404_never_a_5xx(client, db, clock):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    for against in ("abc", "99999999999999999999", "-1", ""):
        assert client.get(f"/admin/templates/1/diff?against={against}").status_code == 404
