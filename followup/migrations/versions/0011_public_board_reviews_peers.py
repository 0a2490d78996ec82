"""The public feedback board and peer benchmarking: the agencies' opt-ins, reviewed comments,
and the stamps the board's cache is keyed by

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE TABLE (no table copy on SQLite): the report trigger on
    # agencies stays.
    op.add_column(
        "agencies",
        sa.Column("public_board", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "agencies",
        sa.Column("peer_benchmark", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "agencies",
        sa.Column("board_embed_origins", sa.JSON(), nullable=False, server_default="[]"),
    )
    op.create_table(
        "comment_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index(
        "ix_comment_reviews_board", "comment_reviews", ["agency_id", "decision", "day"]
    )
    op.create_table(
        "report_stamps",
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column(
            "facts_version",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "comments_version",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("agency_id"),
    )


def downgrade() -> None:
    op.drop_table("report_stamps")
    op.drop_index("ix_comment_reviews_board", table_name="comment_reviews")
    op.drop_table("comment_reviews")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("board_embed_origins")
        batch.drop_column("peer_benchmark")
        batch.drop_column("public_board")
