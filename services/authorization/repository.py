"""Reading and writing the authorization schema a batch at a time: one statement
for many rows, so that a nightly file is stored at thousands of records a second."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic_core import from_json
from sqlalchemy import Integer, Table, Text, any_, cast, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import JSON

from services.authorization.domain import Ending, EndingReason, ProviderFacts

from .bulk import Json, copy_rows
from .store import authorizations, cases, eligibility_writers, providers, versions

WRITER_MODES = {
    "authorization": "SHARE",
    "case": "ROW EXCLUSIVE",
    "provider": "SHARE ROW EXCLUSIVE",
}
"""The mode in which a batch of each kind locks `eligibility_writers`. SHARE and ROW
EXCLUSIVE each admit their own kind and exclude the other; SHARE ROW EXCLUSIVE
excludes all. So batches of authorizations run side by side, as do batches of
cases, but an authorization is never announced from a case or provider that
another batch is changing (which would then miss that authorization, still
uncommitted), and a provider, which reaches many cases' authorizations, is applied
alone (providers are a few in a nightly file)."""

_SPACES = {kind: zlib.crc32(f"authorization:{kind}".encode()) - 2**31 for kind in WRITER_MODES}
"""The first key of each record's advisory lock: one key space per kind."""


def record_keys(ids: Iterable[str]) -> list[int]:
    """The second key of each record's advisory lock, ascending and without repeats:
    every batch takes its locks in this one order, so no two wait for each other in
    a cycle (a deadlock)."""
    return sorted({zlib.crc32(record_id.encode()) - 2**31 for record_id in ids})


async def lock_records(conn: AsyncConnection, kind: str, ids: Iterable[str]) -> None:
    """Take, until this transaction ends, the right to apply these records of `kind`.

    First the kind's mode on `eligibility_writers` (which kinds may run together),
    then an exclusive lock per record: two batches holding versions of one record
    apply one after the other, each reading what the other stored (AUTH-1). A hash
    collision only makes two records wait for each other.
    """
    await conn.execute(
        text(f"LOCK TABLE {_name(eligibility_writers)} IN {WRITER_MODES[kind]} MODE")
    )
    await conn.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:space, key)) "
            "FROM unnest(CAST(:keys AS integer[])) AS keys(key)"
        ),
        {"space": _SPACES[kind], "keys": record_keys(ids)},
    )


def _name(table: Table) -> str:
    return f'"{table.schema}"."{table.name}"'


def _key(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


def _columns(table: Table, names: Sequence[str] | None) -> list[ColumnElement[Any]]:
    """The columns to read; JSON ones as their text, parsed only when read (`Json`)."""
    chosen = [table.c[name] for name in names] if names else list(table.c)
    return [
        cast(column, Text).label(column.name) if isinstance(column.type, JSON) else column
        for column in chosen
    ]


def _lazy(rows: Iterable[Mapping[str, Any]], table: Table) -> list[dict[str, Any]]:
    """Each row as a dict, its JSON cells as `Json` text not parsed yet."""
    found = []
    json_columns = [c.name for c in table.c if isinstance(c.type, JSON)]
    for row in rows:
        values = dict(row)
        for name in json_columns:
            if values.get(name) is not None:
                values[name] = Json.parse(values[name])
        found.append(values)
    return found


async def rows_by_id(
    conn: AsyncConnection, table: Table, ids: Iterable[str], columns: Sequence[str] | None = None
) -> dict[str, dict]:
    """Current rows of `table` whose key is one of `ids`, as dicts by key: every column,
    or the key and `columns`. A repeated push needs its record's version only, so
    JSON columns are parsed only when read."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    key = _key(table)
    names = [key.name, *columns] if columns else None
    result = await conn.execute(
        select(*_columns(table, names)).where(key == any_(cast(wanted, ARRAY(Text))))
    )
    return {row[key.name]: row for row in _lazy(result.mappings(), table)}


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
    result = await conn.execute(select(*_columns(authorizations, None)).where(or_(*conditions)))
    return _lazy(result.mappings(), authorizations)


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
    ages = p.state["ages_served"]
    result = await conn.execute(
        select(  # in the order of `ProviderFacts`' fields
            p.provider_id,
            p.state["program"].astext,
            p.type,
            p.status,
            p.timezone,
            ages["min_months"].astext.cast(Integer),
            ages["max_months"].astext.cast(Integer),
            p.status_since,
            p.type_changed_at,
            p.type_changed_sequence,
        ).where(p.provider_id == any_(cast(wanted, ARRAY(Text))))
    )
    return {row[0]: ProviderFacts(*row) for row in result}


async def adults_by_case(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, list[dict]]:
    """The adults of each of these cases, when received (`[]` for a case without)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    adults = cast(cases.c.state["adults"], Text).label("adults")
    result = await conn.execute(
        select(cases.c.case_id, adults).where(cases.c.case_id == any_(cast(wanted, ARRAY(Text))))
    )
    return {row.case_id: (from_json(row.adults) if row.adults else None) or [] for row in result}


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
