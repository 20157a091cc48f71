"""Reading and writing the authorization schema a batch at a time: one statement
for many rows, so that a nightly file is stored at thousands of records a second."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, Text, any_, cast, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from services.authorization.domain import Ending, EndingReason, ProviderFacts

from .bulk import copy_rows
from .store import authorizations, cases, providers, versions

ELIGIBILITY_LOCK = "authorization:eligibility"
"""One writer of eligibility records at a time, across replicas: a provider, a case
and an authorization that meet in one announcement are never applied apart."""


async def lock_eligibility(conn: AsyncConnection) -> None:
    """Serialize the application of eligibility records until this transaction ends."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": ELIGIBILITY_LOCK}
    )


def _key(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


async def rows_by_id(conn: AsyncConnection, table: Table, ids: Iterable[str]) -> dict[str, dict]:
    """Current rows of `table` whose key is one of `ids`, as dicts by key."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    key = _key(table)
    result = await conn.execute(select(table).where(key == any_(cast(wanted, ARRAY(Text)))))
    return {row[key.name]: dict(row) for row in result.mappings()}


async def keep_receipts(conn: AsyncConnection, receipts: Sequence[Mapping[str, Any]]) -> None:
    """Every push received, kept as it came (AUTH-1: who sent what, when)."""
    await copy_rows(conn, versions, receipts)


async def authorizations_of(
    conn: AsyncConnection,
    *,
    provider_ids: Iterable[str] = (),
    case_ids: Iterable[str] = (),
) -> list[dict]:
    """Every authorization naming one of these providers or cases."""
    by_provider, by_case = sorted(set(provider_ids)), sorted(set(case_ids))
    conditions = []
    if by_provider:
        conditions.append(authorizations.c.provider_id == any_(cast(by_provider, ARRAY(Text))))
    if by_case:
        conditions.append(authorizations.c.case_id == any_(cast(by_case, ARRAY(Text))))
    if not conditions:
        return []
    result = await conn.execute(select(authorizations).where(or_(*conditions)))
    return [dict(row) for row in result.mappings()]


def provider_facts(row: Mapping[str, Any]) -> ProviderFacts:
    """A stored provider as the rules see it."""
    state = row["state"]
    return ProviderFacts(
        provider_id=row["provider_id"],
        program=state["program"],
        type=row["type"],
        status=row["status"],
        timezone=row["timezone"],
        min_months=state["ages_served"]["min_months"],
        max_months=state["ages_served"]["max_months"],
        status_since=row["status_since"],
        type_changed_at=row["type_changed_at"],
        type_changed_sequence=row["type_changed_sequence"],
    )


async def provider_facts_by_id(
    conn: AsyncConnection, ids: Iterable[str]
) -> dict[str, ProviderFacts]:
    """What the rules need of each of these providers, when received."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    p = providers.c
    state = func.jsonb_build_object(
        "program", p.state["program"], "ages_served", p.state["ages_served"]
    ).label("state")
    result = await conn.execute(
        select(
            p.provider_id,
            p.type,
            p.status,
            p.timezone,
            p.status_since,
            p.type_changed_at,
            p.type_changed_sequence,
            state,
        ).where(p.provider_id == any_(cast(wanted, ARRAY(Text))))
    )
    return {row["provider_id"]: provider_facts(row) for row in result.mappings()}


async def adults_by_case(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, list[dict]]:
    """The adults of each of these cases, when received (`{}` for a case not received)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await conn.execute(
        select(cases.c.case_id, cases.c.state["adults"].label("adults")).where(
            cases.c.case_id == any_(cast(wanted, ARRAY(Text)))
        )
    )
    return {row.case_id: row.adults or [] for row in result}


def kept_ending(row: Mapping[str, Any]) -> Ending | None:
    """The ending stored on an authorization row, if its provider made one."""
    if row.get("ended_on") is None:
        return None
    return Ending(row["ended_on"], EndingReason(row["ended_reason"]), row["ended_provider_id"])


def ending_columns(ending: Ending | None) -> dict[str, date | str | None]:
    return {
        "ended_on": ending.on if ending else None,
        "ended_reason": ending.reason.value if ending else None,
        "ended_provider_id": ending.provider_id if ending else None,
    }
