"""IT staff's settings: template versions, import/export, sending rules, agency isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from followup.agencies import registry
from followup.agencies import settings as agency_settings
from followup.agencies.registry import AgencySettings
from followup.eligibility import contacts
from followup.intake import tokens
from followup.models import Agency, AuditEvent, FollowUp, MessageTemplate, User
from followup.texts import editing, template_files
from tests.support.cli import cli  # noqa: F401  (the fixture)
from tests.support.factories import followup_for
from tests.support.web import make_user, sign_in, token

LONG_ES = "¿Cómo le fue? " * 30


def the_agency(session) -> Agency:
    return session.scalar(select(Agency))


def test_every_save_is_a_new_version_and_one_is_active(db, clock):
    with db.begin() as session:
        agency = the_agency(session)
        v2 = editing.save_version(
            session,
            agency,
            "checkin",
            "es",
            "Hola de {{ agency_name }}",
            user=None,
            now=clock.now(),
            activate=True,
        )
        v3 = editing.save_version(
            session,
            agency,
            "checkin",
            "es",
            "Buenas, {{ agency_name }}",
            user=None,
            now=clock.now(),
        )
        history = editing.versions(session, agency, "checkin", "es")

    assert [t.version for t in history] == [3, 2, 1]
    assert [t.active for t in history] == [False, True, False]
    assert (v2.version, v3.version) == (2, 3)


def test_rolling_back_activates_the_earlier_version_and_the_sender_uses_it(
    db, clock, api, sender, gateway
):
    with db.begin() as session:
        agency = the_agency(session)
        first = editing.versions(session, agency, "checkin", "es")[0]
        editing.save_version(
            session,
            agency,
            "checkin",
            "es",
            "Nuevo texto de {{ agency_name }}",
            user=None,
            now=clock.now(),
            activate=True,
        )
        editing.activate_version(
            session, agency, session.get(MessageTemplate, first.id), user=None, now=clock.now()
        )
    response = api.post_call(language="es")
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    sender.sweep()

    assert gateway.sent[0]["body"].startswith("Le escribe Westlake Police")


@pytest.mark.parametrize(
    "body",
    [
        "Hola {{ zapato }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ 'a' * 100000000 }}",
        "{% for x in range(10**9) %}x{% endfor %}",
        "{{ agency_name|attr('__class__') }}",
        "{{ lipsum.__globals__ }}",
        "{{ agency_name ",
        "",
    ],
)
def test_a_bad_or_hostile_body_is_never_saved(db, clock, body):
    with db.begin() as session:
        agency = the_agency(session)
        with pytest.raises(editing.TemplateRejected, match="line|empty"):
            editing.save_version(
                session, agency, "checkin", "es", body, user=None, now=clock.now()
            )
        assert len(editing.versions(session, agency, "checkin", "es")) == 1


def test_purposes_languages_and_length_are_checked(db, clock):
    with db.begin() as session:
        agency = the_agency(session)
        for purpose, language, body, message in [
            ("greeting", "es", "hola", "purpose"),
            ("checkin", "spanish", "hola", "language"),
            ("checkin", "es", "x" * 1700, "at most 1600"),
        ]:
            with pytest.raises(editing.TemplateRejected, match=message):
                editing.save_version(
                    session, agency, purpose, language, body, user=None, now=clock.now()
                )
        staff = editing.save_version(
            session,
            agency,
            "staff_reply_report_ready",
            "en",
            "Your report is ready.",
            user=None,
            now=clock.now(),
        )
    assert staff.version == 1


def test_the_preview_counts_segments_marks_ucs2_and_warns_past_three(db):
    with db.Session() as session:
        agency = the_agency(session)
        short = editing.preview(
            agency, "Hola {{ agency_name }}, ¿cómo le fue el {{ call_date }}?", "es"
        )
        long = editing.preview(agency, LONG_ES, "es")

    assert short.text == "Hola Westlake Police, ¿cómo le fue el 22 nov?"
    assert (short.segments.encoding, short.segments.segments) == ("UCS-2", 1)
    assert "<mark>ó</mark>" in short.highlighted
    assert long.segments.segments > 3 and "segments" in long.warning


def test_a_test_text_goes_through_the_gateway_and_opt_out_holds(
    client, db, clock, gateway
):
    """Through the template editor, on SQLite too (it answered 'database is locked' there: the
    opt-out guard's own connection waited for the request's transaction)."""
    with db.begin() as session:
        contacts.opt_out(
            session, the_agency(session).id, "+12025550181", source="reply", now=clock.now()
        )
        template_id = editing.versions(session, the_agency(session), "checkin", "en")[0].id
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/templates/edit?purpose=checkin&language=en").get_data(as_text=True)

    sent = client.post(
        f"/admin/templates/{template_id}/test",
        data={"csrf_token": token(page), "phone": "202-555-0180"},
    )
    refused = client.post(
        f"/admin/templates/{template_id}/test",
        data={"csrf_token": token(page), "phone": "202-555-0181"},
    )
    after = client.get("/admin/templates/edit?purpose=checkin&language=en").get_data(as_text=True)

    assert sent.status_code == refused.status_code == 303
    assert [s["to"] for s in gateway.sent] == ["+12025550180"]
    assert "Westlake Police" in gateway.sent[0]["body"]
    assert "Not sent" in after or "opted out" in after


def test_diff_shows_the_changed_line(db, clock):
    with db.begin() as session:
        agency = the_agency(session)
        old = editing.versions(session, agency, "thanks", "en")[0]
        new = editing.save_version(
            session, agency, "thanks", "en", "Thanks a lot.", user=None, now=clock.now()
        )
        lines = editing.diff(old, new)
    assert "+Thanks a lot." in lines and any(line.startswith("-Thank you.") for line in lines)


def test_export_then_import_round_trips_and_a_bad_file_changes_nothing(db, clock):
    with db.begin() as session:
        agency = the_agency(session)
        exported = template_files.export(session, agency, "json")
        entries = template_files.parse(exported)
        unchanged = template_files.apply(session, agency, entries, now=clock.now())
        entries[0]["body"] = "Changed {{ agency_name }}"
        entries[1]["body"] = "Broken {{ agency_name"
        with pytest.raises(template_files.ImportRejected) as rejected:
            template_files.apply(session, agency, entries, now=clock.now())
        count = len(session.scalars(select(MessageTemplate)).all())

    assert unchanged.changed == [] and unchanged.unchanged == len(entries)
    assert len(rejected.value.problems) == 1 and "entry 2" in rejected.value.problems[0]
    assert count == len(entries)  # nothing was saved, not even entry 1


def test_templates_import_from_the_command_line_reports_every_problem(cli, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "templates:\n- {purpose: checkin, language: es, body: 'Hola {{ x }}'}\n"
        "- {purpose: nope, language: es, body: ok}\n",
        encoding="utf-8",
    )

    result = cli("templates", "import", str(bad), ok=False)

    assert result.exit_code == 1
    assert "entry 1 (checkin/es): line 1, column 9" in result.output
    assert "entry 2 (nope/es): unknown purpose" in result.output
    assert "nothing was changed" in result.output


def rules_form(agency, **changes) -> dict:
    return agency_settings.form_values(agency) | changes


def test_rules_are_all_or_nothing_and_each_bad_field_is_named(db, clock):
    with db.begin() as session:
        agency = the_agency(session)
        form = rules_form(
            agency,
            timezone="Mars/Base",
            quiet_hours="25:00-09:00",
            send_delay="soon",
            languages="en, fr",
            frequency_cap_days="-1",
            sensitive_patterns="re:([",
            alert_url="http://x",
            sla_urgent="1m",
            call_type_delays="BURGLARY 4h",
        )
        _, errors = agency_settings.parse(form, agency=agency, languages_with_texts={"en", "es"})
    assert set(errors) == {
        "timezone",
        "quiet_hours",
        "send_delay",
        "languages",
        "frequency_cap_days",
        "sensitive_patterns",
        "alert_url",
        "sla_urgent",
        "call_type_delays",
    }


def test_changing_quiet_hours_moves_the_scheduled_checkin(db, clock, api):
    make_user(db, clock, "adm", "admin")
    response = api.post_call(closed_at="2026-11-23T09:30:00-05:00")  # due 11:30 EST
    assert response.json["followup"]["send_at"] == "2026-11-23T16:30:00Z"
    with db.begin() as session:
        agency = the_agency(session)
        admin = session.scalar(select(User))
        changed = agency_settings.update(
            session,
            agency,
            rules_form(agency, quiet_hours="11:00-14:00"),
            actor=admin,
            now=clock.now(),
        )
        audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "rules_changed"))

    assert changed == ["quiet_hours"] and audit.detail == {"fields": "quiet_hours"}
    assert followup_for(db, response.json["call_id"]).send_at == datetime(
        2026, 11, 23, 19, 0, tzinfo=UTC
    )


def test_a_call_type_delay_applies_at_intake(db, api):
    with db.begin() as session:
        the_agency(session).call_type_delays = [{"pattern": "burglary", "delay_seconds": 86400}]

    burglary = api.post_call(
        call_type="BURGLARY - RESIDENTIAL", closed_at="2026-11-23T09:30:00-05:00"
    )
    theft = api.post_call(
        call_type="THEFT", closed_at="2026-11-23T09:30:00-05:00", caller_phone="202-555-0190"
    )

    assert burglary.json["followup"]["send_at"] == "2026-11-24T14:30:00Z"
    assert theft.json["followup"]["send_at"] == "2026-11-23T16:30:00Z"


def test_a_language_the_agency_does_not_support_falls_back(db, api):
    with db.begin() as session:
        the_agency(session).languages = ["en"]

    api.post_call(call_id="L-1", language="es")

    assert followup_for(db, "L-1").language == "en"


def test_commanders_and_viewers_cannot_reach_admin_pages(client, db, clock):
    for username, role in (("cmd", "commander"), ("vw", "viewer")):
        make_user(db, clock, username, role)
        sign_in(client, username)
        for path in (
            "/admin/templates",
            "/admin/rules",
            "/admin/agencies",
            "/admin/templates/edit?purpose=checkin&language=en",
        ):
            assert client.get(path).status_code == 403, (username, path)
        page = client.get("/callbacks").get_data(as_text=True)
        assert "/admin/templates" not in page
        client.post("/logout", data={"csrf_token": token(page)})


def test_an_admin_never_sees_another_agencys_texts_tokens_or_callbacks(client, db, clock, api):
    with db.begin() as session:
        other = registry.create_agency(
            session, "eastside", AgencySettings(name="Eastside PD"), now=clock.now()
        )
        other_template = session.scalar(
            select(MessageTemplate).where(MessageTemplate.agency_id == other.id)
        )
        other_token, _ = tokens.create_token(session, other, "cad", now=clock.now())
        other_ids = (other_template.id, other_token.id)
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/templates").get_data(as_text=True)

    assert (
        client.get(f"/admin/templates/{other_ids[0]}/diff?against={other_ids[0]}").status_code
        == 404
    )
    assert (
        client.post(
            f"/admin/tokens/{other_ids[1]}/revoke", data={"csrf_token": token(page)}
        ).status_code
        == 404
    )
    assert "Eastside" not in client.get("/admin/agencies").get_data(as_text=True)


def test_scheduled_followups_only_move_on_timing_changes(db, clock, api):
    make_user(db, clock, "adm", "admin")
    response = api.post_call(closed_at="2026-11-23T09:30:00-05:00")
    with db.begin() as session:
        agency = the_agency(session)
        agency_settings.update(
            session,
            agency,
            rules_form(agency, frequency_cap_days="10"),
            actor=session.scalar(select(User)),
            now=clock.now(),
        )
        followup = session.scalar(select(FollowUp))
    assert followup.send_at.isoformat() == response.json["followup"]["send_at"].replace(
        "Z", "+00:00"
    )
