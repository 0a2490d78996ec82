"""Follow-up texting after a call for service: intake, eligibility, sending, replies.

The package imports nothing heavy, so ``followup.triage`` and the CLI start fast; the web app is
built by ``create_app()`` (``gunicorn 'followup:create_app()'``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "configure_logging"]


def create_app(test_config: dict[str, Any] | None = None):
    """Build the WSGI app (see followup.app.create_app)."""
    from followup.app import create_app as build

    return build(test_config)


def configure_logging() -> None:
    """Set sane log levels once (as followup.app.configure_logging does, without Flask)."""
    from followup.core import logs

    logs.configure()
    logs.quiet_third_parties()
