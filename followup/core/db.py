"""The database: engine and sessions, and the column type that keeps time in aware UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import DateTime, Engine, String, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from followup.core.files import private_file, private_folder


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; always hand back aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: store naive UTC text, which also sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StrEnumType(TypeDecorator):
    """A ``StrEnum`` column: stored as its plain value (VARCHAR), read back as the enum.

    A value that is not one of the enum's is refused on the way in, so a typo cannot be stored."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    pass


def make_engine(url: str, **kwargs) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and enforced foreign keys.

    Statement parameters are hidden from database errors: they hold callers' numbers and words,
    and an error's text ends up in logs and tracebacks."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Callers' numbers and words, password hashes, TOTP secrets: this user's only. The
            # folder is made private when created here (an existing one may be shared, /tmp).
            path = Path(parsed.database)
            private_folder(path.parent, tighten=False)
            private_file(path)
            # SQLite gives its -wal and -shm files the database file's mode; older ones may not
            # have it yet.
            for suffix in ("-wal", "-shm"):
                sidecar = path.with_name(path.name + suffix)
                if sidecar.exists():
                    private_file(sidecar)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "busy_timeout=10000",
                "foreign_keys=ON",
            ):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
            # Let SQLAlchemy, not the driver, start transactions (pysqlite's own handling
            # breaks SAVEPOINT): see do_begin below.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            # IMMEDIATE takes the write lock up front and waits for it (busy_timeout). A deferred
            # transaction that reads first and writes later fails at once with SQLITE_BUSY when
            # another connection wrote in between, which concurrent senders and intake would hit.
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # a single read asked for no transaction (the public board's check)
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


IDLE_BEFORE_PING = 10.0  # seconds a pooled connection may rest before it is checked on checkout


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection that rested ``IDLE_BEFORE_PING`` seconds before handing it out.

    A server restart or an idle timeout closes connections the pool still holds; one is pinged
    (``SELECT 1``) and replaced if dead before a request uses it. SQLAlchemy's
    ``pool_pre_ping`` does this on every checkout: a round trip in every request (0.1-0.4 ms of
    CPU a request on PostgreSQL, alternating runs of the intake path), though a connection used
    a moment ago is as alive as one can know. Under load every connection is in use, so nothing is
    pinged; after a quiet spell, the first use is. A server that restarts under load fails the
    requests that were using it, as it would with a ping on each (SQLAlchemy then discards the
    pool's other connections too)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_conn, record):
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_rested(dbapi_conn, record, _proxy):
        rested = record.info.get("rested_since")
        if rested is not None and time.monotonic() - rested < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool closes this connection and hands out a new one.
            raise exc.DisconnectionError("a pooled connection was closed by the server") from error


def insert_or_ignore(dialect: str, table, *columns: str):
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` on SQLite or PostgreSQL: a row that would
    break the unique index on ``columns`` is not inserted, without an error that would end the
    transaction (on PostgreSQL it waits for a concurrent insert of the same key to commit)."""
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(columns))


class rare(ColumnElement):  # noqa: N801 (used like a SQL function)
    """A condition few rows meet whatever the table's statistics say: ``rare(status ==
    'sending')``. SQLite's statistics keep one average number of rows per value of an indexed
    column, so a status that 1,000,000 rows share makes every status look that common, and the
    planner scans the table for the dozen rows in flight; on SQLite this renders as
    ``likelihood(condition, 0.0001)``, the planner's documented hint, so the index is used.
    PostgreSQL's statistics see the skew: the condition is rendered as is."""

    inherit_cache = True
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]

    def __init__(self, condition):
        self.condition = condition


@compiles(rare)
def _rare(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(rare, "sqlite")
def _rare_on_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, 0.0001)"


class Database:
    """An engine and its session factory; one per process, shared by the web app and the jobs."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """Yield a session in a transaction that commits on success and rolls back on error."""
        with self.Session.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
