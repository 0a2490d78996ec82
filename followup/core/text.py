"""Text from outside that the database must be able to keep."""

from __future__ import annotations

NUL = "\x00"
REPLACEMENT = "\ufffd"


def without_nul(value):
    """``value`` with each NUL character replaced by U+FFFD (other values unchanged).

    PostgreSQL cannot store U+0000. Where a request may be refused (intake, sign-in) a NUL is a
    400; a caller's text is never refused or lost, so there it is replaced."""
    return value.replace(NUL, REPLACEMENT) if isinstance(value, str) else value
