"""Closing a provider's day (ATT-3, ATT-4, ATT-7): automatic check-outs, Z-days,
and the errors left for the provider. Idempotent: a second run for the same
day finds nothing left to do."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from shared.contract.events import AttendanceErrorsUnresolved, CheckOutMissing
from shared.service import Transaction

from . import records
from .absence_book import (
    check_standard,
    lost_card_days_used,
    outage_on,
    record_absence,
    reported_absent,
)
from .coverage import authorized_on
from .domain.absences import zday
from .domain.board import child_day
from .domain.closing import automatic_checkout_at, open_check_in
from .domain.pending import pending_deadline
from .providers import Provider
from .store import day_closures


@dataclass(frozen=True)
class Closed:
    checked_out: int
    zdays: int
    errors: list[str]


async def close_day(tx: Transaction, provider: Provider, day: date, now: datetime) -> Closed:
    """Close one provider's day; the caller checked that its 11:59 pm has passed."""
    await tx.conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"close:{provider.provider_id}:{day.isoformat()}"},
    )
    checked_out = await _check_out_the_open(tx, provider, day, now)
    zdays = await _zdays(tx, provider, day, now) if provider.pack.absences.zdays else 0
    errors = await _unresolved_errors(tx, provider, day, now)
    return Closed(checked_out, zdays, errors)


async def _check_out_the_open(tx: Transaction, provider: Provider, day: date, now: datetime) -> int:
    """A child still checked in gets a pending check-out at 11:59 pm (ATT-3)."""
    by_child: dict[str, list[records.Record]] = defaultdict(list)
    for r in await records.live_on(tx.conn, provider.provider_id, day):
        by_child[r.child_id].append(r)
    at = automatic_checkout_at(day, provider.timezone, provider.pack)
    deadline = pending_deadline(at, provider.timezone, provider.pack)
    new = []
    for rows in by_child.values():
        mark = open_check_in(r.mark for r in rows)
        if mark is None:
            continue
        check_in = next(r for r in rows if r.record_id == mark.record_id)
        new.append(
            records.original(
                provider_id=provider.provider_id,
                child_id=check_in.child_id,
                case_id=check_in.case_id,
                authorization_id=check_in.authorization_id,
                direction="out",
                occurred_at=max(at, check_in.occurred_at),
                local_date=day,
                channel="provider",
                status="pending",
                deadline=deadline,
                automatic=True,
                flagged=check_in.flagged,
                recorded_at=now,
                by="system",
            )
        )
    await records.add(tx, new)
    for r in new:
        await tx.emit(
            CheckOutMissing(
                occurred_at=now,
                record_id=r.record_id,
                provider_id=r.provider_id,
                child_id=r.child_id,
                date=day,
                case_id=r.case_id,
            )
        )
    return len(new)


async def _zdays(tx: Transaction, provider: Provider, day: date, now: datetime) -> int:
    """An authorized care day with no attendance at all is a Z-day (ATT-7)."""
    attended = {
        r.child_id
        for r in await records.live_on(tx.conn, provider.provider_id, day)
        if r.status != "deleted"
    }
    outage = await outage_on(tx.conn, provider.provider_id, day)
    allowance = provider.pack.identity.lost_card_zday_allowance_days
    made = 0
    for authorized in await authorized_on(tx.conn, provider.provider_id, day):
        c = authorized.coverage
        used, lost = await lost_card_days_used(tx.conn, c.child_id, c.case_id, day)
        decision = zday(
            day,
            schedule_days=authorized.schedule_days,
            attended=c.child_id in attended,
            reported_absence=await reported_absent(tx.conn, c.provider_id, c.child_id, day),
            lost_card_days_used=used,
            lost_card_allowance=allowance if lost else None,
            device_outage=outage,
        )
        if decision is None:
            continue
        _, new = await record_absence(
            tx,
            authorized=authorized,
            day=day,
            kind="zday",
            reason=decision.reason,
            counts=decision.counts_as_absence,
            reported_by="system",
            now=now,
        )
        if new:
            made += 1
            await check_standard(tx, provider.pack, c.child_id, c.case_id, day, now)
    return made


async def _unresolved_errors(
    tx: Transaction, provider: Provider, day: date, now: datetime
) -> list[str]:
    """The day's errors, announced once for the provider to fix (ATT-4, NOT-2)."""
    by_child: dict[str, list[records.Record]] = defaultdict(list)
    for r in await records.live_on(tx.conn, provider.provider_id, day):
        by_child[r.child_id].append(r)
    errors = [
        {"child_id": child_id, "code": error.value}
        for child_id, rows in sorted(by_child.items())
        for error in child_day([r.mark for r in rows], day_ended=True).errors
    ]
    first = await tx.conn.execute(
        insert(day_closures)
        .values(provider_id=provider.provider_id, date=day, closed_at=now, errors=errors)
        .on_conflict_do_nothing()
        .returning(day_closures.c.date)
    )
    if first.first() is not None and errors:
        await tx.emit(
            AttendanceErrorsUnresolved(
                occurred_at=now, provider_id=provider.provider_id, date=day, errors=errors
            )
        )
    return [e["code"] for e in errors]
