"""Answers to the read queries (`shared/contract/queries.py`), from this service's
own tables: what was received, what was announced, what still waits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.authorization.domain import waiting_for

from .store import authorizations, cases, providers, versions


async def history(conn: AsyncConnection, kind: str, record_id: str) -> list[dict[str, Any]]:
    """Every push of one record, in the order it arrived (AUTH-1)."""
    rows = await conn.execute(
        select(versions)
        .where(versions.c.kind == kind, versions.c.record_id == record_id)
        .order_by(versions.c.id)
    )
    return [
        {
            "version": r.version,
            "outcome": r.outcome,
            "applied": r.outcome == "applied",
            "received_at": r.received_at.isoformat(),
            "event_id": r.event_id,
            "source": r.source,
            "stream_sequence": r.stream_sequence,
        }
        for r in rows
    ]


async def _entries(conn: AsyncConnection, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each authorization as received and announced, with what it waits for."""
    provider_ids = {r["provider_id"] for r in rows}
    case_ids = {r["case_id"] for r in rows}
    known_providers = set(
        (
            await conn.execute(
                select(providers.c.provider_id).where(providers.c.provider_id.in_(provider_ids))
            )
        ).scalars()
    )
    known_cases = set(
        (await conn.execute(select(cases.c.case_id).where(cases.c.case_id.in_(case_ids)))).scalars()
    )
    return [
        {
            "authorization": r["state"],
            "announced": r["announced"],
            "waiting_for": [
                w.value
                for w in waiting_for(
                    r["provider_id"] in known_providers, r["case_id"] in known_cases
                )
            ],
        }
        for r in rows
    ]


async def authorization(conn: AsyncConnection, authorization_id: str) -> dict[str, Any] | None:
    row = (
        (
            await conn.execute(
                select(authorizations).where(authorizations.c.authorization_id == authorization_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    [entry] = await _entries(conn, [row])
    return {**entry, "history": await history(conn, "authorization", authorization_id)}


async def covering(
    conn: AsyncConnection, provider_id: str, day: date, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the provider's announced authorizations covering `day` (AUTH-2)."""
    a = authorizations.c
    query = (
        select(a.authorization_id, a.announced)
        .where(a.provider_id == provider_id, a.start_date <= day, a.last_day >= day)
        .where(a.announced.is_not(None))
        .order_by(a.authorization_id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(a.authorization_id > after)
    rows = (await conn.execute(query)).all()
    page = rows[:limit]
    next_after = page[-1].authorization_id if len(rows) > limit else None
    return [r.announced for r in page], next_after


async def of_child(conn: AsyncConnection, child_id: str) -> list[dict[str, Any]]:
    rows = (
        (
            await conn.execute(
                select(authorizations)
                .where(authorizations.c.child_id == child_id)
                .order_by(authorizations.c.start_date, authorizations.c.authorization_id)
            )
        )
        .mappings()
        .all()
    )
    return await _entries(conn, list(rows))


async def provider(conn: AsyncConnection, provider_id: str) -> dict[str, Any] | None:
    row = (
        await conn.execute(select(providers).where(providers.c.provider_id == provider_id))
    ).first()
    if row is None:
        return None
    return {
        "provider": row.state,
        "status_since": row.status_since.isoformat(),
        "history": await history(conn, "provider", provider_id),
    }


async def waiting_for_provider(conn: AsyncConnection, provider_id: str) -> int:
    """How many authorizations name a provider not received yet."""
    rows = await conn.execute(
        select(authorizations.c.authorization_id).where(authorizations.c.provider_id == provider_id)
    )
    return len(rows.all())


async def case(conn: AsyncConnection, case_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(cases).where(cases.c.case_id == case_id))).first()
    if row is None:
        return None
    return {"case": row.state, "history": await history(conn, "case", case_id)}
