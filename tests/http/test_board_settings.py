"""The publishing settings on the rules page: the public board and peer benchmarking are off
until an admin switches them on, each change is audited, and only https origins (or this
machine) may frame the board."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from followup.agencies import settings as agency_settings
from followup.models import Agency, AuditEvent
from tests.support.web import make_user, sign_in, token


def rules_form(db, page: str, **boxes) -> MultiDict:
    """The rules form as a browser posts it: every field, a ticked box before its hidden
    "off" twin, an unticked one as the hidden twin alone."""
    with db.Session() as session:
        values = agency_settings.form_values(session.scalar(select(Agency)))
    form = MultiDict({"csrf_token": token(page)})
    for name, value in values.items():
        if name in ("public_board", "peer_benchmark", "advanced_opt_out"):
            continue
        form[name] = value
    for name in ("public_board", "peer_benchmark"):
        if boxes.get(name):
            form.add(name, "on")
        form.add(name, "")
    form["board_embed_origins"] = boxes.get("origins", "")
    return form


def agency_now(db) -> Agency:
    with db.Session() as session:
        return session.scalar(select(Agency))


def test_an_admin_switches_the_board_and_peers_on_and_off_and_each_change_is_audited(
    client, db, clock
):
    assert not agency_now(db).public_board and not agency_now(db).peer_benchmark
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/rules").get_data(as_text=True)
    assert 'name="public_board"' in page and "/public/default" in page

    on = client.post("/admin/rules", data=rules_form(
        db, page, public_board=True, peer_benchmark=True,
        origins="https://www.westlake.gov/\nhttp://localhost:8080",
    ))
    assert on.status_code == 303
    agency = agency_now(db)
    assert agency.public_board and agency.peer_benchmark
    assert agency.board_embed_origins == ["https://www.westlake.gov", "http://localhost:8080"]
    assert client.get("/public/default").status_code == 200

    off = client.post("/admin/rules", data=rules_form(db, page))
    assert off.status_code == 303
    agency = agency_now(db)
    assert not agency.public_board and not agency.peer_benchmark
    assert agency.board_embed_origins == []
    assert client.get("/public/default").status_code == 404

    with db.Session() as session:
        changes = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "rules_changed")
            .order_by(AuditEvent.id)
        ).all()
    assert changes == [
        {"fields": "board_embed_origins,peer_benchmark,public_board"},
        {"fields": "board_embed_origins,peer_benchmark,public_board"},
    ]


def test_saving_the_rules_page_unchanged_changes_nothing(client, db, clock):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/rules").get_data(as_text=True)
    client.post("/admin/rules", data=rules_form(db, page))
    with db.Session() as session:
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "rules_changed")) is None


def test_an_origin_that_is_not_a_sites_https_origin_is_refused(client, db, clock):
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/rules").get_data(as_text=True)
    for origin in ("http://www.westlake.gov", "https://www.westlake.gov/board", "*", "'self'"):
        answer = client.post("/admin/rules", data=rules_form(db, page, origins=origin))
        assert answer.status_code == 400, origin
        assert "https origin" in answer.get_data(as_text=True)
    assert agency_now(db).board_embed_origins == []


def test_every_box_on_the_rules_page_can_be_unticked(client, db, clock):
    """A browser sends nothing for an unticked box: each box has a hidden "off" twin after it,
    and an admin who unticks Advanced Opt-Out turns it off."""
    with db.begin() as session:
        session.scalar(select(Agency)).advanced_opt_out = True
    make_user(db, clock, "adm", "admin")
    sign_in(client, "adm")
    page = client.get("/admin/rules").get_data(as_text=True)
    boxes = re.findall(r'type="checkbox" name="(\w+)"', page)
    assert "advanced_opt_out" in boxes
    for name in boxes:
        assert f'<input type="hidden" name="{name}" value="">' in page, name

    form = rules_form(db, page)
    form.add("advanced_opt_out", "")  # the hidden twin alone: the box was unticked
    assert client.post("/admin/rules", data=form).status_code == 303

    assert not agency_now(db).advanced_opt_out
