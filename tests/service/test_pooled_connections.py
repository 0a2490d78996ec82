"""Pooled PostgreSQL connections: a connection that rested is checked before a request uses it,
one used a moment ago is not (a round trip saved in every request; issue 23).

The server closes a pooled connection (as a restart or an idle timeout does) with
pg_terminate_backend; the next checkout after a rest must hand out a working connection
without the caller seeing an error. No test sleeps: the rest is the module's threshold set to
zero, or left at its default between two immediate uses.
"""

from sqlalchemy import create_engine, text

from followup.core import db as db_module
from followup.core.db import Database


def _backend_pid(database: Database) -> int:
    with database.engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def _pings(database: Database, monkeypatch) -> list[int]:
    """Count the pings the engine's dialect makes from now on."""
    made: list[int] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_connection):
        made.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return made


def test_a_rested_connection_closed_by_the_server_is_replaced_unseen(postgres_url, monkeypatch):
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(database)
        _terminate(postgres_url, first)
        monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)  # every connection has rested
        pings = _pings(database, monkeypatch)

        second = _backend_pid(database)  # no error: the dead connection was replaced

        assert second != first
        assert pings, "the rested connection was not checked"
    finally:
        database.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_url, monkeypatch):
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(database)
        pings = _pings(database, monkeypatch)

        again = _backend_pid(database)

        assert again == first  # the same pooled connection
        assert pings == []  # handed out without a round trip
    finally:
        database.dispose()
