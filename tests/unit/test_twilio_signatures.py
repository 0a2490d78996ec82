"""The webhook signature check accepts exactly what the Twilio SDK's validator accepts."""

from __future__ import annotations

import itertools

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from followup.replies.spool import FormPairs
from followup.sending.gateways.signatures import is_signed

TOKEN = "12345"
FORM = [("MessageSid", "SM" + "0" * 32), ("From", "+12025550131"), ("Body", "5 thanks"),
        ("MediaUrl0", "https://api.twilio.example/media/1"), ("Body", "a second value")]
URLS = [
    "https://followup.example.org/webhooks/twilio/sms",
    "https://followup.example.org:443/webhooks/twilio/sms",
    "https://followup.example.org:8443/webhooks/twilio/sms",
    "http://followup.example.org/webhooks/twilio/status?m=12",
    "http://followup.example.org:80/webhooks/twilio/status?m=12",
    "http://localhost:5000/webhooks/twilio/sms",
]


def signature(url: str, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, MultiDict(FORM))


@pytest.mark.parametrize(("signed", "called"), list(itertools.product(URLS, URLS)))
def test_a_signature_is_accepted_exactly_when_the_sdk_accepts_it(signed, called):
    given = signature(signed)
    expected = RequestValidator(TOKEN).validate(called, MultiDict(FORM), given)

    assert is_signed(TOKEN, called, MultiDict(FORM), given) is expected
    assert is_signed(TOKEN, called, FormPairs(FORM), given) is expected  # a spooled request


def test_the_url_with_its_explicit_port_and_without_it_both_validate():
    with_port = "https://followup.example.org:8443/webhooks/twilio/sms"
    without = "https://followup.example.org/webhooks/twilio/sms"

    assert is_signed(TOKEN, with_port, MultiDict(FORM), signature(with_port))
    assert is_signed(TOKEN, with_port, MultiDict(FORM), signature(without))
    assert not is_signed(TOKEN, with_port, MultiDict(FORM),
                         signature(with_port.replace("8443", "9443")))


@pytest.mark.parametrize(
    "change",
    ["another token", "a changed value", "a value dropped", "an added field", "empty", "garbage"],
)
def test_a_wrong_signature_is_refused(change):
    url = URLS[0]
    form, given = MultiDict(FORM), signature(url)
    if change == "another token":
        given = signature(url, token="12346")
    elif change == "a changed value":
        form = MultiDict([(k, "STOP" if k == "Body" else v) for k, v in FORM])
    elif change == "a value dropped":
        form = MultiDict(FORM[:-1])
    elif change == "an added field":
        form = MultiDict([*FORM, ("Extra", "")])
    elif change == "empty":
        given = ""
    else:
        given = "not base64 at all ✓"

    assert not is_signed(TOKEN, url, form, given)
