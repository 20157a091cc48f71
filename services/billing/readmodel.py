"""Billing's own copy of what other services announce (architecture rule 1).

Events may repeat or arrive out of order: the newest version of a provider or an
authorization wins; an attendance row replaced by a later one is no longer live,
even when the replacement arrived first; a pending row never overwrites the
final state of the same record.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import case, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.events import (
    AbsenceRecorded,
    AuthorizationChanged,
    MonthAttested,
    ProviderChanged,
)

from .store import absences, attestations, authorizations, providers, records, replaced

STATE_EXCLUDED = {"event_id", "occurred_at", "changes"}


async def keep_provider(conn: AsyncConnection, event: ProviderChanged) -> bool:
    """The provider's newest state; an older or repeated version changes nothing."""
    values = {
        "provider_id": event.provider_id,
        "version": event.version,
        "name": event.name,
        "program": event.program,
        "type": event.type.value,
        "status": event.status.value,
        "timezone": event.timezone,
        "min_months": event.ages_served.min_months,
        "max_months": event.ages_served.max_months,
        "rates": [r.model_dump(mode="json") for r in event.rates],
        "paid_holidays": [d.isoformat() for d in event.paid_holidays],
    }
    stmt = insert(providers).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[providers.c.provider_id],
        set_={**{k: stmt.excluded[k] for k in values}, "updated_at": func.now()},
        where=providers.c.version < stmt.excluded.version,
    ).returning(providers.c.provider_id)
    return (await conn.execute(stmt)).first() is not None


async def keep_authorization(
    conn: AsyncConnection, event: AuthorizationChanged
) -> tuple[bool, dict[str, Any] | None]:
    """Hold the newest announcement; returns whether it applied and the state it replaced."""
    before = (
        await conn.execute(
            select(authorizations.c.version, authorizations.c.state)
            .where(authorizations.c.authorization_id == event.authorization_id)
            .with_for_update()
        )
    ).first()
    if before is not None and _announcement(before.state) >= (event.version, event.revision):
        return False, None
    values = {
        "authorization_id": event.authorization_id,
        "version": event.version,
        "provider_id": event.provider_id,
        "child_id": event.child.child_id,
        "case_id": event.case_id,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "status": event.status,
        "state": event.model_dump(mode="json", by_alias=True, exclude=STATE_EXCLUDED),
    }
    stmt = insert(authorizations).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[authorizations.c.authorization_id],
            set_={k: stmt.excluded[k] for k in values},
        )
    )
    return True, before.state if before is not None else None


def _announcement(state: dict[str, Any]) -> tuple[int, int]:
    """The order of announcements: a newer version, or a newer revision of the same one
    (the provider ended it, AUTH-3, without the state sending a new version)."""
    return int(state["version"]), int(state.get("revision") or 1)


class RecordOutcome(StrEnum):
    new = "new"
    advanced = "advanced"
    """Its status moved on (pending to confirmed, expired, ...)."""
    unchanged = "unchanged"


async def keep_record(
    conn: AsyncConnection,
    *,
    record_id: str,
    provider_id: str,
    child_id: str,
    case_id: str,
    direction: str,
    occurred_at: datetime,
    status: str,
    channel: str | None = None,
    change: str | None = None,
    replaces: str | None = None,
    deadline: datetime | None = None,
    provisional: bool = False,
) -> RecordOutcome:
    """Insert or advance one attendance row; its final state is never undone."""
    await _lock_record(conn, record_id)
    before = (
        await conn.execute(
            select(records.c.status).where(records.c.record_id == record_id).with_for_update()
        )
    ).first()
    values = {
        "record_id": record_id,
        "provider_id": provider_id,
        "child_id": child_id,
        "case_id": case_id,
        "direction": direction,
        "occurred_at": occurred_at,
        "status": status,
        "channel": channel,
        "change": change,
        "replaces": replaces,
        "deadline": deadline,
        "provisional": provisional,
        "live": ~exists().where(replaced.c.record_id == record_id),
    }
    stmt = insert(records).values(**values)
    incoming = stmt.excluded
    advance = (records.c.status == "pending") | (incoming.status != "pending")
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[records.c.record_id],
            set_={
                "status": case((advance, incoming.status), else_=records.c.status),
                "occurred_at": case(
                    (records.c.provisional, incoming.occurred_at), else_=records.c.occurred_at
                ),
                "provisional": records.c.provisional & incoming.provisional,
                "channel": func.coalesce(records.c.channel, incoming.channel),
                "change": func.coalesce(records.c.change, incoming.change),
                "replaces": func.coalesce(records.c.replaces, incoming.replaces),
                "deadline": func.coalesce(incoming.deadline, records.c.deadline),
            },
        )
    )
    if before is None:
        return RecordOutcome.new
    if before.status == "pending" and status != "pending":
        return RecordOutcome.advanced
    return RecordOutcome.unchanged


async def replace_record(conn: AsyncConnection, record_id: str, by_record_id: str) -> None:
    """`record_id` is history now (ATT-5): it stays stored but is no longer live."""
    await _lock_record(conn, record_id)
    await conn.execute(
        insert(replaced)
        .values(record_id=record_id, by_record_id=by_record_id)
        .on_conflict_do_nothing()
    )
    await conn.execute(update(records).where(records.c.record_id == record_id).values(live=False))


async def _lock_record(conn: AsyncConnection, record_id: str) -> None:
    """Serialize the row's arrival and its replacement, which come on different subjects
    and may be handled at the same moment: whichever commits second sees the first."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"billing-record:{record_id}"}
    )


async def record_exists(conn: AsyncConnection, record_id: str) -> bool:
    found = await conn.execute(select(records.c.record_id).where(records.c.record_id == record_id))
    return found.first() is not None


async def keep_absence(conn: AsyncConnection, event: AbsenceRecorded) -> None:
    """One absence per child, authorization and day; a later report replaces its kind."""
    values = {
        "authorization_id": event.authorization_id,
        "child_id": event.child_id,
        "day": event.date,
        "provider_id": event.provider_id,
        "case_id": event.case_id,
        "kind": event.kind,
        "reason": event.reason,
        "counts_as_absence": event.counts_as_absence,
    }
    stmt = insert(absences).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[absences.c.authorization_id, absences.c.child_id, absences.c.day],
            set_={k: stmt.excluded[k] for k in ("kind", "reason", "counts_as_absence")},
        )
    )


async def keep_attestation(conn: AsyncConnection, event: MonthAttested) -> None:
    await conn.execute(
        insert(attestations)
        .values(
            event_id=str(event.event_id),
            provider_id=event.provider_id,
            child_id=event.child_id,
            month=event.month,
            by_role=event.by_role,
            by=event.by,
            attested_at=event.occurred_at,
        )
        .on_conflict_do_nothing()
    )


async def provider_record(conn: AsyncConnection, provider_id: str) -> tuple[str, str] | None:
    """The provider's time zone and program, when known."""
    row = (
        await conn.execute(
            select(providers.c.timezone, providers.c.program).where(
                providers.c.provider_id == provider_id
            )
        )
    ).first()
    return (row.timezone, row.program) if row is not None else None


async def provider_timezone(conn: AsyncConnection, provider_id: str) -> str | None:
    found = await conn.execute(
        select(providers.c.timezone).where(providers.c.provider_id == provider_id)
    )
    return found.scalar()


def as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
