"""Commanders' corrections of triage, kept with who and when

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: nothing the report triggers watch changes.
    op.create_table(
        "triage_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("engine_category", sa.String(length=16), nullable=False),
        sa.Column("engine_urgent", sa.Boolean(), nullable=False),
        sa.Column("engine_opt_out", sa.Boolean(), nullable=False),
        sa.Column("engine_callback", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("opt_out", sa.Boolean(), nullable=False),
        sa.Column("stopped_texts", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_triage_corrections_message", "triage_corrections", ["message_id", "id"])
    op.create_index(
        "ix_triage_corrections_agency_created", "triage_corrections", ["agency_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_triage_corrections_agency_created", table_name="triage_corrections")
    op.drop_index("ix_triage_corrections_message", table_name="triage_corrections")
    op.drop_table("triage_corrections")
