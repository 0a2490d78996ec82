"""The words staff read for the codes the reports and pages show: skip reasons, reply
categories and what a text was for. The codes stay in files and the API (CSV, JSON); pages and
charts show these."""

from __future__ import annotations

from followup.models import Category, Purpose, SkipReason
from followup.models.messages import STAFF_TEXT_PREFIX

SKIP_REASONS = {
    SkipReason.NO_PHONE: "No phone number",
    SkipReason.INVALID_PHONE: "Not a textable number",
    SkipReason.OPTED_OUT: "Caller opted out",
    SkipReason.UNREACHABLE: "Carrier cannot deliver texts",
    SkipReason.DO_NOT_CONTACT: "Flagged do not contact",
    SkipReason.SELF_INITIATED: "Officer-initiated call",
    SkipReason.SENSITIVE_CALL_TYPE: "Sensitive call type",
    SkipReason.EXCLUDED_DISPOSITION: "Excluded disposition",
    SkipReason.RECENTLY_CONTACTED: "Texted recently",
    SkipReason.TOO_OLD: "Closed too long ago",
    SkipReason.CALL_REOPENED: "Call reopened",
    SkipReason.NO_TEMPLATE: "No text in the caller's language",
    SkipReason.TEMPLATE_ERROR: "Text template error",
    SkipReason.WINDOW_PASSED: "Retry window passed",
    SkipReason.RETRIES_EXHAUSTED: "Retries exhausted",
    SkipReason.GATEWAY_REJECTED: "Refused by the SMS provider",
    SkipReason.LOOKUP_PENDING: "Outcome unknown, being checked",
    SkipReason.LOOKUP_RUNNING: "Outcome unknown, being checked",
    SkipReason.LOOKUP_FAILED: "Outcome unknown",
    SkipReason.PURPOSE_OFF: "The agency does not send this text",
    SkipReason.CALL_DISPATCHED: "A unit was dispatched in time",
    SkipReason.CALL_CLOSED: "The call was already closed",
    SkipReason.NO_CONSENT: "The victim did not ask for updates",
}

# What each text was for, as a reader says it (case updates and staff texts by their name).
PURPOSES = {
    Purpose.CHECKIN: "Check-in",
    Purpose.CONFIRMATION: "Confirmation",
    Purpose.DELAY: "Delay text",
    Purpose.ASK_COMMENT: "Automatic reply: invitation to comment",
    Purpose.ASK_MORE: "Automatic reply: what could we do better",
    Purpose.QUESTION_ACK: "Automatic reply: a person will answer",
    Purpose.THANKS: "Automatic reply: thanks",
    Purpose.CRISIS_REPLY: "Safety reply (911, 988)",
    Purpose.HELP: "Answer to HELP",
    Purpose.OPT_OUT_CONFIRM: "Confirmation of STOP",
    Purpose.OPT_IN_CONFIRM: "Confirmation of START",
    Purpose.ALERT: "Alert to a commander",
}
_UPDATE_PREFIX = "update_"

CATEGORIES = {
    Category.OPT_OUT: "Opted out",
    Category.OPT_IN: "Opted back in",
}


def label(code: str | None) -> str:
    """The readable words for a skip reason or reply category; other codes with their
    underscores as spaces, capitalised."""
    if not code:
        return ""
    for table in (SKIP_REASONS, CATEGORIES):
        if code in table:
            return table[code]
    return str(code).replace("_", " ").capitalize()


def purpose_label(purpose: str | None) -> str:
    """What a text was for, in words: "Delay text", "Case update: arrest made", "Staff text:
    call back"; a text with no purpose recorded is "Text"."""
    if not purpose:
        return "Text"
    if purpose in PURPOSES:
        return PURPOSES[purpose]
    if purpose.startswith(_UPDATE_PREFIX):
        return "Case update: " + purpose.removeprefix(_UPDATE_PREFIX).replace("_", " ")
    if purpose.startswith(STAFF_TEXT_PREFIX):
        return "Staff text: " + purpose.removeprefix(STAFF_TEXT_PREFIX).replace("_", " ")
    return label(purpose)
