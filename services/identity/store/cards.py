"""Attendance cards (texas, ID-9), by the keyed hash of their number; one active per adult."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import cards


@dataclass(frozen=True)
class Card:
    card_hash: bytes
    person_id: str
    voided: bool


async def by_hash(conn: AsyncConnection, card_hash: bytes) -> Card | None:
    row = (await conn.execute(select(cards).where(cards.c.card_hash == card_hash))).first()
    return Card(row.card_hash, row.person_id, row.voided_at is not None) if row else None


async def active_of(conn: AsyncConnection, person_id: str) -> Card | None:
    row = (
        await conn.execute(
            select(cards)
            .where(cards.c.person_id == person_id, cards.c.voided_at.is_(None))
            .with_for_update()
        )
    ).first()
    return Card(row.card_hash, row.person_id, False) if row else None


async def void_active(conn: AsyncConnection, person_id: str, at: datetime, reason: str) -> bool:
    """The adult's card stops working at once; the row stays, with when and why."""
    done = await conn.execute(
        update(cards)
        .where(cards.c.person_id == person_id, cards.c.voided_at.is_(None))
        .values(voided_at=at, void_reason=reason)
    )
    return bool(done.rowcount)


async def add(
    conn: AsyncConnection,
    card_hash: bytes,
    *,
    person_id: str,
    last4: str,
    source: str,
    at: datetime,
) -> None:
    await conn.execute(
        cards.insert().values(
            card_hash=card_hash, person_id=person_id, last4=last4, source=source, issued_at=at
        )
    )
