"""An index for the urgent banner: every signed-in page asks every few seconds which urgent
callbacks are unresolved

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE INDEX alone (no batch, no table copy on SQLite): the tables' triggers stay.
    op.create_index("ix_callbacks_agency_urgent", "callbacks", ["agency_id", "priority", "status"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_agency_urgent", table_name="callbacks")
