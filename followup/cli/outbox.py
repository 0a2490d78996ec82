"""`followup outbox`: every text the service sent, newest first, with what it was for."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from followup.cli.context import Lazy, pass_lazy
from followup.core.phones import mask
from followup.models import Message, MessageDirection


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--show-numbers", is_flag=True, help="Print full phone numbers (masked by default).")
@pass_lazy
def outbox(lazy: Lazy, as_json: bool, limit: int, show_numbers: bool) -> None:
    """List every text the service sent, newest first, with its purpose.

    Check-ins, automatic replies, alerts to commanders and staff texts, as the phone simulator
    shows them."""
    with lazy.ready.db.Session() as session:
        rows = session.scalars(
            select(Message)
            .where(Message.direction == MessageDirection.OUTBOUND)
            .order_by(Message.id.desc())
            .limit(limit)
        ).all()
    if not rows and not as_json:
        click.echo("The outbox is empty (a check-in appears here once it is due and sent).")
    for row in rows:
        to = row.phone if show_numbers else mask(row.phone)
        # Automatic replies stored before messages had a purpose have none.
        purpose = row.purpose or "unknown"
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "to": to,
                        "purpose": purpose,
                        "body": row.body,
                        "status": row.status,
                        "gateway": row.gateway,
                        "followup_id": row.followup_id,
                        "created_at": row.created_at.isoformat(),
                    }
                )
            )
        else:
            click.echo(
                f"#{row.id}  {row.created_at:%Y-%m-%d %H:%M} UTC  to {to}  {purpose}  "
                f"[{row.status}]"
            )
            click.echo(f"    {row.body}")
