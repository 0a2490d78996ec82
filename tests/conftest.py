"""Fixtures: every database test runs twice, on SQLite and on PostgreSQL.

SQLite: each test gets its own file, copied from one migrated template (fast, isolated).
PostgreSQL: one database per test session, migrated once, emptied between tests. It comes from
FOLLOWUP_TEST_DATABASE_URL (`.ci/start-postgres` prints one); without it the PostgreSQL half
skips with a reason, except under CI, where it fails.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from followup import create_app
from followup.agencies.registry import ensure_default_agency
from followup.core import logs, migrate
from followup.core.clock import FrozenClock
from followup.core.config import Settings
from followup.core.db import Base, Database
from followup.services import Services
from tests.support.factories import ApiClient, FakeGateway

# Monday 23 November 2026, 10:00 in New York (EST, UTC-5): outside quiet hours.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TEST_TOKEN = "test-intake-token"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "followup.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    base = os.environ.get("FOLLOWUP_TEST_DATABASE_URL", "").strip()
    if not base:
        message = "PostgreSQL half skipped: set FOLLOWUP_TEST_DATABASE_URL (.ci/start-postgres)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"followup_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "followup.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_env(
        {},
        database_url=database_url,
        instance_path=tmp_path / "instance",
        secret_key="test-secret",
        intake_token=TEST_TOKEN,
        agency_name="Westlake Police",
        timezone="America/New_York",
        simulator=True,  # as `make run` has it; tests of its absence turn it off
    )


@pytest.fixture
def services(settings, clock, gateway):
    db = Database(settings.database_url)
    built = Services.build(settings, clock=clock, gateway=gateway, db=db)
    with db.begin() as session:
        ensure_default_agency(session, settings, now=clock.now())
    yield built
    db.dispose()


@pytest.fixture
def db(services) -> Database:
    return services.db


@pytest.fixture
def agency(services):
    from sqlalchemy import select

    from followup.models import Agency

    with services.db.Session() as session:
        return session.scalar(select(Agency).where(Agency.slug == services.settings.agency_slug))


@pytest.fixture
def app(services):
    return create_app({"SERVICES": services, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client, TEST_TOKEN)


@pytest.fixture
def sender(services):
    built = services.sender(worker_id="test-sender")
    yield built
    built.close()


@pytest.fixture
def json_lines():
    """Capture what the JSON handler writes, as parsed lines."""
    stream = io.StringIO()
    handler = logs.build_handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("followup", "tests")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
