"""Twilio's webhook signature (``X-Twilio-Signature``), checked by the SDK's own computation.

Accepts exactly what ``twilio.request_validator.RequestValidator.validate`` accepts for a form:
the HMAC of the URL Twilio signed, written with its default port or without (Twilio is not
consistent about which), and the form's fields. The SDK computes both HMACs on every request;
this computes the URL as it is written first, and the other only when that one does not match,
so a valid request costs one. The form is given to the SDK as lists by name (what it asks a
Flask MultiDict through ``getall``) rather than a MultiDict, which it reaches only after two
failed attribute lookups per field.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator, add_port, compare, remove_port


class _Fields(dict):
    """A form's values by field name, each a list, read by the SDK with ``getall``."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@lru_cache(maxsize=8)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def is_signed(token: str, url: str, form, signature: str) -> bool:
    """Whether ``signature`` is Twilio's for ``url`` and ``form`` (a MultiDict or anything with
    ``keys`` and ``getlist``) under the auth ``token``. An empty signature never is."""
    if not signature:
        return False
    validator = _validator(token)
    fields = _Fields({name: form.getlist(name) for name in form.keys()})
    parsed = urlparse(url)
    # The URL as written: with its explicit port, or without one. Then the other way.
    if compare(validator.compute_signature(parsed.geturl(), fields), signature):
        return True
    other = remove_port(parsed) if parsed.port else add_port(parsed)
    return compare(validator.compute_signature(other, fields), signature)
