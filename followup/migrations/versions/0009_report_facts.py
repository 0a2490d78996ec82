"""Report facts: one row per call as the reports count it, kept current by triggers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 18:00:00

Triggers on the tables a report reads append the call's id to ``report_log`` whenever a column
a figure depends on changes; ``followup.report_facts.refresh`` rebuilds those calls' facts (the
sender's scheduler does so every minute, and a report page before it reads). Every existing call
is logged here, so the first refresh after this upgrade counts the whole history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIA_CONVERSATION = (
    "SELECT f.call_id FROM conversations c JOIN followups f ON f.id = c.followup_id "
    "WHERE c.id = {row}.conversation_id"
)
# table: (columns whose update matters, the calls a row belongs to, as SELECT over {row})
WATCHED = {
    "calls": (("status", "closed_at", "district", "call_type", "agency_id"), "SELECT {row}.id"),
    "followups": (
        ("status", "reason", "error_code", "language", "call_id"),
        "SELECT {row}.call_id",
    ),
    "conversations": (
        ("rating", "followup_id"),
        "SELECT call_id FROM followups WHERE id = {row}.followup_id",
    ),
    "messages": (
        ("status", "error_code", "sid", "category", "followup_id", "conversation_id"),
        "SELECT call_id FROM followups WHERE id = {row}.followup_id UNION " + _VIA_CONVERSATION,
    ),
    "callbacks": (
        ("status", "resolved_at", "due_by", "created_at", "conversation_id"),
        _VIA_CONVERSATION,
    ),
    "callback_events": (
        ("kind", "created_at", "callback_id"),
        "SELECT f.call_id FROM callbacks b JOIN conversations c ON c.id = b.conversation_id "
        "JOIN followups f ON f.id = c.followup_id WHERE b.id = {row}.callback_id",
    ),
}
# An agency's new time zone moves its calls' dates and shifts (updates only).
ZONE = (("timezone",), "SELECT id FROM calls WHERE agency_id = {row}.id")


def _triggers():
    """(name, table, event, update columns or (), the INSERT the trigger runs)."""
    for table, (columns, select) in [*WATCHED.items(), ("agencies", ZONE)]:
        events = ("UPDATE",) if table == "agencies" else ("INSERT", "UPDATE", "DELETE")
        for event in events:
            if event == "UPDATE":  # a row moved between calls counts for both
                rows = select.format(row="NEW") + " UNION " + select.format(row="OLD")
            else:
                rows = select.format(row="OLD" if event == "DELETE" else "NEW")
            watched = columns if event == "UPDATE" else ()
            name = f"report_log_{table}_{event.lower()}"
            yield name, table, event, watched, f"INSERT INTO report_log (call_id) {rows}"


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
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_log_call", "report_log", ["call_id"], unique=False)
    # Report comments, newest first: the agency's replies by time.
    op.create_index(
        "ix_messages_agency_direction_created",
        "messages",
        ["agency_id", "direction", "created_at"],
        unique=False,
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, event, watched, insert in _triggers():
        of = f" OF {', '.join(watched)}" if watched else ""
        if postgresql:
            when = (
                " WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watched) + ")"
                if watched
                else ""
            )
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {insert}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            when = (
                " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
                if watched
                else ""
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} "
                f"BEGIN {insert}; END"
            )
    op.execute("INSERT INTO report_log (call_id) SELECT id FROM calls ORDER BY id")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table, _event, _watched, _insert in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_messages_agency_direction_created", table_name="messages")
    op.drop_index("ix_report_log_call", table_name="report_log")
    op.drop_table("report_log")
    op.drop_index("ix_report_replies_period", table_name="report_replies")
    op.drop_table("report_replies")
    op.drop_index("ix_report_facts_period", table_name="report_facts")
    op.drop_table("report_facts")
