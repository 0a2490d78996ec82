"""The words command staff read for the codes the reports count: skip reasons and reply
categories. The codes stay in files and the API (CSV, JSON); pages and charts show these."""

from __future__ import annotations

from followup.models import Category, SkipReason

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
}

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
