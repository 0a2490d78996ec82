"""Consent to case updates by answering YES to an offer text, and private case-page links

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 10:00:00

Columns are added (ALTER TABLE ADD COLUMN, no table copy on SQLite: the report triggers stay),
and one table is created: ``case_links`` keeps only a hash of each link's token.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import followup.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    stamp = followup.core.db.UTCDateTime(timezone=True)
    op.add_column(
        "agencies",
        sa.Column("case_update_offers", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("calls", sa.Column("updates_consented_at", stamp, nullable=True))
    op.add_column("calls", sa.Column("updates_phone", sa.String(20), nullable=True))
    op.create_table(
        "case_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("followup_id", sa.Integer(), sa.ForeignKey("followups.id"), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_case_links_call_id", "case_links", ["call_id"])


def downgrade() -> None:
    op.drop_index("ix_case_links_call_id", table_name="case_links")
    op.drop_table("case_links")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+ and PostgreSQL): no copy, the triggers stay.
    op.drop_column("calls", "updates_phone")
    op.drop_column("calls", "updates_consented_at")
    op.drop_column("agencies", "case_update_offers")
