"""The call-type register: every label an agency has sent, its count and IT's decision; the
agency option that holds check-ins for labels nobody has reviewed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(label: str) -> str:
    # As followup.eligibility.call_types.label_key has it (copied: a migration stays as written).
    return " ".join(label.split()).upper()[:200]


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy on SQLite): the report trigger on agencies stays.
    op.add_column(
        "agencies",
        sa.Column(
            "hold_unreviewed_call_types", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    register = op.create_table(
        "call_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False, server_default="unreviewed"),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "key"),
    )
    _backfill(register)


def _backfill(register: sa.Table) -> None:
    """Register every label already received, unreviewed, counted from the calls table."""
    bind = op.get_bind()
    calls = sa.table(
        "calls",
        sa.column("agency_id", sa.Integer()),
        sa.column("call_type", sa.String()),
        sa.column("received_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(
            calls.c.agency_id,
            calls.c.call_type,
            sa.func.count(),
            sa.func.min(calls.c.received_at),
            sa.func.max(calls.c.received_at),
        ).group_by(calls.c.agency_id, calls.c.call_type)
    )
    merged: dict[tuple[int, str], dict] = {}
    for agency_id, label, count, first, last in rows:
        label = (label or "").strip()[:200]
        if not label:
            continue
        first, last = _aware(first), _aware(last)
        entry = merged.setdefault(
            (agency_id, _key(label)),
            {"label": label, "most": 0, "count": 0, "first": first, "last": last},
        )
        if count > entry["most"]:  # the spelling sent most often names the row
            entry["label"], entry["most"] = label, count
        entry["count"] += count
        entry["first"], entry["last"] = min(entry["first"], first), max(entry["last"], last)
    values = [
        {
            "agency_id": agency_id,
            "key": key,
            "label": entry["label"],
            "count": entry["count"],
            "first_seen_at": _stored(entry["first"], bind),
            "last_seen_at": _stored(entry["last"], bind),
            "decision": "unreviewed",
        }
        for (agency_id, key), entry in sorted(merged.items())
    ]
    for start in range(0, len(values), 1000):
        op.bulk_insert(register, values[start : start + 1000])


def _aware(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(value, bind):
    # SQLite keeps naive UTC text (as the models' UTCDateTime does).
    return value.replace(tzinfo=None) if bind.dialect.name == "sqlite" else value


def downgrade() -> None:
    op.drop_table("call_types")
    # A plain DROP COLUMN on both databases (SQLite has it since 3.35): a batch table copy on
    # SQLite would drop the report trigger on agencies, and fail on the agencies' foreign keys.
    op.drop_column("agencies", "hold_unreviewed_call_types")
