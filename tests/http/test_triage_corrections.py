"""Commanders correct triage on the callback page: one step, kept with who and when, audited;
a confirmed opt-out stops texts; "not an opt-out" never starts them again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from followup.models import AuditEvent, Callback, Contact, Message, TriageCorrection
from tests.support.factories import followup_for
from tests.support.web import flagged_reply, make_user, sign_in, simulate_reply, token

CALLER = "+12025550161"


def commander(client, db, clock, name="lee", role="commander", **changes):
    make_user(db, clock, name, role, **changes)
    sign_in(client, name)


def deciding_reply(db, callback_id) -> int:
    with db.Session() as session:
        return session.get(Callback, callback_id).message_id


def correct(client, callback_id, message_id, **form):
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    data = {"csrf_token": token(page), **form}
    return client.post(f"/callbacks/{callback_id}/replies/{message_id}/correct", data=data)


def shown(client, response) -> str:
    assert response.status_code == 303, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def corrections(db) -> list[TriageCorrection]:
    with db.Session() as session:
        return list(session.scalars(select(TriageCorrection).order_by(TriageCorrection.id)))


def audits(db, action) -> list[AuditEvent]:
    with db.Session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def opted_out(db, phone=CALLER) -> bool:
    with db.Session() as session:
        contact = session.scalar(select(Contact).where(Contact.phone == phone))
        return contact is not None and contact.opted_out_at is not None


def suggest_opt_out(db, message_id) -> None:
    """Triage's suggestion (the statistical model's; the service did not act on it)."""
    with db.begin() as session:
        message = session.get(Message, message_id)
        message.triage = {**message.triage, "suggested_opt_out": True}


def test_a_commander_corrects_the_category_in_one_step_kept_with_who_and_when(
    client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock, display_name="Lee Park")
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert "Not unresolved" in page and "This was danger" in page
    assert "Confirm: stop texting this caller" not in page  # triage suggested nothing

    told = shown(client, correct(client, callback_id, reply, action="category", category="neutral"))

    [row] = corrections(db)
    assert (row.engine_category, row.engine_urgent, row.engine_opt_out, row.engine_callback) == (
        "unresolved",
        False,
        False,
        True,
    )
    assert (row.category, row.urgent, row.opt_out, row.stopped_texts) == (
        "neutral",
        False,
        False,
        False,
    )
    assert row.created_at == clock.now() and row.message_id == reply
    assert "Correction recorded." in told
    assert "Commanders read it as: <strong>neutral</strong>" in told
    assert "Lee Park · triage: unresolved → neutral" in told
    [event] = audits(db, "triage_corrected")
    assert (event.username, event.object_type, event.object_id) == ("lee", "message", reply)
    assert event.detail["triage"] == "unresolved" and event.detail["commander"] == "neutral"
    assert "nobody" not in str(event.detail) and "555" not in str(event.detail)
    assert event.ip is not None


def test_this_was_danger_and_the_latest_correction_counts(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)

    correct(client, callback_id, reply, action="danger", note="he was outside")
    clock.advance(minutes=5)
    page = shown(client, correct(client, callback_id, reply, action="confirm"))

    first, second = corrections(db)
    assert (first.category, first.urgent, first.note) == ("crisis", True, "he was outside")
    assert (second.category, second.urgent, second.note) == ("unresolved", False, None)
    assert "Commanders read it as: <strong>unresolved</strong> (triage was right)" in page
    assert "he was outside" in page  # the history keeps every correction
    assert "Triage is right</button>" not in page  # nothing left to confirm


def test_not_danger_asks_what_it_was(client, db, clock, api, sender):
    callback_id = flagged_reply(
        client, api, sender, clock, "he is back outside my house right now", CALLER
    )
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)
    assert "Not danger</button>" in client.get(f"/callbacks/{callback_id}").get_data(as_text=True)

    refused = shown(client, correct(client, callback_id, reply, action="category"))
    assert "Choose what the reply was instead." in refused and corrections(db) == []

    correct(client, callback_id, reply, action="category", category="unresolved")
    [row] = corrections(db)
    assert (row.engine_category, row.engine_urgent) == ("crisis", True)
    assert (row.category, row.urgent) == ("unresolved", False)
    with db.Session() as session:
        assert session.get(Callback, callback_id).priority == "urgent"  # what the service did


def test_confirming_a_suggested_opt_out_stops_texts_like_a_stop(client, db, clock, api, sender):
    callback_id = flagged_reply(
        client, api, sender, clock, "nobody ever came, I am done with all of this", CALLER
    )
    reply = deciding_reply(db, callback_id)
    suggest_opt_out(db, reply)
    commander(client, db, clock)
    assert "Confirm: stop texting this caller" in client.get(f"/callbacks/{callback_id}").get_data(
        as_text=True
    )

    told = shown(client, correct(client, callback_id, reply, action="confirm_opt_out"))

    [row] = corrections(db)
    assert (row.category, row.opt_out, row.stopped_texts) == ("unresolved", True, True)
    assert opted_out(db)
    assert "Texts to this caller have stopped" in told
    assert "Confirm: stop texting this caller" not in told
    [event] = audits(db, "opt_out_by_commander")
    assert (event.username, event.object_id) == ("lee", reply)
    with db.Session() as session:
        source = session.scalar(select(Contact.opt_out_source).where(Contact.phone == CALLER))
    assert source == "commander"
    # The next call from this number gets no text, and neither does the callback's own form.
    api.post_call(call_id="W-NEXT", caller_phone=CALLER)
    assert followup_for(db, "W-NEXT").reason == "opted_out"
    refused = client.post(
        f"/callbacks/{callback_id}/text",
        data={
            "csrf_token": token(told),
            "purpose": "staff_reply_tried_to_call",
            "confirmed": "yes",
        },
    )
    assert "opted out" in shown(client, refused)


def test_not_an_opt_out_is_recorded_but_the_caller_stays_opted_out(client, db, clock, api, sender):
    callback_id = flagged_reply(
        client, api, sender, clock, "nobody ever came. stop texting me", CALLER
    )
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert opted_out(db)  # triage acted on it
    assert "only the caller can, by texting START" in page

    told = shown(client, correct(client, callback_id, reply, action="not_opt_out"))

    [row] = corrections(db)
    assert (row.engine_opt_out, row.opt_out, row.category) == (True, False, "unresolved")
    assert opted_out(db)
    assert "The caller stays opted out" in told


def test_a_stop_in_the_thread_is_corrected_by_choosing_what_it_was(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    simulate_reply(client.application, CALLER, "STOP")
    commander(client, db, clock)
    with db.Session() as session:
        stop = session.scalar(select(Message.id).where(Message.body == "STOP"))
    assert "Not an opt-out</button>" in client.get(f"/callbacks/{callback_id}").get_data(
        as_text=True
    )

    correct(client, callback_id, stop, action="category", category="negative")

    [row] = corrections(db)
    assert (row.message_id, row.engine_category, row.category, row.opt_out) == (
        stop,
        "opt_out",
        "negative",
        False,
    )
    assert opted_out(db)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"action": "nonsense"}, "Choose one of the corrections offered."),
        ({}, "Choose one of the corrections offered."),
        ({"action": "category", "category": "x" * 5000}, "Choose what the reply was instead."),
        ({"action": "category", "category": "unresolved"}, "already recorded as unresolved"),
        ({"action": "not_opt_out"}, "not recorded as an opt-out"),
        ({"action": "confirm_opt_out"}, "Triage did not suggest an opt-out"),
        ({"action": "danger", "note": "n" * 201}, "A note is at most 200 characters."),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_changes_nothing(
    client, db, clock, api, sender, form, reason
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)

    told = shown(client, correct(client, callback_id, reply, **form))

    assert reason in told
    assert corrections(db) == [] and audits(db, "triage_corrected") == []
    assert not opted_out(db)


def test_a_viewer_cannot_correct_and_another_reply_or_agency_is_not_found(
    app, client, db, clock, api, sender
):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    other = flagged_reply(client, api, sender, clock, "the officer was rude", "+12025550162")
    reply, other_reply = deciding_reply(db, callback_id), deciding_reply(db, other)
    commander(client, db, clock, "vw", "viewer")
    page = client.get(f"/callbacks/{callback_id}").get_data(as_text=True)
    assert "This was danger" not in page  # no correction buttons for a viewer

    refused = correct(client, callback_id, reply, action="danger")
    worker = app.test_client()
    commander(worker, db, clock)
    elsewhere = correct(worker, callback_id, other_reply, action="danger")
    missing = correct(worker, callback_id, 999_999, action="danger")

    assert (refused.status_code, elsewhere.status_code, missing.status_code) == (403, 404, 404)
    assert corrections(db) == []


def test_a_post_without_the_form_token_is_refused(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)

    response = client.post(
        f"/callbacks/{callback_id}/replies/{reply}/correct", data={"action": "danger"}
    )

    assert response.status_code == 400
    with db.Session() as session:
        assert session.scalar(select(func.count()).select_from(TriageCorrection)) == 0


def test_the_reports_page_and_its_csv_count_the_correction(client, db, clock, api, sender):
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came", CALLER)
    reply = deciding_reply(db, callback_id)
    commander(client, db, clock)
    correct(client, callback_id, reply, action="category", category="neutral")

    page = client.get("/reports").get_data(as_text=True)
    figures = client.get("/reports/figures.csv").get_data(as_text=True)

    row = page.split('<tr data-triage="unresolved">', 1)[1].split("</tr>", 1)[0]
    assert '<td data-triage-figure="replies">1</td>' in row
    assert '<td data-triage-figure="corrected">1</td>' in row
    assert '<td data-triage-figure="precision">0.0%</td>' in row
    assert '<tr data-triage="neutral">' in page
    assert "triage_corrected_away,unresolved,1" in figures
    assert "triage_corrected_into,neutral,1" in figures
    assert "triage_precision_as_commanders_see_it,unresolved,0.0" in figures
