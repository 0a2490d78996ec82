"""Indexes for the hot paths' one read each: a number's latest check-in text and its unsolicited
thread (a reply), a number's check-ins within the frequency cap (a closed call)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 05:20:00

The inbound webhook reads, for the number that texted, the agency's latest outbound check-in
text to it and its open unsolicited conversation (``followup.replies.store``). With only
``(agency_id, phone)`` to go on, SQLite (no statistics) chose ``(agency_id, direction,
created_at)`` for the first, walking every outbound text of the agency newest first until one
was to that number (every one, for a number never texted), and the unique index on
``followup_id`` for the second, walking every unsolicited conversation: the read was half of a
reply's server time with 3,000 texts stored and grew with the table. These indexes replace the
two ``(agency_id, phone)`` ones (each starts with those columns, so every query that used them
still can) and make both lookups a seek of one number's rows.

Intake's read of a new closed call asks whether the number had a check-in within the agency's
frequency cap. Since migration 0018's ``(agency_id, purpose, call_id, status)``, SQLite chose it
over ``(agency_id, phone)`` and walked every check-in of the agency. ``(agency_id, phone,
purpose)`` replaces ``(agency_id, phone)`` on ``followups`` for the same reason.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE/DROP INDEX alone (no batch, no table copy on SQLite): the tables' triggers stay.
    op.create_index(
        "ix_messages_agency_phone_direction_created",
        "messages",
        ["agency_id", "phone", "direction", "created_at"],
    )
    op.drop_index("ix_messages_agency_phone", table_name="messages")
    op.create_index(
        "ix_conversations_agency_phone_followup",
        "conversations",
        ["agency_id", "phone", "followup_id"],
    )
    op.drop_index("ix_conversations_agency_phone", table_name="conversations")
    op.create_index(
        "ix_followups_agency_phone_purpose", "followups", ["agency_id", "phone", "purpose"]
    )
    op.drop_index("ix_followups_agency_phone", table_name="followups")


def downgrade() -> None:
    op.create_index("ix_followups_agency_phone", "followups", ["agency_id", "phone"])
    op.drop_index("ix_followups_agency_phone_purpose", table_name="followups")
    op.create_index("ix_conversations_agency_phone", "conversations", ["agency_id", "phone"])
    op.drop_index("ix_conversations_agency_phone_followup", table_name="conversations")
    op.create_index("ix_messages_agency_phone", "messages", ["agency_id", "phone"])
    op.drop_index("ix_messages_agency_phone_direction_created", table_name="messages")
