"""`followup user ...` and the demo accounts `make run` prints."""

from __future__ import annotations

import pyotp
from click.testing import CliRunner
from sqlalchemy import select

from followup.cli import main
from followup.models import AuditEvent, User
from followup.setup import ensure_demo_accounts
from followup.staff.users import authenticate
from tests.support.web import PASSWORD


def test_an_account_is_created_from_the_command_line_and_can_sign_in(cli, db, clock):  # noqa: F811
    created = CliRunner().invoke(
        main,
        ["user", "create", "--username", "Lee", "--role", "commander", "--password-stdin"],
        input=PASSWORD + "\n",
        env=cli.env,
    )

    assert created.exit_code == 0, created.output
    with db.begin() as session:
        assert authenticate(session, "lee", PASSWORD, None, now=clock.now(), ip=None).user
        assert session.scalar(select(AuditEvent.action)) == "user_created"


def test_a_short_password_or_unknown_role_is_refused(cli):  # noqa: F811
    short = CliRunner().invoke(
        main,
        ["user", "create", "--username", "lee", "--role", "commander", "--password-stdin"],
        input="short\n",
        env=cli.env,
    )
    role = cli("user", "create", "--username", "lee", "--role", "chief", ok=False)

    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert role.exit_code == 2


def test_totp_reset_and_disable(cli, db, clock):  # noqa: F811
    CliRunner().invoke(
        main,
        ["user", "create", "--username", "lee", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=cli.env,
    )

    uri = cli("user", "totp", "lee").stdout.strip()
    new_password = cli("user", "reset-password", "lee").stdout.strip()
    with db.begin() as session:
        version = session.scalar(select(User.session_version).where(User.username == "lee"))
    cli("user", "disable", "lee")

    assert uri.startswith("otpauth://totp/") and "Westlake" in uri
    with db.begin() as session:
        user = session.scalar(select(User).where(User.username == "lee"))
        assert pyotp.parse_uri(uri).secret == user.totp_secret
        assert not user.active
        assert user.session_version == version + 1  # cookies issued before stop working
        assert (
            authenticate(session, "lee", new_password, None, now=clock.now(), ip=None).user is None
        )


def test_demo_accounts_are_made_once_and_share_one_printed_password(services, agency, db):
    first = ensure_demo_accounts(services, agency)
    second = ensure_demo_accounts(services, agency)

    assert first == second and len(first) >= 12
    with db.Session() as session:
        roles = {u.username: u.role for u in session.scalars(select(User))}
    assert roles == {"commander": "commander", "admin": "admin", "viewer": "viewer"}
