"""Pending records past or near their deadline (ATT-2, NOT-2)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert

from shared.contract.events import PendingDeadlineApproaching
from shared.service import ServiceRuntime

from . import records
from .domain.pending import REMINDER_DAYS_BEFORE, days_left, is_expired, reminder_due
from .providers import find_provider
from .store import pending_reminders


async def expire_pending(rt: ServiceRuntime, as_of: datetime) -> int:
    """Expire every pending record whose deadline has passed: a new row, expired,
    replaces it; it stays on record and is not paid through the system."""
    expired = 0
    while True:
        due = await _due(rt, as_of)
        before = expired
        for stale in due:
            async with rt.transaction() as tx:
                record = await records.live_for_update(tx.conn, stale.record_id)
                if record is None or record.status != "pending" or record.deadline is None:
                    continue
                if not is_expired(record.deadline, as_of):
                    continue
                await records.replace(
                    tx,
                    record,
                    change="expired",
                    by="system",
                    reason="not acted on by the deadline",
                    status="expired",
                    now=as_of,
                )
                expired += 1
        if expired == before:
            return expired


async def _due(rt: ServiceRuntime, as_of: datetime) -> list[records.Record]:
    async with rt.engine.connect() as conn:
        return await records.pending_due(conn, as_of)


async def remind_pending(rt: ServiceRuntime, as_of: datetime) -> int:
    """Tell the parent, once, two days before a pending record expires."""
    horizon = as_of + timedelta(days=REMINDER_DAYS_BEFORE)
    async with rt.engine.connect() as conn:
        due = await records.pending_due(conn, horizon, limit=10_000)
    reminded = 0
    for record in due:
        if record.deadline is None or not reminder_due(record.deadline, as_of):
            continue
        async with rt.transaction() as tx:
            first = await tx.conn.execute(
                insert(pending_reminders)
                .values(origin_id=record.origin_id, deadline=record.deadline, sent_at=as_of)
                .on_conflict_do_nothing()
                .returning(pending_reminders.c.origin_id)
            )
            if first.first() is None:
                continue
            provider = await find_provider(tx.conn, record.provider_id)
            timezone = provider.timezone if provider else "UTC"
            await tx.emit(
                PendingDeadlineApproaching(
                    occurred_at=as_of,
                    record_id=record.record_id,
                    provider_id=record.provider_id,
                    child_id=record.child_id,
                    case_id=record.case_id,
                    deadline=record.deadline,
                    days_left=days_left(record.deadline, as_of, timezone),
                )
            )
            reminded += 1
    return reminded
