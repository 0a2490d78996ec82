"""Commendations: who a caller's praise names (officer, unit, call-taker), with the call's ids;
the call-taker on calls

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 10:00:00

Adding nullable columns and a new table copies no table on SQLite, so the report triggers of
``calls`` (0009) stay as they are. Replies kept before this release keep their named words
(``messages.commendation``) and get no rows here: who was on those calls is not re-read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("call_taker_id", sa.String(length=64), nullable=True))
    op.add_column("calls", sa.Column("call_taker_name", sa.String(length=200), nullable=True))
    op.create_table(
        "commendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("named", sa.String(length=200), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("officer_name", sa.String(length=200), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("call_taker_id", sa.String(length=64), nullable=True),
        sa.Column("call_taker_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "role"),
    )
    op.create_index("ix_commendations_call", "commendations", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_commendations_call", table_name="commendations")
    op.drop_table("commendations")
    # Plain DROP COLUMN (SQLite 3.35+): no table copy, so the report triggers stay.
    op.drop_column("calls", "call_taker_name")
    op.drop_column("calls", "call_taker_id")
