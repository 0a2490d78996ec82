"""Phone numbers: what the dispatch system sends, as E.164, or None when it cannot be texted."""

from __future__ import annotations

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
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _TEXTABLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """Return a number with all but its last two digits hidden, for places that show one."""
    if not e164:
        return ""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]
