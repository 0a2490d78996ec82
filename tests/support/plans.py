"""Reading query plans in tests: bulk rows made by the database itself, the statements a piece
of code really issues, and their plans with EXPLAIN (SQLite or PostgreSQL). Nothing is timed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event


def numbered(db, now: datetime) -> tuple[str, str, object]:
    """For ``INSERT ... SELECT`` of ``:count`` rows numbered ``i``: the statement's prefix (a
    recursive CTE on SQLite), its FROM source, and ``now`` as the dialect's literal wants it."""
    if db.engine.dialect.name == "sqlite":
        return (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)",
            "n",
            now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        )
    return "", "generate_series(1, :count) AS n(i)", now


def statements(db, run, keep) -> list[tuple[str, object]]:
    """The statements (with their parameters) that ``run()`` issues and ``keep`` accepts."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if keep(statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def plan(db, statement: str, parameters) -> str:
    """The database's plan of ``statement``, one line per step."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(row[-1] for row in rows)
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(row[0] for row in rows)
