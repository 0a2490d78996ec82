"""Covering indexes for reports: a call's follow-up, conversation and texts read from indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_followups_call_report", "followups", ["call_id", "status", "reason", "error_code"]),
    ("ix_conversations_followup_rating", "conversations", ["followup_id", "rating"]),
    ("ix_messages_followup_outcome", "messages", ["followup_id", "status", "sid", "error_code"]),
    ("ix_messages_conversation_category", "messages", ["conversation_id", "direction", "category"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # SQLite's planner picks a covering index over a unique one only when it has statistics for
    # it (and PostgreSQL plans better with fresh ones too).
    for table in sorted({table for _name, table, _columns in INDEXES}):
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
