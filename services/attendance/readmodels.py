"""Attendance's own copies of what other services announce (architecture rule 1):
authorizations, providers, the adults of each case, submitted months. Each is
kept from its event; an older or repeated version changes nothing."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.eligibility import CaseRecord
from shared.contract.events import AuthorizationChanged, MonthSubmitted, ProviderChanged

from .store import authorizations, case_adults, cases, providers, submitted_months


async def keep_authorization(conn: AsyncConnection, event: AuthorizationChanged) -> bool:
    """Hold the newest announced state of an authorization (AUTH-1, AUTH-2)."""
    values = {
        "authorization_id": event.authorization_id,
        "version": event.version,
        "case_id": event.case_id,
        "child_id": event.child.child_id,
        "provider_id": event.provider_id,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "status": event.status,
        "state": event.model_dump(
            mode="json", by_alias=True, exclude={"event_id", "occurred_at", "changes"}
        ),
    }
    return await _upsert_newer(conn, authorizations, "authorization_id", values)


async def keep_provider(conn: AsyncConnection, event: ProviderChanged) -> bool:
    """Hold a provider's program (its policy pack), time zone and status (AUTH-3)."""
    values = {
        "provider_id": event.provider_id,
        "version": event.version,
        "program": event.program,
        "timezone": event.timezone,
        "status": event.status.value,
    }
    return await _upsert_newer(conn, providers, "provider_id", values)


async def keep_case(conn: AsyncConnection, record: CaseRecord) -> bool:
    """Hold which adults belong to a case: they resolve its pending records (ATT-2)
    and their taps are attributed to it (ATT-6)."""
    kept = await _upsert_newer(
        conn, cases, "case_id", {"case_id": record.case_id, "version": record.version}
    )
    if not kept:
        return False
    await conn.execute(delete(case_adults).where(case_adults.c.case_id == record.case_id))
    adults = {a.person_id: a.role for a in record.adults}
    if adults:
        await conn.execute(
            insert(case_adults).values(
                [{"case_id": record.case_id, "person_id": p, "role": r} for p, r in adults.items()]
            )
        )
    return True


async def keep_submitted_month(conn: AsyncConnection, event: MonthSubmitted) -> None:
    """A child's month is submitted once (BILL-2): it is not changed in place after."""
    if not event.child_ids:
        return
    await conn.execute(
        insert(submitted_months)
        .values(
            [
                {
                    "provider_id": event.provider_id,
                    "child_id": child_id,
                    "month": event.month,
                    "submitted_at": event.occurred_at,
                }
                for child_id in event.child_ids
            ]
        )
        .on_conflict_do_nothing()
    )


async def _upsert_newer(conn: AsyncConnection, table, key: str, values: dict) -> bool:  # type: ignore[no-untyped-def]
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={k: stmt.excluded[k] for k in values if k != key},
        where=table.c.version < stmt.excluded.version,
    ).returning(table.c[key])
    return (await conn.execute(stmt)).first() is not None


async def cases_of(conn: AsyncConnection, person_id: str) -> frozenset[str]:
    """The cases an adult belongs to, from the eligibility system."""
    rows = await conn.execute(
        select(case_adults.c.case_id).where(case_adults.c.person_id == person_id)
    )
    return frozenset(r.case_id for r in rows)


async def month_submitted(
    conn: AsyncConnection, provider_id: str, child_id: str, month: str
) -> bool:
    row = await conn.execute(
        select(submitted_months.c.month).where(
            submitted_months.c.provider_id == provider_id,
            submitted_months.c.child_id == child_id,
            submitted_months.c.month == month,
        )
    )
    return row.first() is not None
