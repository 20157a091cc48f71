"""The inbox: which events a consumer has handled, written in the same
transaction as the consumer's own changes, so a redelivery changes nothing."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def first_delivery(conn: AsyncConnection, inbox: Table, consumer: str, event_id: str) -> bool:
    """Claim `event_id` for `consumer`; False when it was handled before.

    The primary key refuses a second claim, and a concurrent one waits for the
    first transaction and then sees the conflict.
    """
    claimed = await conn.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return claimed.first() is not None
