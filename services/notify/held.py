"""Causes kept while the contact they need has not arrived: never dropped, decided
when the case, provider or adult arrives (NOT-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify import store
from services.notify.domain.planners import PLANNERS_BY_SUBJECT
from services.notify.domain.plans import Held, WaitingFor
from services.notify.messages import without_values
from shared.contract.base import Event

h = store.held_causes


async def hold(conn: AsyncConnection, cause: Event, held: Held, now: datetime) -> None:
    """Keep `cause` until `held` names a contact that has arrived."""
    with without_values():
        stmt = insert(h).values(
            cause_event_id=str(cause.event_id),
            subject=cause.subject,
            payload=cause.model_dump_json(by_alias=True).encode(),
            waiting_for=held.waiting_for.value,
            waiting_id=held.id,
            held_at=now,
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[h.c.cause_event_id],
                set_={
                    "waiting_for": stmt.excluded.waiting_for,
                    "waiting_id": stmt.excluded.waiting_id,
                },
            )
        )


async def waiting_on(
    conn: AsyncConnection, waiting_for: WaitingFor, waiting_id: str
) -> list[Event]:
    """The causes waiting for this contact, oldest first, locked for this transaction."""
    rows = await conn.execute(
        select(h.c.subject, h.c.payload)
        .where(and_(h.c.waiting_for == waiting_for.value, h.c.waiting_id == waiting_id))
        .order_by(h.c.held_at, h.c.cause_event_id)
        .with_for_update(skip_locked=True)
    )
    return [
        PLANNERS_BY_SUBJECT[row.subject].event_type.model_validate_json(row.payload) for row in rows
    ]


async def release(conn: AsyncConnection, cause: Event) -> None:
    await conn.execute(delete(h).where(h.c.cause_event_id == str(cause.event_id)))


@dataclass(frozen=True)
class Waiting:
    cause_event_id: str
    subject: str
    held_at: datetime


async def waiting_for_recipient(
    conn: AsyncConnection, waiting_for: WaitingFor, waiting_id: str
) -> list[Waiting]:
    """What is kept for a provider or a person, for operators (no payloads)."""
    rows = await conn.execute(
        select(h.c.cause_event_id, h.c.subject, h.c.held_at)
        .where(and_(h.c.waiting_for == waiting_for.value, h.c.waiting_id == waiting_id))
        .order_by(h.c.held_at)
    )
    return [Waiting(r.cause_event_id, r.subject, r.held_at) for r in rows]
