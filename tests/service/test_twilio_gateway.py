"""The Twilio gateway, with the real twilio SDK talking to a local fake of the Messages API."""

from __future__ import annotations

import logging
import re
import socket
from datetime import UTC, datetime

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import followup
from followup.sending.gateways.base import (
    PermanentGatewayError,
    SendResult,
    TransientGatewayError,
    UnknownOutcomeError,
)
from followup.sending.gateways.twilio import RedirectingHttpClient, TwilioGateway
from followup.testing.twilio_api import twilio_error
from followup.testing.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

MESSAGING_SERVICE_SID = "MG" + "1" * 32
FROM_NUMBER = "+12025550100"
CALLER = "+12025550142"
BODY = "This is Westlake Police following up on your call on Nov 22. How did we do, 1-5?"
CALLBACK = "https://followup.example.org/webhooks/twilio/status"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def gateway_for(fake):
    """Build a gateway aimed at the fake; a messaging service unless a From number is given."""

    def build(**options) -> TwilioGateway:
        if "from_number" not in options:
            options.setdefault("messaging_service_sid", MESSAGING_SERVICE_SID)
        options.setdefault("api_url", fake.url)
        options.setdefault("timeout", 5.0)
        auth_token = options.pop("auth_token", AUTH_TOKEN)
        return TwilioGateway(ACCOUNT_SID, auth_token, **options)

    return build


@pytest.fixture
def gateway(gateway_for) -> TwilioGateway:
    return gateway_for()


@pytest.fixture
def app_logging():
    """The log levels the app sets (followup.configure_logging), undone after the test."""
    names = ("twilio.http_client", "apscheduler")
    saved = {name: logging.getLogger(name).level for name in names}
    followup.configure_logging()
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- what the SDK sends ------------------------------------------------------------------------


def test_a_send_through_a_messaging_service_posts_exactly_our_fields_once(fake, gateway):
    result = gateway.send(CALLER, BODY, status_callback=CALLBACK)

    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth_user == ACCOUNT_SID
    assert request.form == {
        "To": CALLER,
        "Body": BODY,
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "StatusCallback": CALLBACK,
    }
    [(sid, message)] = fake.messages.items()
    assert result == SendResult(sid=sid, status="accepted")
    assert re.fullmatch(r"SM[0-9a-f]{32}", result.sid)
    assert message["to"] == CALLER and message["from"] is None


def test_a_send_from_a_phone_number_sends_from_and_no_messaging_service(fake, gateway_for):
    gateway = gateway_for(from_number=FROM_NUMBER)

    result = gateway.send(CALLER, BODY, status_callback=CALLBACK)

    [request] = fake.requests
    assert request.form["From"] == FROM_NUMBER
    assert "MessagingServiceSid" not in request.form
    assert request.form["To"] == CALLER and request.form["Body"] == BODY
    assert result.status == "queued"
    assert fake.messages[result.sid]["from"] == FROM_NUMBER


def test_no_status_callback_is_sent_when_none_is_given(fake, gateway):
    result = gateway.send(CALLER, BODY)

    [request] = fake.requests
    assert "StatusCallback" not in request.form
    assert fake.status_callback_of(result.sid) is None


# -- how refusals and failures are classified --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21610, "Attempt to send to unsubscribed recipient"),
        (21211, f"The 'To' number {CALLER} is not a valid phone number."),
        (21614, f"'To' number {CALLER} is not a valid mobile number"),
    ],
)
def test_a_refusal_that_will_not_change_is_a_permanent_error_with_twilios_code(
    fake, gateway, code, message
):
    fake.fail_next(status=400, code=code, message=message)

    with pytest.raises(PermanentGatewayError) as refused:
        gateway.send(CALLER, BODY)

    assert refused.value.code == code
    assert refused.value.status == 400
    assert fake.messages == {}


def test_a_number_twilio_itself_rejects_is_permanent_and_the_error_does_not_repeat_it(gateway):
    with pytest.raises(PermanentGatewayError) as refused:
        gateway.send("+1202555", BODY)

    assert refused.value.code == 21211
    assert "202555" not in str(refused.value)


def test_an_empty_body_is_refused_by_twilio_as_permanent(gateway):
    with pytest.raises(PermanentGatewayError) as refused:
        gateway.send(CALLER, "")

    assert refused.value.code == 21602


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, 20429), (429, None), (500, 20500), (503, None)],
    ids=["429-code-20429", "429-no-code", "500", "503"],
)
def test_rate_limits_and_server_errors_are_transient_so_the_sender_tries_again_later(
    fake, gateway, status, code
):
    fake.fail_next(status=status, code=code)

    with pytest.raises(TransientGatewayError) as failed:
        gateway.send(CALLER, BODY)

    assert failed.value.status == status
    assert fake.messages == {}


def test_wrong_credentials_are_a_permanent_error(fake, gateway_for):
    gateway = gateway_for(auth_token="not-the-auth-token")

    with pytest.raises(PermanentGatewayError) as refused:
        gateway.send(CALLER, BODY)

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert fake.messages == {}


def test_an_answer_slower_than_the_timeout_is_an_unknown_outcome_not_a_failure(fake, gateway_for):
    gateway = gateway_for(timeout=0.2)
    fake.latency = 1.0  # stop() wakes the fake early: the test does not wait this out

    with pytest.raises(UnknownOutcomeError):
        gateway.send(CALLER, BODY)

    # Twilio took the text although we never heard back: resending would text the caller twice.
    assert len(fake.create_requests) == 1
    assert len(fake.messages) == 1


def test_a_refused_connection_is_transient_because_nothing_reached_twilio(gateway_for):
    gateway = gateway_for(api_url=f"http://127.0.0.1:{unused_port()}")

    with pytest.raises(TransientGatewayError):
        gateway.send(CALLER, BODY)


@pytest.mark.parametrize(
    "failure",
    [None, (400, 21610), (401, 20003), (429, 20429), (500, 20500), (503, None)],
    ids=["accepted", "21610", "401", "429", "500", "503"],
)
def test_each_send_is_exactly_one_http_request_even_when_twilio_refuses_it(fake, gateway, failure):
    if failure is not None:
        fake.fail_next(status=failure[0], code=failure[1], times=5)

    try:
        gateway.send(CALLER, BODY)
    except (PermanentGatewayError, TransientGatewayError):
        pass

    assert len(fake.requests) == 1


# -- privacy -----------------------------------------------------------------------------------


def test_the_sdks_logging_reveals_neither_the_number_nor_the_body(
    fake, gateway, app_logging, caplog
):
    with caplog.at_level(logging.INFO):
        gateway.send(CALLER, BODY, status_callback=CALLBACK)
        fake.fail_next(status=400, code=21610, message=f"{CALLER} is unsubscribed")
        with pytest.raises(PermanentGatewayError):
            gateway.send(CALLER, BODY)

    assert len(fake.create_requests) == 2
    digits = CALLER.removeprefix("+1")
    for record in caplog.records:
        text = record.getMessage()
        assert digits not in text, f"{record.name} logged the number: {text}"
        assert BODY not in text and "Westlake" not in text, f"{record.name} logged the body"


def test_listing_by_number_would_log_the_number_at_info_but_configure_logging_quiets_it(
    fake, caplog
):
    """The SDK logs request URLs at INFO; a list filtered by To carries the number in its URL."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=RedirectingHttpClient(fake.url, timeout=5))
    sdk_logger = logging.getLogger("twilio.http_client")
    saved = sdk_logger.level
    try:
        sdk_logger.setLevel(logging.NOTSET)
        with caplog.at_level(logging.INFO):
            client.messages.list(to=CALLER)
        assert CALLER.removeprefix("+1") in caplog.text  # what configure_logging is there for

        caplog.clear()
        followup.configure_logging()
        with caplog.at_level(logging.INFO):
            client.messages.list(to=CALLER)
        assert CALLER.removeprefix("+1") not in caplog.text
    finally:
        sdk_logger.setLevel(saved)


# -- the fake answers reads the way Twilio does (used by reconciliation later) -----------------


def test_the_fake_lets_the_sdk_fetch_a_sent_message_and_list_by_number(fake, gateway):
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=RedirectingHttpClient(fake.url, timeout=5))
    first = gateway.send(CALLER, BODY)
    gateway.send("+12025550143", "Another caller")
    second = gateway.send(CALLER, "A second text")
    fake.set_status(first.sid, "delivered")

    fetched = client.messages(first.sid).fetch()
    listed = client.messages.list(to=CALLER, page_size=1)

    assert (fetched.sid, fetched.to, fetched.body, fetched.status) == (
        first.sid,
        CALLER,
        BODY,
        "delivered",
    )
    assert fetched.date_created is not None and fetched.date_created.tzinfo is not None
    assert [m.sid for m in listed] == [second.sid, first.sid]  # newest first, over two pages


def test_the_fake_answers_an_unknown_message_sid_with_twilios_404(fake):
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=RedirectingHttpClient(fake.url, timeout=5))

    with pytest.raises(TwilioRestException) as missing:
        client.messages("SM" + "f" * 32).fetch()

    assert (missing.value.status, missing.value.code) == (404, 20404)


# -- answers that are neither a clean success nor a classic Twilio error -----------------------


def test_an_answer_cut_off_mid_body_is_an_unknown_outcome(fake, gateway):
    fake.cut_off_next()

    with pytest.raises(UnknownOutcomeError):
        gateway.send(CALLER, BODY)


def test_an_rfc_9457_refusal_from_twilio_is_classified_by_its_status_and_code(fake, gateway):
    fake.respond_next(
        400,
        {
            "type": "https://www.twilio.com/docs/errors/21610",
            "title": "Attempt to send to unsubscribed recipient",
            "status": 400,
            "code": 21610,
            "detail": "The recipient has opted out.",
        },
    )

    with pytest.raises(PermanentGatewayError) as refused:
        gateway.send(CALLER, BODY)

    assert refused.value.code == 21610


# -- the rate limit's wait, at the moment the request goes ----------------------------------------


def test_the_pace_is_waited_for_once_just_before_the_request_reaches_twilio(fake, gateway):
    """The sender's rate limit is asked once the SDK has built the request: when it lets go,
    the request has not reached the fake yet, and right after, it has; nothing else waits."""
    seen_when_let_go = []

    def pace():
        seen_when_let_go.append(len(fake.create_requests))

    first = gateway.send(CALLER, BODY, pace=pace)
    second = gateway.send(CALLER, BODY, pace=pace)
    # A look-up goes through the same session and is never paced.
    assert gateway.find_sent(CALLER, BODY, since=datetime(2020, 1, 1, tzinfo=UTC)) is not None

    assert seen_when_let_go == [0, 1]
    assert first.sid != second.sid and len(fake.create_requests) == 2


def test_a_send_refused_by_twilio_still_took_its_turn_and_the_next_is_paced_again(fake, gateway):
    calls = []
    fake.respond_next(429, twilio_error(429, 20429, "Too Many Requests"))
    with pytest.raises(TransientGatewayError):
        gateway.send(CALLER, BODY, pace=lambda: calls.append("first"))
    gateway.send(CALLER, BODY)  # no pace given: nothing waits
    gateway.send(CALLER, BODY, pace=lambda: calls.append("third"))

    assert calls == ["first", "third"]
