"""Phone numbers: what the dispatch system sends, as E.164 (or None when it cannot be texted),
and every way a number is hidden: masked on a page, removed from a reply shown in reports,
redacted from a log line."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

# Types a text can reach. US numbers are almost all FIXED_LINE_OR_MOBILE: the numbering plan does
# not say which, and Twilio's 21614 error catches the landlines among them at send time.
_TEXTABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
}


def to_e164(raw: str, region: str = "US") -> str | None:
    """Return ``raw`` as an E.164 number that could receive a text, or None if it cannot."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # A valid number is one whose type is known (``is_valid_number`` is exactly
    # ``number_type(...) != UNKNOWN``), and UNKNOWN is not textable: one lookup decides both.
    if phonenumbers.number_type(number) not in _TEXTABLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """Return a number with all but its last two digits hidden, for places that show one."""
    if not e164:
        return ""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]


REDACTED = "[phone]"

# What looks like a phone number: "+" (or a URL-encoded "%2B") and 7-15 digits with the usual
# separators, or a North American number with or without separators. Dates (2026-11-23), times,
# IP addresses and Twilio ids (SM + 32 hex) do not match: the digits must stand alone. A North
# American area code and exchange never start with 0 or 1, so ten digits that do (every Unix
# time of this century: 1796294491) are not a number.
PHONE = re.compile(
    r"""
    (?:\+|%2[Bb])\d(?:[\s().-]{0,2}\d){6,14}
    | (?<![\w.:/-])(?:1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?[2-9]\d{2}[\s.-]?\d{4}(?![\w.:-])
    """,
    re.VERBOSE,
)


def redact(text: str) -> str:
    """Return ``text`` with everything that looks like a phone number replaced by [phone]."""
    return PHONE.sub(REDACTED, text)


NUMBER_REMOVED = "[number removed]"
_MANY_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")  # worth asking phonenumbers about


def redact_numbers(text: str, region: str) -> str:
    """Replace phone numbers a caller typed into a reply (reports never show a number)."""
    if not _MANY_DIGITS.search(text):
        return text
    found = list(
        phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    )
    for match in reversed(found):
        text = text[: match.start] + NUMBER_REMOVED + text[match.end :]
    return text
