"""Twilio's webhooks under attack and under Twilio's own quirks: signatures, proxies, repeats.

Every request is signed with the installed Twilio SDK (``RequestValidator.compute_signature``)
for the URL Twilio would have called, and posted through the whole WSGI app (ProxyFix included).
Numbers are fictional (+1 202-555-01xx); no assertion prints a text's words or a number.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from followup import create_app
from followup.core.config import ConfigError, Settings
from followup.models import Callback, Contact, Conversation, Message, WebhookReceipt
from tests.support.factories import call_event
from tests.support.twilio_requests import (
    PUBLIC_URL,
    SMS_PATH,
    STATUS_PATH,
    inbound_form,
    new_sid,
    status_form,
    twiml_reply,
)

CALLER = "+12025550131"
OTHER = "+12025550132"
HOST = "followup.example.org"


# --- helpers -------------------------------------------------------------------------------------


def app_with(services, **settings):
    """The app on the same database, clock and gateway, with other settings."""
    changed = dataclasses.replace(services, settings=dataclasses.replace(services.settings,
                                                                         **settings))
    return create_app({"SERVICES": changed, "TESTING": True})


def sign(services, url: str, form: dict[str, str]) -> str:
    return RequestValidator(services.settings.webhook_auth_token).compute_signature(url, form)


def post(client, path: str, form: dict[str, str], *, signature: str | None, query: str = "",
         headers: dict[str, str] | None = None, base_url: str = "http://localhost"):
    headers = dict(headers or {})
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    target = path + (f"?{query}" if query else "")
    return client.post(target, data=form, headers=headers, base_url=base_url)


def inbound_count(db, sid: str | None = None) -> int:
    with db.Session() as session:
        query = select(func.count(Message.id)).where(Message.direction == "inbound")
        if sid is not None:
            query = query.where(Message.sid == sid)
        return session.scalar(query)


def receipts(db) -> int:
    with db.Session() as session:
        return session.scalar(select(func.count(WebhookReceipt.id)))


def checkin_sent(api, clock, sender, phone: str = CALLER) -> Message:
    """Post a closed call, send its check-in, and let 20 minutes pass; return the text."""
    response = api.post_call(call_event(caller_phone=phone))
    clock.set(datetime.fromisoformat(response.json["followup"]["send_at"]))
    assert sender.sweep().sent == 1
    clock.advance(minutes=20)
    with sender.db.Session() as session:
        return session.scalars(
            select(Message).where(Message.direction == "outbound").order_by(Message.id.desc())
        ).first()


# --- the signature itself ------------------------------------------------------------------------


def test_the_sdk_reproduces_twilios_published_signature_example():
    # Twilio's documented example (also in twilio-python's own tests): token 12345.
    validator = RequestValidator("12345")
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

    assert validator.compute_signature(url, params) == expected
    assert validator.validate(url, params, expected)
    assert not validator.validate(url, params | {"Digits": "1235"}, expected)
    assert not validator.validate(url.replace("https", "http"), params, expected)
    assert not RequestValidator("12346").validate(url, params, expected)


@pytest.mark.parametrize("path", [SMS_PATH, STATUS_PATH])
@pytest.mark.parametrize(
    "header", [None, "", "not base64 at all ✓", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="],
    ids=["missing", "empty", "garbage", "another request's"],
)
def test_a_missing_or_wrong_signature_is_403_never_500_and_stores_nothing(
    client, db, path, header
):
    form = inbound_form(CALLER, "5 thanks") if path == SMS_PATH else status_form(
        new_sid(), "delivered", to=CALLER
    )

    response = post(client, path, form, signature=header)

    assert response.status_code == 403
    assert inbound_count(db) == 0
    assert receipts(db) == 0


def test_a_request_with_no_form_and_no_signature_is_403(client):
    assert client.post(SMS_PATH).status_code == 403
    assert client.post(STATUS_PATH, data="x" * 10, content_type="text/plain").status_code == 403


@pytest.mark.parametrize(
    ("public_url", "twilio_called"),
    [
        (PUBLIC_URL, f"https://{HOST}:443{SMS_PATH}"),
        (f"https://{HOST}:443", f"https://{HOST}{SMS_PATH}"),
        (PUBLIC_URL, f"https://{HOST}{SMS_PATH}"),
        (f"https://{HOST}:8443", f"https://{HOST}:8443{SMS_PATH}"),
    ],
    ids=["signed with :443", "configured with :443", "no port either side", "both with :8443"],
)
def test_the_public_url_validates_with_or_without_the_default_port(
    services, db, public_url, twilio_called
):
    client = app_with(services, public_url=public_url).test_client()
    form = inbound_form(CALLER, "5 thanks")

    response = post(client, SMS_PATH, form, signature=sign(services, twilio_called, form))

    assert response.status_code == 200
    assert inbound_count(db) == 1


def test_a_signature_for_another_port_is_refused(services, db):
    client = app_with(services, public_url=f"https://{HOST}:8443").test_client()
    form = inbound_form(CALLER, "5 thanks")

    response = post(client, SMS_PATH, form,
                    signature=sign(services, f"https://{HOST}:9443{SMS_PATH}", form))

    assert response.status_code == 403
    assert inbound_count(db) == 0


def test_a_signature_for_plain_http_is_refused_when_twilio_calls_https(services, db):
    client = app_with(services, public_url=PUBLIC_URL).test_client()
    form = inbound_form(CALLER, "STOP")

    response = post(client, SMS_PATH, form,
                    signature=sign(services, f"http://{HOST}{SMS_PATH}", form))

    assert response.status_code == 403
    assert inbound_count(db) == 0


def test_fields_twilio_adds_without_notice_and_blank_values_still_validate(services, client, db):
    form = inbound_form(CALLER, "") | {
        "AddOns": '{"status":"successful","results":{}}',
        "SomeFieldTwilioAddsNextYear": "x",
        "ReferralNumMedia": "0",
        "FromCity": "",
    }

    response = post(client, SMS_PATH, form,
                    signature=sign(services, f"http://localhost{SMS_PATH}", form))

    assert twiml_reply(response) is None  # an empty text from a stranger: kept, not answered
    with db.Session() as session:
        stored = session.scalar(select(Message).where(Message.direction == "inbound"))
    assert stored.sid == form["MessageSid"]
    assert stored.body == ""


def test_a_field_added_after_signing_is_refused(services, client, db):
    form = inbound_form(CALLER, "5 thanks")
    signature = sign(services, f"http://localhost{SMS_PATH}", form)

    response = post(client, SMS_PATH, form | {"Body": "STOP", "Extra": ""}, signature=signature)

    assert response.status_code == 403
    assert inbound_count(db) == 0


# --- behind a proxy ------------------------------------------------------------------------------


def test_trusted_proxies_setting_is_a_hop_count():
    assert Settings.from_env({}, secret_key="k").trusted_proxies == 0
    assert Settings.from_env({"FOLLOWUP_TRUSTED_PROXIES": "2"}, secret_key="k").trusted_proxies == 2
    for bad in ("-1", "yes", "1.5", "11"):
        with pytest.raises(ConfigError, match="FOLLOWUP_TRUSTED_PROXIES"):
            Settings.from_env({"FOLLOWUP_TRUSTED_PROXIES": bad}, secret_key="k")


def test_behind_one_trusted_proxy_its_forwarded_scheme_and_host_are_what_twilio_signed(
    services, db
):
    client = app_with(services, trusted_proxies=1).test_client()
    form = inbound_form(CALLER, "5 thanks")
    proxy_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST,
                     "X-Forwarded-For": "203.0.113.9"}

    response = post(client, SMS_PATH, form, headers=proxy_headers,
                    signature=sign(services, f"https://{HOST}{SMS_PATH}", form))

    assert response.status_code == 200
    assert inbound_count(db) == 1


@pytest.mark.parametrize("trusted", [0, 1])
def test_a_client_forged_forwarded_host_cannot_choose_the_signed_url(services, db, trusted):
    """The attacker controls a host whose URL they can get signed (their own Twilio account
    pointed at evil.example.net) and sends that signature with a forged X-Forwarded-Host. With
    one trusted proxy, the proxy appends the real host after the forged one."""
    client = app_with(services, trusted_proxies=trusted).test_client()
    form = inbound_form(CALLER, "STOP")
    forged = "evil.example.net"
    headers = {
        "X-Forwarded-Host": f"{forged}, {HOST}" if trusted else forged,
        "X-Forwarded-Proto": "https, https" if trusted else "https",
    }

    response = post(client, SMS_PATH, form, headers=headers,
                    signature=sign(services, f"https://{forged}{SMS_PATH}", form))

    assert response.status_code == 403
    assert inbound_count(db) == 0


def test_with_a_public_url_forwarded_headers_are_ignored_for_the_signature(services, db):
    client = app_with(services, public_url=PUBLIC_URL, trusted_proxies=1).test_client()
    form = inbound_form(CALLER, "STOP")
    headers = {"X-Forwarded-Host": "evil.example.net", "X-Forwarded-Proto": "https"}

    forged = post(client, SMS_PATH, form, headers=headers,
                  signature=sign(services, f"https://evil.example.net{SMS_PATH}", form))
    genuine = post(client, SMS_PATH, form, headers=headers,
                   signature=sign(services, f"{PUBLIC_URL}{SMS_PATH}", form))

    assert forged.status_code == 403
    assert genuine.status_code == 200
    assert inbound_count(db) == 1


def test_a_forwarded_proto_is_ignored_without_a_trusted_proxy(services, db):
    client = app_with(services, trusted_proxies=0).test_client()
    form = inbound_form(CALLER, "STOP")

    response = post(client, SMS_PATH, form, headers={"X-Forwarded-Proto": "https"},
                    signature=sign(services, f"https://localhost{SMS_PATH}", form))

    assert response.status_code == 403


# --- repeats: Twilio's idempotency token ---------------------------------------------------------


def deliver(services, client, form, token: str | None, *, path: str = SMS_PATH, query: str = ""):
    url = f"http://localhost{path}" + (f"?{query}" if query else "")
    headers = {"I-Twilio-Idempotency-Token": token} if token else {}
    return post(client, path, form, signature=sign(services, url, form), headers=headers,
                query=query)


def test_a_repeated_delivery_gets_the_first_answer_and_is_not_processed_again(
    api, services, client, sender, clock, db
):
    checkin_sent(api, clock, sender)
    form = inbound_form(CALLER, "5 thank you")
    token = "1f2e3d4c-0000-4000-8000-idempotency1"

    first = deliver(services, client, form, token)
    clock.advance(minutes=1)
    again = deliver(services, client, form, token)

    assert twiml_reply(first) is not None
    assert twiml_reply(again) == twiml_reply(first)
    assert inbound_count(db, form["MessageSid"]) == 1
    assert receipts(db) == 1
    with db.Session() as session:
        conversation = session.scalar(select(Conversation))
        replies = session.scalar(
            select(func.count(Message.id)).where(Message.gateway == "twiml")
        )
    assert (conversation.step, conversation.auto_texts, replies) == ("awaiting_comment", 2, 1)


def test_a_status_delivery_with_a_token_already_handled_changes_nothing(
    api, services, client, sender, clock, db
):
    checkin = checkin_sent(api, clock, sender)
    token = "status-token-0001"
    query = f"m={checkin.id}"

    deliver(services, client, status_form(checkin.sid, "sent", to=CALLER), token,
            path=STATUS_PATH, query=query)
    # The same delivery id again: whatever it says, it was handled (Twilio never changes it).
    repeat = deliver(services, client, status_form(checkin.sid, "delivered", to=CALLER), token,
                     path=STATUS_PATH, query=query)

    assert repeat.status_code == 204
    with db.Session() as session:
        assert session.get(Message, checkin.id).status == "sent"
    assert receipts(db) == 1


def test_two_workers_given_the_same_delivery_at_once_store_one_text_and_answer_alike(
    api, services, app, sender, clock, db, monkeypatch
):
    checkin_sent(api, clock, sender)
    form = inbound_form(CALLER, "nobody ever came, 1")
    token = "concurrent-token-0001"
    both_in = threading.Barrier(2, timeout=30)

    from followup.replies import receipts as webhook_receipts

    claim = webhook_receipts.claim

    def claim_together(*args, **kwargs):
        both_in.wait()  # both requests are in flight before either claims the token
        return claim(*args, **kwargs)

    monkeypatch.setattr(webhook_receipts, "claim", claim_together)
    answers: dict[int, tuple[int, str | None]] = {}

    def worker(n: int) -> None:
        response = deliver(services, app.test_client(), form, token)
        answers[n] = (response.status_code, twiml_reply(response))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [0, 1]
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and answers[0][1] is not None
    assert inbound_count(db, form["MessageSid"]) == 1
    assert receipts(db) == 1
    with db.Session() as session:
        assert session.scalar(select(func.count(Callback.id))) == 1


def test_the_same_text_under_two_tokens_is_still_stored_once(api, services, client, sender,
                                                               clock, db):
    checkin_sent(api, clock, sender)
    form = inbound_form(CALLER, "5 thank you")

    first = deliver(services, client, form, "token-a")
    second = deliver(services, client, form, "token-b")

    assert twiml_reply(second) == twiml_reply(first)
    assert inbound_count(db, form["MessageSid"]) == 1


# --- status callbacks ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["canceled", "read", "partially_delivered", "brand-new"])
def test_a_status_this_service_does_not_track_is_answered_2xx_logged_and_changes_nothing(
    api, services, client, sender, clock, db, caplog, status
):
    checkin = checkin_sent(api, clock, sender)
    caplog.set_level(logging.DEBUG)

    response = deliver(services, client, status_form(checkin.sid, status, to=CALLER,
                                                     error_code=30006),
                       None, path=STATUS_PATH, query=f"m={checkin.id}")

    assert response.status_code == 204
    with db.Session() as session:
        text = session.get(Message, checkin.id)
        contact = session.scalar(select(Contact).where(Contact.phone == CALLER))
    assert (text.status, text.error_code) == ("queued", None)
    assert contact is None or contact.unreachable_code is None
    assert status in caplog.text
    assert CALLER not in caplog.text and CALLER[2:] not in caplog.text


@pytest.mark.parametrize("status", ["sent", "delivered"])
def test_an_error_code_counts_only_with_failed_or_undelivered(
    api, services, client, sender, clock, db, status
):
    checkin = checkin_sent(api, clock, sender)

    deliver(services, client, status_form(checkin.sid, status, to=CALLER, error_code=30006),
            None, path=STATUS_PATH, query=f"m={checkin.id}")

    with db.Session() as session:
        text = session.get(Message, checkin.id)
        contact = session.scalar(select(Contact).where(Contact.phone == CALLER))
    assert (text.status, text.error_code) == (status, None)
    assert contact is None or contact.unreachable_code is None


def test_a_callback_for_a_text_still_pending_without_its_sid_is_matched_by_message_id(
    api, services, client, sender, clock, db
):
    checkin = checkin_sent(api, clock, sender)
    with db.begin() as session:  # as the sender leaves it before Twilio's answer is stored
        row = session.get(Message, checkin.id)
        row.status, row.sid = "pending", None

    deliver(services, client, status_form(checkin.sid, "delivered", to=CALLER), None,
            path=STATUS_PATH, query=f"m={checkin.id}")

    with db.Session() as session:
        row = session.get(Message, checkin.id)
    assert (row.status, row.sid) == ("delivered", checkin.sid)


def test_a_callback_for_a_text_this_database_does_not_have_is_answered_and_logged(
    services, client, db, caplog
):
    caplog.set_level(logging.WARNING)

    response = deliver(services, client, status_form(new_sid(), "delivered", to=CALLER), None,
                       path=STATUS_PATH, query="m=424242")

    assert response.status_code == 204
    assert "does not have: id 424242" in caplog.text


# --- what the logs never hold ------------------------------------------------------------------


def test_the_webhooks_never_log_a_number_or_a_texts_words(
    api, services, client, sender, clock, db, caplog
):
    checkin = checkin_sent(api, clock, sender)
    caplog.set_level(logging.DEBUG)
    words = ["he is back outside my house right now", "STOP", "nobody came 1", "5 great"]

    for n, body in enumerate(words):
        phone = CALLER if n == 0 else OTHER
        deliver(services, client, inbound_form(phone, body), f"log-token-{n}")
    for status, code in (("sent", None), ("undelivered", 30006), ("read", None)):
        deliver(services, client, status_form(checkin.sid, status, to=CALLER, error_code=code),
                None, path=STATUS_PATH, query=f"m={checkin.id}")
    post(client, SMS_PATH, inbound_form(CALLER, "forged words"), signature="bad")

    logged = caplog.text
    assert inbound_count(db) == len(words)
    for secret in [CALLER, OTHER, CALLER[2:], OTHER[2:], "forged words", *words]:
        assert secret not in logged, "a number or a text's words reached the log"
