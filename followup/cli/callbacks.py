"""`followup callbacks` and `followup conversations`: replies, when the dashboard is not at hand.

They print what staff would see on the dashboard (reply texts included); phone numbers are masked
unless asked for."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from followup.callbacks import queue
from followup.cli.context import Lazy, agency_option, pass_lazy
from followup.core.phones import mask
from followup.models import Call, Callback, CallbackStatus, Conversation, FollowUp, Message

# --- callbacks ---------------------------------------------------------------------------


@click.group()
def callbacks() -> None:
    """Callbacks: replies a watch commander must answer."""


@callbacks.command("list")
@click.option("--status", type=click.Choice([s.value for s in CallbackStatus]), default=None)
@agency_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=50, show_default=True, type=int)
@pass_lazy
def callbacks_list(lazy: Lazy, status, slug, as_json: bool, limit: int) -> None:
    """List callbacks, urgent first, then by due time."""
    with lazy.ready.db.Session() as session:
        agency = lazy.agency(session, slug)
        rows = queue.callbacks(
            session, agency.id, queue.QueueFilter(status=status or "all", limit=limit)
        )
        for row in rows:
            followup = row.conversation.followup
            item = {
                "id": row.id,
                "priority": row.priority,
                "category": row.category,
                "status": row.status,
                "due_by": row.due_by.isoformat(),
                "call_id": followup.call.external_id if followup else None,
                "reply": row.message.body,
                "reasons": row.reasons,
            }
            if as_json:
                click.echo(json.dumps(item, ensure_ascii=False))
            else:
                click.echo(
                    f"#{row.id} {row.priority.upper():<7} {row.category:<13} {row.status:<8} "
                    f"due {row.due_by:%Y-%m-%d %H:%M} UTC  "
                    f"call {item['call_id'] or '(unsolicited)'}"
                )
                click.echo(f"    {row.message.body}")
        if not rows and not as_json:
            click.echo("No callbacks.")


# --- conversations -------------------------------------------------------------------------


@click.group()
def conversations() -> None:
    """Conversations: the texts about one check-in."""


@conversations.command("show")
@click.argument("call_id")
@agency_option
@click.option("--show-numbers", is_flag=True, help="Print the full phone number.")
@pass_lazy
def conversations_show(lazy: Lazy, call_id: str, slug, show_numbers: bool) -> None:
    """Print the conversation about a call: every text both ways, with triage."""
    with lazy.ready.db.Session() as session:
        agency = lazy.agency(session, slug)
        followup = session.scalar(
            select(FollowUp)
            .join(Call)
            .where(Call.agency_id == agency.id, Call.external_id == call_id)
        )
        if followup is None:
            raise click.ClickException(f"no call {call_id!r} for agency {agency.slug!r}")
        conversation = session.scalar(
            select(Conversation).where(Conversation.followup_id == followup.id)
        )
        number = followup.phone if show_numbers else mask(followup.phone)
        click.echo(
            f"call {call_id}: follow-up {followup.status}"
            f"{' (' + followup.reason + ')' if followup.reason else ''}, to {number}"
        )
        if conversation is not None:
            click.echo(
                f"conversation #{conversation.id}: {conversation.step}, "
                f"rating {conversation.rating or '-'}, language {conversation.language}"
            )
        messages = session.scalars(
            select(Message)
            .where(
                (Message.followup_id == followup.id)
                | (Message.conversation_id == (conversation.id if conversation else -1))
            )
            .order_by(Message.created_at, Message.id)
        ).all()
        for message in messages:
            arrow = "<-" if message.direction == "inbound" else "->"
            label = message.category or message.status
            click.echo(f"  {message.created_at:%Y-%m-%d %H:%M} {arrow} [{label}] {message.body}")
            if message.triage:
                click.echo(f"      reasons: {'; '.join(message.triage.get('reasons', []))}")
            for url in message.media_urls or []:
                click.echo(f"      media (not fetched): {url}")
        if conversation is not None:
            callback = session.scalar(
                select(Callback).where(Callback.conversation_id == conversation.id)
            )
            if callback:
                click.echo(
                    f"callback #{callback.id}: {callback.priority}, {callback.status}, "
                    f"due {callback.due_by:%Y-%m-%d %H:%M} UTC"
                )
