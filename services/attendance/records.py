"""Attendance records: written once, never overwritten (ATT-5).

An original record is a check-in or check-out as it arrived; every approval,
modification, deletion, correction or expiry is a new row that `replaces` the
one before, with who, when and why. The live record is the last of its chain.
Each write stages its event in the same transaction (architecture rule 4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.base import Event
from shared.contract.events import (
    AttendanceChanged,
    AttendanceRecorded,
    PendingAttendanceCreated,
)
from shared.service import Transaction

from .domain.pairing import Mark
from .store import records


@dataclass(frozen=True)
class Record:
    """One row of `records`."""

    record_id: str
    origin_id: str
    provider_id: str
    child_id: str
    case_id: str
    authorization_id: str
    direction: str
    occurred_at: datetime
    local_date: date
    channel: str
    status: str
    recorded_at: datetime
    device_id: str | None = None
    person_id: str | None = None
    operator_id: str | None = None
    source: str | None = None
    source_key: str | None = None
    deadline: datetime | None = None
    automatic: bool = False
    flagged: bool = False
    replaces: str | None = None
    change: str | None = None
    by: str | None = None
    reason: str | None = None
    event_id: str | None = None

    @property
    def mark(self) -> Mark:
        return Mark(self.record_id, self.direction, self.occurred_at, self.status)  # type: ignore[arg-type]


COLUMNS = [f.name for f in dataclasses.fields(Record)]


def new_record_id() -> str:
    return str(uuid4())


def original(**fields: Any) -> Record:
    """A record as it first arrives: its own origin, replacing nothing."""
    record_id = new_record_id()
    return Record(record_id=record_id, origin_id=record_id, **fields)


def _row(record: Record) -> dict[str, Any]:
    return dataclasses.asdict(record)


def _record(row: Any) -> Record:
    return Record(**{c: getattr(row, c) for c in COLUMNS})


def _recorded_event(record: Record) -> AttendanceRecorded:
    return AttendanceRecorded(
        occurred_at=record.occurred_at,
        record_id=record.record_id,
        provider_id=record.provider_id,
        child_id=record.child_id,
        case_id=record.case_id,
        direction=record.direction,  # type: ignore[arg-type]
        channel=record.channel,  # type: ignore[arg-type]
        status=record.status,  # type: ignore[arg-type]
        device_id=record.device_id,
        person_id=record.person_id,
        operator_id=record.operator_id,
    )


async def add(tx: Transaction, new: Iterable[Record]) -> list[Record]:
    """Store original records and announce each: `AttendanceRecorded`, and
    `PendingAttendanceCreated` with its deadline for a pending one (ATT-1, ATT-2)."""
    rows = list(new)
    if not rows:
        return rows
    await tx.conn.execute(insert(records), [_row(r) for r in rows])
    for record in rows:
        for event in announcements(record):
            await tx.emit(event)
    return rows


def row_of(record: Record) -> dict[str, Any]:
    """The record as a row of `records`, for a batch written elsewhere."""
    return _row(record)


def announcements(record: Record) -> list[Event]:
    """The events an original record causes: `AttendanceRecorded`, and
    `PendingAttendanceCreated` with its deadline for a pending one (ATT-1, ATT-2)."""
    recorded = _recorded_event(record)
    if record.status != "pending" or record.deadline is None:
        return [recorded]
    pending = PendingAttendanceCreated(
        **recorded.model_dump(exclude={"event_id", "status"}), deadline=record.deadline
    )
    return [recorded, pending]


async def replace(
    tx: Transaction,
    old: Record,
    *,
    change: str,
    by: str,
    status: str,
    now: datetime,
    reason: str | None = None,
    occurred_at: datetime | None = None,
    local_date: date | None = None,
    event_id: str | None = None,
) -> Record:
    """A new row in place of `old`, kept beside it, and `AttendanceChanged`.

    The unique index on `replaces` refuses a second replacement of one row, so
    two changes racing on one record cannot both win.
    """
    new = dataclasses.replace(
        old,
        record_id=new_record_id(),
        replaces=old.record_id,
        change=change,
        by=by,
        reason=reason,
        status=status,
        occurred_at=occurred_at or old.occurred_at,
        local_date=local_date or old.local_date,
        recorded_at=now,
        event_id=event_id,
        automatic=old.automatic and occurred_at is None,
    )
    await tx.conn.execute(insert(records), [_row(new)])
    await tx.emit(
        AttendanceChanged(
            occurred_at=new.occurred_at,
            record_id=new.record_id,
            replaces=old.record_id,
            provider_id=new.provider_id,
            child_id=new.child_id,
            case_id=new.case_id,
            direction=new.direction,  # type: ignore[arg-type]
            status=new.status,  # type: ignore[arg-type]
            change=change,  # type: ignore[arg-type]
            by=by,
            reason=reason,
        )
    )
    return new


def _live() -> Any:
    """Rows no other row replaces: the live view."""
    later = records.alias("later")
    return ~exists().where(later.c.replaces == records.c.record_id)


async def live_for_update(conn: AsyncConnection, record_id: str) -> Record | None:
    """The record if it is still live, locked until the transaction ends.

    The lock makes a concurrent change wait; the liveness is read after it, so
    the second of two racing changes sees the first one's row.
    """
    row = (
        await conn.execute(
            select(records).where(records.c.record_id == record_id).with_for_update()
        )
    ).first()
    if row is None:
        return None
    replaced = (
        await conn.execute(select(records.c.record_id).where(records.c.replaces == record_id))
    ).first()
    return None if replaced else _record(row)


async def find(conn: AsyncConnection, record_id: str) -> Record | None:
    row = (await conn.execute(select(records).where(records.c.record_id == record_id))).first()
    return _record(row) if row else None


async def live_on(
    conn: AsyncConnection,
    provider_id: str,
    day: date,
    child_ids: Iterable[str] | None = None,
) -> list[Record]:
    """The live records of a provider's day, optionally of some children only."""
    query = select(records).where(
        records.c.provider_id == provider_id, records.c.local_date == day, _live()
    )
    if child_ids is not None:
        query = query.where(records.c.child_id.in_(list(child_ids)))
    rows = await conn.execute(query.order_by(records.c.occurred_at, records.c.record_id))
    return [_record(r) for r in rows]


async def live_between(
    conn: AsyncConnection, provider_id: str, child_id: str, first: date, last: date
) -> list[Record]:
    """A child's live records at a provider over a span of days (ATT-9)."""
    rows = await conn.execute(
        select(records)
        .where(
            records.c.provider_id == provider_id,
            records.c.child_id == child_id,
            records.c.local_date >= first,
            records.c.local_date <= last,
            _live(),
        )
        .order_by(records.c.occurred_at, records.c.record_id)
    )
    return [_record(r) for r in rows]


async def next_care_day_start(
    conn: AsyncConnection, provider_id: str, child_id: str, after: date
) -> datetime | None:
    """When the child's next day of care started: the first live check-in on a later
    day (ATT-5, arizona's correction window)."""
    return (
        await conn.execute(
            select(records.c.occurred_at)
            .where(
                records.c.provider_id == provider_id,
                records.c.child_id == child_id,
                records.c.direction == "in",
                records.c.local_date > after,
                records.c.status.in_(["confirmed", "pending"]),
                _live(),
            )
            .order_by(records.c.occurred_at)
            .limit(1)
        )
    ).scalar()


async def chain(conn: AsyncConnection, record_id: str) -> list[Record]:
    """Every row of a record's history, oldest first, from any row of it."""
    origin = (
        await conn.execute(select(records.c.origin_id).where(records.c.record_id == record_id))
    ).scalar()
    if origin is None:
        return []
    rows = await conn.execute(
        select(records)
        .where(records.c.origin_id == origin)
        .order_by(records.c.recorded_at, records.c.replaces.is_not(None))
    )
    return _in_chain_order([_record(r) for r in rows])


def _in_chain_order(rows: list[Record]) -> list[Record]:
    """Follow `replaces` from the original, whatever the stored times say."""
    by_replaced = {r.replaces: r for r in rows if r.replaces is not None}
    ordered = [r for r in rows if r.replaces is None][:1]
    while ordered and ordered[-1].record_id in by_replaced:
        ordered.append(by_replaced[ordered[-1].record_id])
    return ordered


async def pending_of_cases(
    conn: AsyncConnection, case_ids: Iterable[str], now: datetime
) -> list[Record]:
    """Live pending records of these cases whose deadline has not passed (ATT-2)."""
    cases = list(case_ids)
    if not cases:
        return []
    rows = await conn.execute(
        select(records)
        .where(
            records.c.case_id.in_(cases),
            records.c.status == "pending",
            records.c.deadline > now,
            _live(),
        )
        .order_by(records.c.deadline, records.c.occurred_at)
    )
    return [_record(r) for r in rows]


async def pending_due(conn: AsyncConnection, before: datetime, limit: int = 500) -> list[Record]:
    """Live pending records whose deadline is before `before` (expiry, reminders)."""
    rows = await conn.execute(
        select(records)
        .where(records.c.status == "pending", records.c.deadline <= before, _live())
        .order_by(records.c.deadline, records.c.record_id)
        .limit(limit)
    )
    return [_record(r) for r in rows]


async def source_keys_used(
    conn: AsyncConnection, provider_id: str, keys: Iterable[str]
) -> frozenset[str]:
    """CCMS record keys already applied at the provider (each applies once, ever)."""
    wanted = list(keys)
    if not wanted:
        return frozenset()
    rows = await conn.execute(
        select(records.c.source_key).where(
            records.c.provider_id == provider_id,
            records.c.source_key.in_(wanted),
            records.c.replaces.is_(None),
        )
    )
    return frozenset(r.source_key for r in rows)
