"""Which authorizations cover a child at a provider on a day (AUTH-2), read from
attendance's own copy of the authorizations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain.absences import ExcusedPeriod
from .domain.taps import Coverage
from .store import authorizations


@dataclass(frozen=True)
class Authorized:
    """An authorization with what absences need: schedule, exceptions, DFPS flag."""

    coverage: Coverage
    schedule_days: tuple[str, ...]
    protective_services: bool
    exceptions: tuple[ExcusedPeriod, ...]


def _coverage(row: Any) -> Coverage:
    return Coverage(
        row.authorization_id,
        row.case_id,
        row.child_id,
        row.provider_id,
        row.start_date,
        row.end_date,
        row.status,
    )


def _authorized(row: Any) -> Authorized:
    state = row.state or {}
    schedule = state.get("schedule") or {}
    exceptions = tuple(
        ExcusedPeriod(e["kind"], date.fromisoformat(e["from"]), date.fromisoformat(e["to"]))
        for e in state.get("absence_exceptions") or []
    )
    return Authorized(
        _coverage(row),
        tuple(schedule.get("days") or ()) if schedule.get("kind") == "fixed" else (),
        bool(state.get("protective_services")),
        exceptions,
    )


async def coverages(
    conn: AsyncConnection, provider_id: str, child_ids: Iterable[str], day: date
) -> list[Coverage]:
    """Active authorizations of these children at the provider covering `day`."""
    rows = await conn.execute(
        select(authorizations).where(
            authorizations.c.provider_id == provider_id,
            authorizations.c.child_id.in_(list(child_ids)),
            authorizations.c.status == "active",
            authorizations.c.start_date <= day,
            authorizations.c.end_date >= day,
        )
    )
    return [_coverage(r) for r in rows]


async def authorized_on(conn: AsyncConnection, provider_id: str, day: date) -> list[Authorized]:
    """Every active authorization at the provider covering `day` (Z-days, ATT-7)."""
    rows = await conn.execute(
        select(authorizations).where(
            authorizations.c.provider_id == provider_id,
            authorizations.c.status == "active",
            authorizations.c.start_date <= day,
            authorizations.c.end_date >= day,
        )
    )
    return [_authorized(r) for r in rows]


async def authorizations_of(conn: AsyncConnection, child_id: str, case_id: str) -> list[Authorized]:
    """A child's authorizations on a case, any provider, any status (ATT-8 periods)."""
    rows = await conn.execute(
        select(authorizations).where(
            authorizations.c.child_id == child_id, authorizations.c.case_id == case_id
        )
    )
    return [_authorized(r) for r in rows]


async def child_cases_at(conn: AsyncConnection, provider_id: str, child_id: str) -> frozenset[str]:
    """The cases with an authorization for the child at the provider, any period."""
    rows = await conn.execute(
        select(authorizations.c.case_id).where(
            authorizations.c.provider_id == provider_id, authorizations.c.child_id == child_id
        )
    )
    return frozenset(r.case_id for r in rows)


async def coverages_any_day(
    conn: AsyncConnection, provider_id: str, child_ids: Iterable[str]
) -> list[Coverage]:
    """Every active authorization of these children at the provider, any period:
    a batch of days is checked day by day against them (AUTH-2)."""
    rows = await conn.execute(
        select(authorizations).where(
            authorizations.c.provider_id == provider_id,
            authorizations.c.child_id.in_(list(child_ids)),
            authorizations.c.status == "active",
        )
    )
    return [_coverage(r) for r in rows]
