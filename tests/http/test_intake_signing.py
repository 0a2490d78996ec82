"""Signed intake requests: a CAD system signs each body instead of sending a bearer token.

The signature is computed here from the documented format (HMAC-SHA256 of "<t>.<raw body>"
with the key's signing secret, hex), not with the service's own helper, so these tests pin the
format an integrator implements.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from followup.callbacks import alerts
from followup.cli import main
from followup.intake import tokens
from followup.models import ApiToken, AuditEvent, Call, FollowUp
from tests.conftest import TEST_TOKEN
from tests.support.factories import call_event


def count(db, model) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count()).select_from(model))


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post_signed(client, key_id: str, body: bytes, header: str | None):
    headers = {"Content-Type": "application/json", tokens.KEY_HEADER: key_id}
    if header is not None:
        headers[tokens.SIGNATURE_HEADER] = header
    return client.post("/api/v1/calls", data=body, headers=headers)


@pytest.fixture
def signing_key(services, agency) -> tuple[str, str]:
    """A signing key of the default agency: (key id, signing secret)."""
    with services.db.begin() as session:
        _, key_id, secret = tokens.create_signing_key(
            session,
            agency,
            "cad",
            now=services.clock.now(),
            server_secret=services.settings.secret_key,
        )
    return key_id, secret


@pytest.fixture
def now_unix(clock) -> int:
    return int(clock.now().timestamp())


def body_of(**overrides) -> bytes:
    return json.dumps(call_event(**overrides)).encode()


def assert_refused(response, db, says: str) -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert says in response.json["detail"]
    assert count(db, Call) == 0
    assert count(db, FollowUp) == 0
    assert count(db, AuditEvent) == 0


def test_a_correctly_signed_event_is_accepted_and_scheduled(client, db, signing_key, now_unix):
    key_id, secret = signing_key
    body = body_of(call_id="S-1")

    response = post_signed(client, key_id, body, signature(secret, now_unix, body))

    assert response.status_code == 202
    assert response.json["call_id"] == "S-1"
    assert response.json["followup"]["status"] == "scheduled"
    assert count(db, Call) == 1
    with db.Session() as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None


@pytest.mark.parametrize("age", [-300, -299, 0, 299, 300])
def test_a_signature_up_to_five_minutes_either_way_is_accepted(
    client, db, signing_key, now_unix, age
):
    key_id, secret = signing_key
    body = body_of()

    response = post_signed(client, key_id, body, signature(secret, now_unix - age, body))

    assert response.status_code == 202


def test_a_signature_made_with_another_secret_is_refused(client, db, signing_key, now_unix):
    key_id, _ = signing_key
    body = body_of()

    response = post_signed(client, key_id, body, signature("not-the-secret", now_unix, body))

    assert_refused(response, db, "does not match the body")


def test_a_signature_older_than_five_minutes_is_refused(client, db, signing_key, now_unix):
    key_id, secret = signing_key
    body = body_of()

    response = post_signed(client, key_id, body, signature(secret, now_unix - 301, body))

    assert_refused(response, db, "301 seconds from the server's clock")


def test_a_signature_more_than_five_minutes_ahead_is_refused(client, db, signing_key, now_unix):
    key_id, secret = signing_key
    body = body_of()

    response = post_signed(client, key_id, body, signature(secret, now_unix + 301, body))

    assert_refused(response, db, "301 seconds from the server's clock")


def test_a_replayed_signature_on_a_body_with_one_byte_changed_is_refused(
    client, db, signing_key, now_unix
):
    key_id, secret = signing_key
    body = body_of(call_id="S-2", district="North")
    header = signature(secret, now_unix, body)
    assert post_signed(client, key_id, body, header).status_code == 202
    tampered = body.replace(b'"North"', b'"Nortx"')
    assert tampered != body and len(tampered) == len(body)

    response = post_signed(client, key_id, tampered, header)

    assert response.status_code == 401
    assert "does not match the body" in response.json["detail"]
    with db.Session() as session:
        assert session.scalar(select(Call.district)) == "North"  # the first one, unchanged


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=1795446000",
        "v1=" + "a" * 64,
        "t=1795446000;v1=" + "a" * 64,
        "t=soon,v1=" + "a" * 64,
        "t=-1795446000,v1=" + "a" * 64,
        "t=1795446000,v1=" + "a" * 63,
        "t=1795446000,v1=" + "g" * 64,
        "t=1795446000,t=1795446000,v1=" + "a" * 64,
        "sha256=" + "a" * 64,
        "t=1795446000,v1=" + "a" * 64 + ",v0=x",
    ],
)
def test_a_malformed_signature_header_is_refused(client, db, signing_key, header):
    key_id, _ = signing_key

    response = post_signed(client, key_id, body_of(), header)

    assert_refused(response, db, "must look like t=<unix seconds>,v1=<64 hex digits>")


def test_a_key_id_without_a_signature_is_refused(client, db, signing_key):
    key_id, _ = signing_key

    response = post_signed(client, key_id, body_of(), None)

    assert_refused(response, db, "must look like")


def test_an_unknown_key_id_is_refused(client, db, signing_key, now_unix):
    _, secret = signing_key
    body = body_of()

    response = post_signed(client, "fus_not-a-key", body, signature(secret, now_unix, body))

    assert_refused(response, db, "not an active signing key")


def test_a_revoked_signing_key_is_refused(client, db, services, signing_key, now_unix):
    key_id, secret = signing_key
    with db.begin() as session:
        tokens.revoke_token(session, session.scalar(select(ApiToken.id)), now=services.clock.now())
    body = body_of()

    response = post_signed(client, key_id, body, signature(secret, now_unix, body))

    assert_refused(response, db, "not an active signing key")


def test_a_secret_derived_under_another_server_key_is_refused(client, db, signing_key, now_unix):
    """A copy of the database alone cannot sign: the secret needs FOLLOWUP_SECRET_KEY too."""
    key_id, _ = signing_key
    forged = tokens.signing_secret("some-other-server-secret", key_id)
    body = body_of()

    response = post_signed(client, key_id, body, signature(forged, now_unix, body))

    assert_refused(response, db, "does not match the body")


def test_a_signing_key_id_is_not_a_bearer_token(api, db, signing_key):
    key_id, _ = signing_key

    response = api.post_call(token=key_id)

    assert response.status_code == 401
    assert count(db, Call) == 0


def test_a_bearer_token_is_not_a_signing_key_id(client, db, now_unix):
    body = body_of()
    secret = tokens.signing_secret("test-secret", TEST_TOKEN)

    response = post_signed(client, TEST_TOKEN, body, signature(secret, now_unix, body))

    assert_refused(response, db, "must be a signing key id")


def test_a_signed_get_of_a_call_works_with_an_empty_body(client, api, signing_key, now_unix):
    key_id, secret = signing_key
    api.post_call(call_id="S-3")

    response = client.get(
        "/api/v1/calls/S-3",
        headers={
            tokens.KEY_HEADER: key_id,
            tokens.SIGNATURE_HEADER: signature(secret, now_unix, b""),
        },
    )

    assert response.status_code == 200
    assert response.json["call_id"] == "S-3"


def test_the_signature_is_the_same_hmac_as_the_outbound_alerts(signing_key, now_unix):
    _, secret = signing_key
    body = body_of()

    header = tokens.signature_header(secret, now_unix, body)

    assert header == signature(secret, now_unix, body)
    assert header.endswith(alerts.sign(secret, str(now_unix), body).removeprefix("sha256="))


def test_cli_creates_a_signing_key_that_signs_requests(client, db, settings, monkeypatch, now_unix):
    for key in list(os.environ):
        if key.startswith(("FOLLOWUP_", "TWILIO_")):
            monkeypatch.delenv(key)
    env = {
        "FOLLOWUP_DATABASE_URL": settings.database_url,
        "FOLLOWUP_INSTANCE_PATH": str(settings.instance_path),
        "FOLLOWUP_SECRET_KEY": settings.secret_key,
    }

    result = CliRunner().invoke(main, ["token", "create-signing", "--name", "cad"], env=env)

    assert result.exit_code == 0, (result.output, result.exception)
    key_id = re.search(r"^key id:\s+(fus_\S+)$", result.stdout, re.MULTILINE).group(1)
    secret = re.search(r"^secret:\s+([0-9a-f]{64})$", result.stdout, re.MULTILINE).group(1)
    assert "cannot be shown again" in result.stderr
    with db.Session() as session:
        row = session.scalar(select(ApiToken))
        stored = {row.name, row.prefix, row.token_hash}
    assert key_id not in stored and secret not in stored  # only a prefix and a hash are kept
    body = body_of(call_id="S-4")
    accepted = post_signed(client, key_id, body, signature(secret, now_unix, body))
    assert accepted.status_code == 202
