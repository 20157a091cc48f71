"""Who did what, when (ID-7: operators' identities are recorded on everything they
do), and requests handled once by their `event_id`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import handled_requests, journal

SCHEDULE = "schedule"
"""The actor of a job the schedule ran (no operator)."""


async def record(
    conn: AsyncConnection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one line to the journal; never a secret in `details`."""
    await conn.execute(
        journal.insert().values(
            at=at, actor=actor, action=action, subject=subject, details=details or {}
        )
    )


async def entries(conn: AsyncConnection, subject: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(journal).where(journal.c.subject == subject).order_by(journal.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def lock(conn: AsyncConnection, key: str) -> None:
    """Serialize work on one thing across replicas, for this transaction."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


async def claim_request(conn: AsyncConnection, event_id: str, action: str) -> bool:
    """Claim a request's `event_id`; False when it was handled before (see `earlier_reply`).

    The claim rolls back with a refusal, so a refused request may be sent again."""
    claimed = await conn.execute(
        insert(handled_requests)
        .values(event_id=event_id, action=action)
        .on_conflict_do_nothing()
        .returning(handled_requests.c.event_id)
    )
    return claimed.first() is not None


async def earlier_reply(conn: AsyncConnection, event_id: str) -> tuple[str, dict[str, Any] | None]:
    """The action an `event_id` was used for, and the answer it got."""
    row = (
        await conn.execute(
            select(handled_requests.c.action, handled_requests.c.reply).where(
                handled_requests.c.event_id == event_id
            )
        )
    ).one()
    return row.action, row.reply


async def remember_reply(conn: AsyncConnection, event_id: str, reply: dict[str, Any]) -> None:
    await conn.execute(
        update(handled_requests).where(handled_requests.c.event_id == event_id).values(reply=reply)
    )
