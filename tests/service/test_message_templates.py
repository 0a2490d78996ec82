"""The texts callers receive: short, clear, in their language, and never half-rendered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from followup.models import Agency, Call, MessageTemplate, Purpose
from followup.sending.segments import count_segments
from followup.texts.message_templates import (
    PLACEHOLDERS,
    TemplateRenderError,
    call_context,
    default_bodies,
    find_template,
    render_body,
)


def sample_call(**overrides) -> Call:
    values = dict(
        external_id="24-118842",
        call_type="THEFT - CAR PROWL",
        closed_at=datetime(2026, 11, 23, 4, 30, tzinfo=UTC),  # 23:30 on the 22nd in New York
        caller_name="ALEX RIVERA",
    )
    values.update(overrides)
    return Call(**values)


def sample_agency(name="Westlake Police") -> Agency:
    return Agency(name=name, timezone="America/New_York", phone="202-555-0100")


@pytest.mark.parametrize(
    "name", ["Westlake Police", "Metropolitan Nashville Police Department (TN)"]
)
def test_the_english_checkin_fits_two_gsm7_segments_even_with_a_long_agency_name(name):
    body = render_body(
        default_bodies()[(Purpose.CHECKIN, "en")],
        call_context(sample_agency(name), sample_call(), "en"),
    )
    info = count_segments(body)

    assert info.encoding == "GSM-7"
    assert info.segments <= 2


def test_the_english_checkin_names_the_agency_and_date_and_how_to_opt_out():
    body = render_body(
        default_bodies()[(Purpose.CHECKIN, "en")],
        call_context(sample_agency(), sample_call(), "en"),
    )

    assert body.startswith("This is Westlake Police following up on your call on Nov 22.")
    assert "1 (poor) to 5 (great)" in body
    assert "unresolved" in body
    assert "911" in body
    assert body.endswith("Reply STOP to opt out.")


def test_the_call_date_is_the_agencys_local_date_in_the_texts_language():
    agency, call = sample_agency(), sample_call()

    assert call_context(agency, call, "en")["call_date"] == "Nov 22"
    assert call_context(agency, call, "es")["call_date"] == "22 nov"


def test_the_spanish_checkin_keeps_stop_and_the_emergency_line():
    body = render_body(
        default_bodies()[(Purpose.CHECKIN, "es")],
        call_context(sample_agency(), sample_call(), "es"),
    )

    assert body.startswith("Le escribe Westlake Police sobre su llamada del 22 nov.")
    assert "STOP" in body
    assert "911" in body


def test_a_caller_name_in_capitals_is_greeted_politely():
    context = call_context(sample_agency(), sample_call(caller_name="ALEX RIVERA"), "en")

    assert context["caller_first_name"] == "Alex"


def test_an_unknown_placeholder_is_refused_with_its_line():
    with pytest.raises(
        TemplateRenderError, match="line 2, column 4: unknown placeholder 'caller_shoe_size'"
    ):
        render_body("Hello\n{{ caller_shoe_size }}", {"agency_name": "X"})


def test_a_syntax_error_is_refused_with_its_line():
    with pytest.raises(TemplateRenderError, match="line 3"):
        render_body("Hello\n\n{{ agency_name ", {"agency_name": "X"})


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ agency_name.__class__.__init__.__globals__ }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_template_injection_payloads_fail_in_the_sandbox(payload):
    with pytest.raises(TemplateRenderError):
        render_body(payload, {"agency_name": "Westlake Police"})


def test_every_default_text_uses_only_documented_placeholders():
    context = {name: "x" for name in PLACEHOLDERS}

    for body in default_bodies().values():
        assert render_body(body, context)


def test_the_callers_language_beats_an_override_in_another_language(db, agency, clock):
    with db.begin() as session:
        session.add(
            MessageTemplate(
                agency_id=agency.id,
                purpose=Purpose.CHECKIN,
                language="en",
                call_type="THEFT",
                version=1,
                body="override",
                active=True,
                created_at=clock.now(),
            )
        )
    with db.Session() as session:
        owner = session.get(Agency, agency.id)
        spanish = find_template(session, owner, Purpose.CHECKIN, "es", "THEFT")
        english = find_template(session, owner, Purpose.CHECKIN, "en", "theft")
        other_type = find_template(session, owner, Purpose.CHECKIN, "en", "BURGLARY")
        unknown_language = find_template(session, owner, Purpose.CHECKIN, "vi", "BURGLARY")

    assert spanish.language == "es" and spanish.call_type == ""
    assert english.body == "override"
    assert other_type.call_type == ""
    assert unknown_language.language == "en"


def test_each_new_agency_gets_the_default_texts_in_english_and_spanish(db, agency):
    with db.Session() as session:
        languages = set(
            session.scalars(
                select(MessageTemplate.language).where(
                    MessageTemplate.agency_id == agency.id,
                    MessageTemplate.purpose == Purpose.CHECKIN,
                )
            )
        )

    assert languages == {"en", "es"}
