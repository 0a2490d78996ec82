"""Reading query plans in tests: bulk rows made by the database itself, the statements a piece
of code really issues, and their plans with EXPLAIN (SQLite or PostgreSQL). Nothing is timed."""

from __future__ import annotations

from sqlalchemy import event


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
