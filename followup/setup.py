"""Bring a database to a working state: the newest schema and the default agency."""

from __future__ import annotations

from sqlalchemy import select

from followup import agencies, message_templates, migrate
from followup.models import Agency
from followup.services import Services


def prepare_database(services: Services) -> Agency:
    """Apply migrations, make sure the default agency exists, and give every agency any default
    text it lacks (a new release adds texts; an agency's own edits are never overwritten)."""
    migrate.upgrade(services.settings.database_url)
    now = services.clock.now()
    with services.db.begin() as session:
        default = agencies.ensure_default_agency(session, services.settings, now=now)
        for agency in session.scalars(select(Agency)):
            message_templates.seed_defaults(session, agency, now=now)
        return default
