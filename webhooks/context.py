"""Request plumbing shared by the blueprints: the services and the per-request session."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from followup.services import Services


def services() -> Services:
    return current_app.extensions["followup"]


def db_session() -> Session:
    """Return this request's session; the app closes it in teardown."""
    if "db_session" not in g:
        g.db_session = services().db.Session()
    return g.db_session
