"""Bring a database to a working state: the newest schema and the default agency."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from followup.agencies import registry
from followup.core import migrate
from followup.core.files import private_folder
from followup.models import Agency, Role, User
from followup.services import Services
from followup.staff import users
from followup.texts import message_templates

DEMO_ACCOUNTS = (
    ("commander", Role.COMMANDER, "Demo Commander"),
    ("admin", Role.ADMIN, "Demo Admin"),
    ("viewer", Role.VIEWER, "Demo Viewer"),
)


def prepare_database(services: Services) -> Agency:
    """Apply migrations, make sure the default agency exists, and give every agency any default
    text it lacks (a new release adds texts; an agency's own edits are never overwritten)."""
    migrate.upgrade(services.settings.database_url)
    now = services.clock.now()
    with services.db.begin() as session:
        default = registry.ensure_default_agency(session, services.settings, now=now)
        for agency in session.scalars(select(Agency)):
            message_templates.seed_defaults(session, agency, now=now)
        return default


def ensure_demo_accounts(services: Services, agency: Agency) -> str:
    """Create the demo accounts the first time; return their shared password.

    For trying the service out only (`make run`): the password is kept in the instance folder
    so the banner can show it on every start.
    """
    path = services.settings.instance_path / "demo_password"
    if path.is_file():
        password = path.read_text().strip()
    else:
        password = "demo-" + secrets.token_urlsafe(9)
        private_folder(path.parent)
        path.write_text(password)
        path.chmod(0o600)
    with services.db.begin() as session:
        for username, role, name in DEMO_ACCOUNTS:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                users.create_user(  # the demo's names are reserved names
                    session,
                    session.get(Agency, agency.id),
                    username,
                    role,
                    password,
                    now=services.clock.now(),
                    display_name=name,
                    reserved_ok=True,
                )
    return password
