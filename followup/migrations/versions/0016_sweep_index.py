"""An index for the sweep's lost-answer look-up: follow-ups by status, in id order

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:15:00

Every sweep first asks which follow-ups are ``unknown`` and due for a look-up, oldest id first
(``SendOutcomes.look_up_lost``: ``WHERE status = ? AND (...) ORDER BY id LIMIT n``). With a
million follow-ups waiting, SQLite's statistics say a status matches half the table, so its
planner scanned the whole table in id order to skip the sort (SCAN followups: about 0.3 s a
sweep with 1,000,000 waiting, where the claim itself takes under a millisecond). With
``(status, id)`` it reads the rows of that status already in id order: SEARCH followups USING
INDEX ix_followups_status_id (status=?). PostgreSQL's custom plans already used the status
index; this one also spares them the sort.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE INDEX alone (no batch, no table copy on SQLite): the tables' triggers stay.
    op.create_index("ix_followups_status_id", "followups", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_followups_status_id", table_name="followups")
