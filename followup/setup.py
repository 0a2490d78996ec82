"""Bring a database to a working state: the newest schema and the default agency."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import select

from followup.agencies import registry
from followup.core import migrate
from followup.core.files import private_folder
from followup.models import Agency, Call, Role, RosterMember, User
from followup.services import Services
from followup.staff import users
from followup.texts import message_templates

DEMO_ACCOUNTS = (
    ("commander", Role.COMMANDER, "Demo Commander"),
    ("admin", Role.ADMIN, "Demo Admin"),
    ("viewer", Role.VIEWER, "Demo Viewer"),
)
# The demo's on-duty commander: a fictional number (555-01xx is reserved for fiction), so an
# urgent reply's alert text shows in the outbox and the phone simulator.
DEMO_COMMANDER = ("Demo Commander (on duty)", "+12025550199")


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
    """Create the demo accounts and the demo on-duty commander the first time; return the
    accounts' shared password.

    For trying the service out only (`make run`): the password is kept in the instance folder
    so the banner can show it on every start.
    """
    path = services.settings.instance_path / "demo_password"
    if path.is_file():
        password = path.read_text().strip()
    else:
        # Letters and digits only: it is read off the banner and typed.
        alphabet = string.ascii_letters + string.digits
        password = "demo-" + "".join(secrets.choice(alphabet) for _ in range(12))
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
        _ensure_demo_roster(session, agency.id, services.clock.now())
        _demo_waiting_call(session, session.get(Agency, agency.id), services.clock.now())
    return password


# The demo caller still waiting for an officer: a fictional number, shown in the simulator.
DEMO_WAITING_CALLER = "+12025550142"


def _demo_waiting_call(session, agency: Agency, now) -> None:
    """Report a call received 31 minutes ago with no unit yet, once a day: the simulator then
    shows its confirmation and, at the next sweep, its delay text (when the agency sends them)."""
    from datetime import timedelta

    from followup.intake.calls import record_call_event
    from followup.intake.schema import CallEvent

    event = CallEvent(
        call_id=f"DEMO-WAIT-{now:%y%m%d}",
        status="received",
        received_at=now - timedelta(minutes=31),
        call_type="NOISE COMPLAINT",
        caller_phone=DEMO_WAITING_CALLER,
        caller_name="Sam Ortiz",
    )
    if session.scalar(
        select(Call.id).where(Call.agency_id == agency.id, Call.external_id == event.call_id)
    ) is None:
        record_call_event(session, agency, event, now=now)


def _ensure_demo_roster(session, agency_id: int, now) -> None:
    """Put the demo commander on duty when the agency's roster is empty (taken off duty, the
    commander stays off; replaced by someone else, it does not come back)."""
    if session.scalar(select(RosterMember.id).where(RosterMember.agency_id == agency_id)):
        return
    name, phone = DEMO_COMMANDER
    session.add(
        RosterMember(agency_id=agency_id, name=name, phone=phone, on_duty=True, created_at=now)
    )
