"""One styled error page for people, whatever the status (issue 19): the app's own page with
the phone viewport and a way back, never a framework's default; the API keeps problem JSON."""

from __future__ import annotations

import pytest

from followup import create_app
from tests.support.web import make_user, sign_in

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def styled(response) -> str:
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html", response.mimetype
    assert VIEWPORT in page and "/static/app.css" in page, page[:300]
    assert "Werkzeug" not in page and "The requested URL" not in page
    return page


@pytest.mark.parametrize(
    ("method", "path", "status", "says"),
    [
        ("GET", "/no/such/page", 404, "Not found"),
        ("GET", "/callbacks/999999", 404, "no such record in your agency"),
        ("GET", "/callbacks/99999999999", 404, "Not found"),
        ("GET", "/admin/users", 403, "Your role cannot open this page."),
        ("DELETE", "/callbacks", 405, "does not take that kind of request"),
        ("PUT", "/login", 405, "Not allowed here"),
    ],
)
def test_a_person_gets_the_styled_error_page_for_every_status(
    client, db, clock, method, path, status, says
):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")

    response = client.open(path, method=method)

    assert response.status_code == status
    page = styled(response)
    assert says in page and f"Error {status}" in page
    assert "Back to the callbacks" in page
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_the_styled_500_page_and_changes_nothing(services):
    app = create_app({"SERVICES": services})

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", "broken", broken)

    response = app.test_client().get("/broken")

    assert response.status_code == 500
    page = styled(response)
    assert "Something went wrong" in page and "nothing was changed" in page
    assert "a bug" not in page


def test_a_signed_out_person_gets_the_page_with_a_way_to_sign_in(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert "Sign in" in styled(response)


def test_the_api_and_twilio_keep_their_own_answers(client):
    api = client.get("/api/v1/no-such-thing")
    twilio = client.get("/webhooks/twilio/sms")

    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert twilio.status_code == 405 and "/static/app.css" not in twilio.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/public/no-such-agency",
        "/public/default",  # the tests' agency, which does not publish a board
        "/public/no-such-agency/embed",
        "/public/no-such-agency/figures.json",
        "/public/no-such-agency/and/more",
        "/public",
    ],
)
def test_a_missing_public_page_uses_the_public_layout_even_for_signed_in_staff(
    client, db, clock, services, path
):
    make_user(db, clock, "lee", "commander")
    sign_in(client, "lee")  # staff reading the board still see the public frame

    response = client.get(path)

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert VIEWPORT in page and "/static/public.css" in page
    assert "<title>Page not found</title>" in page and "Error 404" in page
    assert "There is no public page at this address." in page
    # Nothing of the staff pages: no app stylesheet or script, no navigation, no sign-in.
    for staff in ("/static/app.css", "/static/app.js", "<nav", "/login", "/callbacks", "Sign"):
        assert staff not in page, staff
    assert response.headers["Cache-Control"] == "no-store"


def test_the_public_not_found_page_speaks_spanish_when_asked(client):
    response = client.get("/public/no-such-agency?lang=es")

    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="es">' in page and "<title>Página no encontrada</title>" in page
    assert "No hay ninguna página pública en esta dirección." in page
