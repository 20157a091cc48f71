"""Identity's own copies of cases, authorizations, providers and children's latest
attendance mark, kept from events (architecture rule 1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.delegates import StaffMember
from ..domain.presence import Mark
from ..domain.signin import Provider
from .tables import authorizations, case_members, case_versions, cases, presence, providers

# --- cases -------------------------------------------------------------------------


async def case_version(conn: AsyncConnection, case_id: str) -> int | None:
    return (await conn.execute(select(cases.c.version).where(cases.c.case_id == case_id))).scalar()


async def keep_case_version(
    conn: AsyncConnection, case_id: str, version: int, state: dict[str, Any], *, applied: bool
) -> None:
    """Every version received is kept once, applied or not (nothing is lost)."""
    await conn.execute(
        insert(case_versions)
        .values(case_id=case_id, version=version, state=state, applied=applied)
        .on_conflict_do_nothing()
    )


async def save_case(
    conn: AsyncConnection, case_id: str, version: int, members: Iterable[tuple[str, str]]
) -> None:
    """The case's current version and adults; who was on an older version stays in
    `case_versions`."""
    stmt = insert(cases).values(case_id=case_id, version=version)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[cases.c.case_id], set_={"version": stmt.excluded.version}
        )
    )
    await conn.execute(delete(case_members).where(case_members.c.case_id == case_id))
    rows = [{"case_id": case_id, "person_id": p, "role": r} for p, r in members]
    if rows:
        await conn.execute(insert(case_members).values(rows).on_conflict_do_nothing())


# --- authorizations ----------------------------------------------------------------


async def authorization_version(conn: AsyncConnection, authorization_id: str) -> int | None:
    return (
        await conn.execute(
            select(authorizations.c.version).where(
                authorizations.c.authorization_id == authorization_id
            )
        )
    ).scalar()


async def save_authorization(conn: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(authorizations).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[authorizations.c.authorization_id],
            set_={k: stmt.excluded[k] for k in values if k != "authorization_id"},
        )
    )


# --- providers -----------------------------------------------------------------------


async def provider_version(conn: AsyncConnection, provider_id: str) -> int | None:
    return (
        await conn.execute(
            select(providers.c.version).where(providers.c.provider_id == provider_id)
        )
    ).scalar()


async def save_provider(conn: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(providers).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[providers.c.provider_id],
            set_={k: stmt.excluded[k] for k in values if k != "provider_id"},
        )
    )


async def provider(conn: AsyncConnection, provider_id: str) -> Provider | None:
    row = (
        await conn.execute(select(providers).where(providers.c.provider_id == provider_id))
    ).first()
    return Provider(row.provider_id, row.program, row.timezone, row.status) if row else None


async def provider_details(
    conn: AsyncConnection, provider_ids: Iterable[str]
) -> dict[str, tuple[Provider, str | None, list[StaffMember]]]:
    """Each known provider with its email and staff list (ID-5, ID-8)."""
    rows = await conn.execute(
        select(providers).where(providers.c.provider_id.in_(sorted(set(provider_ids))))
    )
    return {
        r.provider_id: (
            Provider(r.provider_id, r.program, r.timezone, r.status),
            r.email,
            [
                StaffMember(s["first_name"], s["last_name"], s.get("email"), s["role"])
                for s in r.staff
            ],
        )
        for r in rows
    }


# --- children's latest attendance mark ------------------------------------------------


async def mark_presence(
    conn: AsyncConnection,
    *,
    provider_id: str,
    child_id: str,
    record_id: str,
    direction: str,
    occurred_at: datetime,
    status: str,
    replaces: str | None = None,
) -> None:
    """Keep the child's latest mark at the provider: a later one, a new state of the same
    record, or the record that replaced it (ATT-5)."""
    stmt = insert(presence).values(
        provider_id=provider_id,
        child_id=child_id,
        record_id=record_id,
        direction=direction,
        occurred_at=occurred_at,
        status=status,
    )
    same_record = presence.c.record_id.in_([record_id, replaces or record_id])
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[presence.c.provider_id, presence.c.child_id],
            set_={k: stmt.excluded[k] for k in ("record_id", "direction", "occurred_at", "status")},
            where=same_record | (presence.c.occurred_at <= stmt.excluded.occurred_at),
        )
    )


async def mark_new_records(conn: AsyncConnection, marks: list[Mark]) -> None:
    """Keep each child's latest mark of new records in one statement; `marks` holds
    at most one per child (`latest_marks`), since one statement may not update a
    row twice. The same rule as `mark_presence`: the stored mark stays when it is
    later."""
    if not marks:
        return
    await conn.execute(
        _KEEP_LATER_MARK,
        [
            {
                "provider_id": m.provider_id,
                "child_id": m.child_id,
                "record_id": m.record_id,
                "direction": m.direction,
                "occurred_at": m.occurred_at,
                "status": m.status,
            }
            for m in marks
        ],
    )


_marked = insert(presence)
_KEEP_LATER_MARK = _marked.on_conflict_do_update(
    index_elements=[presence.c.provider_id, presence.c.child_id],
    set_={k: _marked.excluded[k] for k in ("record_id", "direction", "occurred_at", "status")},
    where=(presence.c.record_id == _marked.excluded.record_id)
    | (presence.c.occurred_at <= _marked.excluded.occurred_at),
)
"""One statement for any number of marks (sent as many rows), compiled once."""
