"""What each text was for: messages.purpose (the check-in, an automatic reply, an alert, a staff
text), so the outbox and the callback page can say it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy on SQLite): the report triggers on messages stay.
    op.add_column("messages", sa.Column("purpose", sa.String(48), nullable=True))
    # Texts sent before this column: a check-in is the outbound text of a follow-up; the
    # purpose of older automatic replies is not known (they stay empty).
    op.execute(
        "UPDATE messages SET purpose = 'checkin' "
        "WHERE direction = 'outbound' AND followup_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("purpose")
