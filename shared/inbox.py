"""The inbox: which events a consumer has handled, written in the same
transaction as the consumer's own changes, so a redelivery changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, DateTime, MetaData, Table, Text, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
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


async def claim_first_deliveries(
    conn: AsyncConnection, inbox: Table, consumer: str, event_ids: Sequence[str]
) -> set[str]:
    """Claim each event id for `consumer` in one statement (the same statement for
    any number of ids, so it is compiled once); those never handled before. The
    same claim as `first_delivery`, for many ids."""
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return set()
    claimed = await conn.execute(
        insert(inbox)
        .from_select(
            ["consumer", "event_id"],
            select(
                literal(consumer, Text),
                func.unnest(bindparam("event_ids", type_=ARRAY(Text))),
            ),
        )
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id),
        {"event_ids": unique},
    )
    return set(claimed.scalars())
