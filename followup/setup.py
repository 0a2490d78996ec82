"""Bring a database to a working state: the newest schema and the default agency."""

from __future__ import annotations

from followup import agencies, migrate
from followup.models import Agency
from followup.services import Services


def prepare_database(services: Services) -> Agency:
    """Apply migrations and make sure the default agency (with its texts) exists."""
    migrate.upgrade(services.settings.database_url)
    with services.db.begin() as session:
        return agencies.ensure_default_agency(session, services.settings, now=services.clock.now())
