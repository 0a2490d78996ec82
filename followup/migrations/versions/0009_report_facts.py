"""Report facts: one row per call as the reports count it, kept current by triggers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 18:00:00

Triggers on the tables a report reads append the changed row's keys (call, follow-up,
conversation or callback id) to ``report_log`` whenever a column a figure depends on changes;
``followup.report_facts`` rebuilds those calls' facts (the sender's scheduler every minute, and
a report page before it reads). Every existing call is logged here, so the first refresh after
this upgrade counts the whole history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (columns whose update matters, {report_log column: the row's column}). A trigger writes
# the keys the row has at hand, without looking anything up (a lookup in a trigger runs on every
# write, with a plan cached from whenever the connection first ran it); the refresh resolves
# them to calls in bulk.
WATCHED = {
    "calls": (("status", "closed_at", "district", "call_type", "agency_id"), {"call_id": "id"}),
    "followups": (
        ("status", "reason", "error_code", "language", "call_id"),
        {"call_id": "call_id"},
    ),
    "conversations": (("rating", "followup_id"), {"followup_id": "followup_id"}),
    "messages": (
        ("status", "error_code", "sid", "category", "followup_id", "conversation_id"),
        {"followup_id": "followup_id", "conversation_id": "conversation_id"},
    ),
    "callbacks": (
        ("status", "resolved_at", "due_by", "created_at", "conversation_id"),
        {"conversation_id": "conversation_id"},
    ),
    "callback_events": (("kind", "created_at", "callback_id"), {"callback_id": "callback_id"}),
}
# An agency's new time zone moves its calls' dates and shifts (updates only; rare).
ZONE_CHANGE = "INSERT INTO report_log (call_id) SELECT id FROM calls WHERE agency_id = NEW.id"


def _log(keys: dict[str, str], row: str, also: str | None = None) -> str:
    """INSERT the ``row``'s keys into report_log (when it has any; ``also``: a further
    condition)."""
    present = " OR ".join(f"{row}.{column} IS NOT NULL" for column in keys.values())
    condition = f"({present})" + (f" AND ({also})" if also else "")
    return (
        f"INSERT INTO report_log ({', '.join(keys)}) "
        f"SELECT {', '.join(f'{row}.{column}' for column in keys.values())} WHERE {condition}"
    )


def _changed(columns, postgresql: bool) -> str:
    """SQL that is true when any of ``columns`` differs between OLD and NEW (NULL-safe)."""
    differs = "IS DISTINCT FROM" if postgresql else "IS NOT"
    return " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in columns)


def _triggers(postgresql: bool):
    """(name, table, event, update columns or (), the statements the trigger runs)."""
    for table, (columns, keys) in WATCHED.items():
        moved = _changed(keys.values(), postgresql)
        yield f"report_log_{table}_insert", table, "INSERT", (), [_log(keys, "NEW")]
        # A row that moved to another call counts for both.
        yield (
            f"report_log_{table}_update",
            table,
            "UPDATE",
            columns,
            [_log(keys, "NEW"), _log(keys, "OLD", moved)],
        )
        yield f"report_log_{table}_delete", table, "DELETE", (), [_log(keys, "OLD")]
    yield "report_log_agencies_update", "agencies", "UPDATE", ("timezone",), [ZONE_CHANGE]


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("call_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("shift", sa.String(length=8), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("call_type", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("delivery", sa.String(length=12), nullable=True),
        sa.Column("detail", sa.String(length=32), nullable=True),
        sa.Column("replied", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("callback", sa.Integer(), nullable=False),
        sa.Column("callback_resolved", sa.Integer(), nullable=False),
        sa.Column("callback_in_sla", sa.Integer(), nullable=False),
        sa.Column("first_attempt_seconds", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("call_id"),
    )
    op.create_index(
        "ix_report_facts_period",
        "report_facts",
        [
            "agency_id",
            "day",
            "status",
            "delivery",
            "detail",
            "replied",
            "rating",
            "shift",
            "district",
            "call_type",
            "language",
            "callback",
            "callback_resolved",
            "callback_in_sla",
            "first_attempt_seconds",
        ],
        unique=False,
    )
    op.create_table(
        "report_replies",
        sa.Column("call_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("shift", sa.String(length=8), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("call_type", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", "category"),
    )
    op.create_index(
        "ix_report_replies_period",
        "report_replies",
        ["agency_id", "day", "category", "shift", "district", "call_type", "language", "replies"],
        unique=False,
    )
    op.create_table(
        "report_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    # Report comments, newest first: the agency's replies by time.
    op.create_index(
        "ix_messages_agency_direction_created",
        "messages",
        ["agency_id", "direction", "created_at"],
        unique=False,
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, event, watched, statements in _triggers(postgresql):
        of = f" OF {', '.join(watched)}" if watched else ""
        when = f" WHEN ({_changed(watched, postgresql)})" if watched else ""
        body = "; ".join(statements)
        if postgresql:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} "
                f"BEGIN {body}; END"
            )
    op.execute("INSERT INTO report_log (call_id) SELECT id FROM calls ORDER BY id")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, _event, _watched, _statements in _triggers(postgresql):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_messages_agency_direction_created", table_name="messages")
    op.drop_table("report_log")
    op.drop_index("ix_report_replies_period", table_name="report_replies")
    op.drop_table("report_replies")
    op.drop_index("ix_report_facts_period", table_name="report_facts")
    op.drop_table("report_facts")
