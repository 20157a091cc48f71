"""SET PIN links, stored by the keyed hash of their token (ID-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.links import Link
from .tables import adults, case_members, delegate_grants, pin_links


def _link(row) -> Link:  # type: ignore[no-untyped-def]
    return Link(
        row.person_id,
        row.issued_at,
        row.expires_at,
        row.used_at,
        row.revoked_at,
        row.in_use_refusals,
        row.reminder,
    )


async def add(
    conn: AsyncConnection,
    token_hash: bytes,
    *,
    person_id: str,
    issued_at: datetime,
    expires_at: datetime,
    reminder: bool,
    issued_by: str,
) -> None:
    """A new link; every older link of the adult not used yet stops working."""
    await conn.execute(
        update(pin_links)
        .where(
            pin_links.c.person_id == person_id,
            pin_links.c.used_at.is_(None),
            pin_links.c.revoked_at.is_(None),
        )
        .values(revoked_at=issued_at)
    )
    await conn.execute(
        pin_links.insert().values(
            token_hash=token_hash,
            person_id=person_id,
            issued_at=issued_at,
            expires_at=expires_at,
            reminder=reminder,
            issued_by=issued_by,
        )
    )


async def by_token(conn: AsyncConnection, token_hash: bytes) -> Link | None:
    """The link, locked for this transaction: a link works once, even when two
    requests race with it."""
    row = (
        await conn.execute(
            select(pin_links).where(pin_links.c.token_hash == token_hash).with_for_update()
        )
    ).first()
    return _link(row) if row else None


async def save_refusals(conn: AsyncConnection, token_hash: bytes, link: Link) -> None:
    await conn.execute(
        update(pin_links)
        .where(pin_links.c.token_hash == token_hash)
        .values(in_use_refusals=link.in_use_refusals, revoked_at=link.revoked_at)
    )


async def use(conn: AsyncConnection, token_hash: bytes, person_id: str, at: datetime) -> None:
    """The link is spent; the adult's other unused links stop working too."""
    await conn.execute(
        update(pin_links).where(pin_links.c.token_hash == token_hash).values(used_at=at)
    )
    await conn.execute(
        update(pin_links)
        .where(
            pin_links.c.person_id == person_id,
            pin_links.c.used_at.is_(None),
            pin_links.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )


@dataclass(frozen=True)
class ReminderCandidate:
    person_id: str
    latest: Link
    reminders_sent: int


async def reminder_candidates(conn: AsyncConnection) -> list[ReminderCandidate]:
    """Adults with no PIN, still on a case or a delegate, with their newest link (unused)
    and the reminders sent since their last welcome or reset link; whether that link
    is dead as of `as_of` is the domain's question (`reminder_due`)."""
    latest = select(
        pin_links,
        func.row_number()
        .over(partition_by=pin_links.c.person_id, order_by=pin_links.c.issued_at.desc())
        .label("rank"),
    ).subquery("latest")
    welcome = pin_links.alias("welcome")
    reminder = pin_links.alias("reminder")
    last_welcome = (
        select(func.max(welcome.c.issued_at))
        .where(welcome.c.person_id == latest.c.person_id, welcome.c.reminder.is_(False))
        .scalar_subquery()
    )
    reminders = (
        select(func.count())
        .select_from(reminder)
        .where(
            reminder.c.person_id == latest.c.person_id,
            reminder.c.reminder.is_(True),
            reminder.c.issued_at > func.coalesce(last_welcome, func.to_timestamp(0)),
        )
        .scalar_subquery()
    )
    on_a_case = (
        select(case_members.c.person_id).where(case_members.c.person_id == latest.c.person_id)
    ).exists()
    a_delegate = (
        select(delegate_grants.c.id).where(
            delegate_grants.c.delegate_id == latest.c.person_id,
            delegate_grants.c.revoked_at.is_(None),
        )
    ).exists()
    rows = await conn.execute(
        select(latest, reminders.label("reminders_sent"))
        .join(adults, and_(adults.c.person_id == latest.c.person_id, adults.c.pin_hash.is_(None)))
        .where(latest.c.rank == 1, latest.c.used_at.is_(None), on_a_case | a_delegate)
        .order_by(latest.c.person_id)
    )
    return [ReminderCandidate(r.person_id, _link(r), r.reminders_sent) for r in rows]
