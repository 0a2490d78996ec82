"""An index on calls by agency and closed time, for reports over a period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_calls_agency_closed", "calls", ["agency_id", "closed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calls_agency_closed", table_name="calls")
