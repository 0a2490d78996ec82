"""Requests as Twilio sends them to the webhooks: its real field sets, signed with its real SDK.

``TwilioWebhooks`` posts form-encoded requests to ``/webhooks/twilio/sms`` and
``/webhooks/twilio/status`` through the Flask test client, with ``X-Twilio-Signature`` computed
by ``twilio.request_validator.RequestValidator`` over the URL Twilio would have called: the
service's public URL when one is configured, else the URL the test client produces.
All numbers are fictional (+1 202-555-01xx).
"""

from __future__ import annotations

import dataclasses
import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://followup.example.org"
TEST_CLIENT_URL = "http://localhost"  # what Flask's test client calls
AGENCY_NUMBER = "+12025550100"  # the agency's texting number
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"

_numbers = itertools.count(1)


def new_sid(prefix: str = "SM") -> str:
    """Return a fresh Twilio-shaped id: two letters and 32 hex digits (never one that the
    FakeGateway hands out, which are all decimal digits)."""
    return f"{prefix}feed{next(_numbers):028x}"


def inbound_form(
    sender: str,
    body: str,
    *,
    sid: str | None = None,
    media: tuple[tuple[str, str], ...] = (),
    to: str = AGENCY_NUMBER,
    segments: int = 1,
) -> dict[str, str]:
    """Return the fields Twilio posts for an inbound SMS (or MMS, with ``(url, type)`` media)."""
    sid = sid or new_sid("MM" if media else "SM")
    form = {
        "ToCountry": "US",
        "ToState": "DC",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "ToCity": "WASHINGTON",
        "FromZip": "20001",
        "SmsSid": sid,
        "FromState": "DC",
        "SmsStatus": "received",
        "FromCity": "WASHINGTON",
        "Body": body,
        "FromCountry": "US",
        "To": to,
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
        "ToZip": "20002",
        "NumSegments": str(segments),
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    for i, (url, content_type) in enumerate(media):
        form[f"MediaUrl{i}"] = url
        form[f"MediaContentType{i}"] = content_type
    return form


def status_form(
    sid: str, status: str, *, to: str, error_code: int | None = None
) -> dict[str, str]:
    """Return the fields Twilio posts to a status callback (ErrorCode only when it failed)."""
    form = {
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "AccountSid": ACCOUNT_SID,
        "From": AGENCY_NUMBER,
        "To": to,
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    return form


def with_public_url(services, public_url: str = PUBLIC_URL):
    """Return ``services`` (same database, clock and gateway) configured with a public URL."""
    return dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, public_url=public_url)
    )


@dataclass
class TwilioWebhooks:
    """Posts to the Twilio webhooks as Twilio does, signed for the URL it would have called."""

    client: object
    token: str
    public_url: str | None = None

    @classmethod
    def for_services(cls, client, services) -> TwilioWebhooks:
        settings = services.settings
        return cls(client, settings.webhook_auth_token, settings.public_url)

    def url(self, path: str, query: str = "") -> str:
        base = self.public_url or TEST_CLIENT_URL
        return f"{base}{path}" + (f"?{query}" if query else "")

    def sign(self, url: str, form: dict[str, str], token: str | None = None) -> str:
        return RequestValidator(token or self.token).compute_signature(url, form)

    def post(
        self,
        path: str,
        form: dict[str, str],
        *,
        query: str = "",
        signature: str | None = None,
        signed_form: dict[str, str] | None = None,
        signed_url: str | None = None,
        unsigned: bool = False,
    ):
        """Post ``form``; by default signed correctly. ``signed_form``/``signed_url`` sign
        something other than what is posted (a tampered request); ``unsigned`` sends no header."""
        headers = {}
        if not unsigned:
            headers["X-Twilio-Signature"] = signature or self.sign(
                signed_url or self.url(path, query), signed_form or form
            )
        target = path + (f"?{query}" if query else "")
        return self.client.post(target, data=form, headers=headers)

    def text(self, sender: str, body: str, **fields):
        """Deliver an inbound text from ``sender``; return the webhook's response."""
        return self.post(SMS_PATH, inbound_form(sender, body, **fields))

    def status(self, callback_url: str | None, sid: str, status: str, *, to: str,
               error_code: int | None = None):
        """Post a delivery status to the callback URL the sender gave Twilio (``?m=`` and all);
        with ``callback_url=None``, to the bare status path (matched by MessageSid alone)."""
        query = urlsplit(callback_url).query if callback_url else ""
        return self.post(
            STATUS_PATH, status_form(sid, status, to=to, error_code=error_code), query=query
        )


def twiml_messages(response) -> list[str]:
    """Parse a TwiML answer; return the text of each <Message> (an empty list: no reply)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype in ("application/xml", "text/xml")
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    assert {child.tag for child in root} <= {"Message"}
    return ["".join(message.itertext()) for message in root.iter("Message")]


def twiml_reply(response) -> str | None:
    """Return the single reply in a TwiML answer, or None when it answers with nothing."""
    messages = twiml_messages(response)
    assert len(messages) <= 1, messages
    return messages[0] if messages else None
