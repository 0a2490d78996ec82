"""Texts across the whole call: the call's stages (received, dispatched, arrived), the agencies'
per-purpose settings, case updates, and a purpose on each follow-up (several per call)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:00:00

On SQLite, changing a column's nullability or dropping a constraint copies the table, and a
copied table loses its triggers: the report triggers of ``calls`` and ``followups`` (0009) are
created again here, from 0009's own definitions.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import followup.core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables SQLite copies below, and agencies: its trigger names calls, and SQLite refuses to
# rename the copy of calls into place while a trigger refers to a table that is not there.
_COPIED = ("calls", "followups", "agencies")


def _report_triggers():
    """0009's module (its file name is not an importable name)."""
    path = Path(__file__).with_name("0009_report_facts.py")
    spec = importlib.util.spec_from_file_location("followup_migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _recreate_triggers(tables: Sequence[str] = _COPIED) -> None:
    """Create the report triggers of ``tables`` again (SQLite only)."""
    module = _report_triggers()
    for name, table, event, watched, statements in module._triggers(False):
        if table not in tables:
            continue
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        of = f" OF {', '.join(watched)}" if watched else ""
        when = f" WHEN ({module._changed(watched, False)})" if watched else ""
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} "
            f"BEGIN {'; '.join(statements)}; END"
        )


def _sqlite_foreign_keys(on: bool) -> None:
    """Turn SQLite's foreign key checks on or off for this connection.

    Copying a table drops the old one, which other tables' rows refer to; SQLite's own recipe
    for that is to turn the checks off (only possible outside a transaction: the migration's
    transaction is committed here and a new one begun), then check every reference."""
    bind = op.get_bind()
    if on:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table copies: {broken[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    bind.exec_driver_sql("BEGIN")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(False)
        op.execute("DROP TRIGGER IF EXISTS report_log_agencies_update")
    for column in (
        sa.Column("confirmation_texts", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("delay_texts", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("delay_minutes", sa.Integer(), nullable=False, server_default="30"),
        sa.Column("delay_rules", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("case_update_texts", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("case_page", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("resources_url", sa.String(500), nullable=True),
    ):
        op.add_column("agencies", column)

    stamp = followup.core.db.UTCDateTime(timezone=True)
    for column in (
        sa.Column("created_at_cad", stamp, nullable=True),
        sa.Column("dispatched_at", stamp, nullable=True),
        sa.Column("arrived_at", stamp, nullable=True),
        sa.Column("priority", sa.String(16), nullable=True),
        sa.Column("officer_name", sa.String(200), nullable=True),
    ):
        op.add_column("calls", column)
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("closed_at", existing_type=stamp, nullable=True)

    op.create_table(
        "case_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id"), nullable=False),
        sa.Column("update_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("occurred_at", stamp, nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("victim_notify", sa.Boolean(), nullable=False),
        sa.Column("notify_phone", sa.String(20), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "update_id"),
    )
    op.create_index("ix_case_updates_call_id", "case_updates", ["call_id"])

    op.add_column(
        "followups",
        sa.Column("purpose", sa.String(48), nullable=False, server_default="checkin"),
    )
    # The unique constraint of 0001 has no name on SQLite: name it for the copy to drop it.
    with op.batch_alter_table(
        "followups",
        naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
        reflect_kwargs={},
    ) as batch:
        batch.add_column(sa.Column("case_update_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_followups_case_update_id", "case_updates", ["case_update_id"], ["id"]
        )
        batch.create_unique_constraint("uq_followups_case_update_id", ["case_update_id"])
        batch.drop_constraint(
            "uq_followups_call_id" if sqlite else "followups_call_id_key", type_="unique"
        )
    op.create_index(
        "uq_followups_call_purpose",
        "followups",
        ["call_id", "purpose"],
        unique=True,
        sqlite_where=sa.text("case_update_id IS NULL"),
        postgresql_where=sa.text("case_update_id IS NULL"),
    )
    if sqlite:
        _recreate_triggers()
        _sqlite_foreign_keys(True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(False)  # as in upgrade
        op.execute("DROP TRIGGER IF EXISTS report_log_agencies_update")
    # Only check-ins existed before: the other texts keep their messages, unlinked.
    op.execute(
        "UPDATE messages SET followup_id = NULL WHERE followup_id IN "
        "(SELECT id FROM followups WHERE purpose <> 'checkin')"
    )
    op.execute(
        "UPDATE conversations SET followup_id = NULL WHERE followup_id IN "
        "(SELECT id FROM followups WHERE purpose <> 'checkin')"
    )
    op.execute("DELETE FROM followups WHERE purpose <> 'checkin'")
    op.drop_index("uq_followups_call_purpose", table_name="followups")
    with op.batch_alter_table("followups") as batch:
        batch.drop_constraint("uq_followups_case_update_id", type_="unique")
        batch.drop_constraint("fk_followups_case_update_id", type_="foreignkey")
        batch.drop_column("case_update_id")
        batch.drop_column("purpose")
        batch.create_unique_constraint(
            "uq_followups_call_id" if sqlite else "followups_call_id_key", ["call_id"]
        )
    op.drop_index("ix_case_updates_call_id", table_name="case_updates")
    op.drop_table("case_updates")
    # A call not closed yet had no place before: it counts as reopened (no check-in).
    op.execute(
        "UPDATE calls SET status = 'reopened', closed_at = received_at WHERE closed_at IS NULL"
    )
    op.execute(
        "UPDATE calls SET status = 'reopened' "
        "WHERE status IN ('received', 'dispatched', 'arrived')"
    )
    with op.batch_alter_table("calls") as batch:
        batch.alter_column(
            "closed_at", existing_type=followup.core.db.UTCDateTime(timezone=True), nullable=False
        )
        for name in ("officer_name", "priority", "arrived_at", "dispatched_at", "created_at_cad"):
            batch.drop_column(name)
    with op.batch_alter_table("agencies") as batch:
        for name in (
            "resources_url",
            "case_page",
            "case_update_texts",
            "delay_rules",
            "delay_minutes",
            "delay_texts",
            "confirmation_texts",
        ):
            batch.drop_column(name)
    if sqlite:
        _recreate_triggers()
        _sqlite_foreign_keys(True)
