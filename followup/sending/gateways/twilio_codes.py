"""Twilio's error codes and what each means for this service: the one place that knows them.

The gateway turns a code into a :class:`Meaning` on the error it raises, and status callbacks
read the code of an undelivered text through :func:`meaning`; the sender, delivery, retries,
eligibility and alerts act on the meaning and never compare numbers.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Meaning(StrEnum):
    """What a refused or undelivered text tells us, and so what to do next."""

    RATE_LIMITED = "rate_limited"  # 20429 (or HTTP 429): too many requests now; try later
    RETRY_LATER = "retry_later"  # 30001 queue overflow or expired, 30500 Twilio error
    HANDSET_UNREACHABLE = "handset_unreachable"  # 30003 phone off or out of coverage: for a while
    CARRIER_FILTERED = "carrier_filtered"  # 30007 the carrier judged the text spam: the template
    NOT_TEXTABLE = "not_textable"  # 30004-30006 blocked, unknown handset, landline: for good
    OPTED_OUT = "opted_out"  # 21610 the recipient replied STOP to the sending number
    INVALID_NUMBER = "invalid_number"  # 21211 not a valid phone number
    NOT_MOBILE = "not_mobile"  # 21614 not a mobile number
    REFUSED = "refused"  # any other refusal: will not change by trying again


_CODES: dict[int, Meaning] = {
    20429: Meaning.RATE_LIMITED,
    30001: Meaning.RETRY_LATER,
    30500: Meaning.RETRY_LATER,
    30003: Meaning.HANDSET_UNREACHABLE,
    30007: Meaning.CARRIER_FILTERED,
    30004: Meaning.NOT_TEXTABLE,
    30005: Meaning.NOT_TEXTABLE,
    30006: Meaning.NOT_TEXTABLE,
    21610: Meaning.OPTED_OUT,
    21211: Meaning.INVALID_NUMBER,
    21614: Meaning.NOT_MOBILE,
}
OPTED_OUT = 21610  # the code the opt-out guard raises, as Twilio would
OPT_OUT_SOURCE = "twilio_21610"  # how a contact's opt-out by Twilio's report is recorded
CARRIER_FILTERED = 30007

# A carrier's trouble that may pass: the check-in is tried again a bounded number of times, on
# the carrier's own schedule (retries.CARRIER_RETRY), whether it came on create or in a callback.
CARRIER_TRANSIENT = frozenset({Meaning.RETRY_LATER, Meaning.HANDSET_UNREACHABLE})
# Worth another try later when Twilio refuses a create: the above, and being rate limited.
TRANSIENT = CARRIER_TRANSIENT | {Meaning.RATE_LIMITED}
# A carrier's report that the number cannot take texts: for good, or for a while.
UNREACHABLE_FOR_GOOD = frozenset({Meaning.NOT_TEXTABLE})
UNREACHABLE_FOR_A_WHILE = frozenset({Meaning.HANDSET_UNREACHABLE, Meaning.CARRIER_FILTERED})
UNREACHABLE_FOR = timedelta(days=30)  # how long "for a while" keeps a number from texts
MAX_VALIDITY_PERIOD = 36000  # seconds: Twilio accepts 1..36000 (also its default)


def meaning(code: int | None, *, http_status: int | None = None) -> Meaning | None:
    """What Twilio's ``code`` (and the HTTP status it came with) means; None for no code."""
    if http_status == 429:
        return Meaning.RATE_LIMITED
    if code is None:
        return None
    return _CODES.get(code, Meaning.REFUSED)


def is_carrier_transient(code: int | None) -> bool:
    """Whether a carrier's ``code`` (on create or in a status callback) may pass with time."""
    return meaning(code) in CARRIER_TRANSIENT


def marks_unreachable(code: int | None) -> bool:
    """Whether a carrier's ``code`` says the number cannot take texts (now or for good)."""
    return meaning(code) in UNREACHABLE_FOR_GOOD | UNREACHABLE_FOR_A_WHILE
