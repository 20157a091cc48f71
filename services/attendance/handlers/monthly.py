"""The monthly attendance record of a child and its attestation (ATT-9)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.attendance import (
    Attestation,
    MonthAttestRequest,
    MonthDay,
    MonthPair,
    MonthRecordReply,
    MonthRecordRequest,
    ParentMonthAttestRequest,
    ParentMonthRecordRequest,
)
from shared.contract.errors import ErrorCode
from shared.contract.events import MonthAttested
from shared.contract.replies import RequestRefused
from shared.contract.subjects import scope_of
from shared.contract.types import month_end, month_start
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..absence_book import absences_between
from ..coverage import child_cases_at
from ..domain.board import pair_status
from ..domain.days import local_day
from ..domain.monthly import ServiceDay, check_attestable, service_days
from ..domain.pairing import Mark
from ..providers import Provider, known_provider
from ..readmodels import cases_of
from ..replies import once
from ..store import attestations


async def month_of_child(
    conn: AsyncConnection, provider: Provider, child_id: str, month: str, today: date
) -> list[ServiceDay]:
    first, last = month_start(month), month_end(month)
    live = await records.live_between(conn, provider.provider_id, child_id, first, last)
    marks: dict[date, list[Mark]] = defaultdict(list)
    for r in live:
        marks[r.local_date].append(r.mark)
    absent = await absences_between(conn, provider.provider_id, child_id, first, last)
    return service_days(marks, absent, today=today)


def local_hhmm(mark: Mark | None, zone: ZoneInfo) -> str | None:
    return mark.occurred_at.astimezone(zone).strftime("%H:%M") if mark else None


def month_day(day: ServiceDay, zone: ZoneInfo) -> MonthDay:
    minutes = sum(p.minutes or 0 for p in day.board.pairs)
    return MonthDay(
        date=day.day,
        pairs=[
            MonthPair(
                check_in=local_hhmm(p.check_in, zone),
                check_out=local_hhmm(p.check_out, zone),
                status=pair_status(p),  # type: ignore[arg-type]
                error=p.error.value if p.error else None,
                record_ids=[m.record_id for m in (p.check_in, p.check_out) if m],
            )
            for p in day.board.pairs
        ],
        hours=round(minutes / 60, 2),
        absence=day.absence,
    )


async def monthly_record(
    rt: ServiceRuntime, provider_id: str, child_id: str, month: str
) -> dict[str, Any]:
    async with rt.engine.connect() as conn:
        provider = await known_provider(conn, provider_id)
        if not await child_cases_at(conn, provider_id, child_id):
            raise RequestRefused(ErrorCode.not_found, f"No child {child_id} at this provider.")
        today = local_day(rt.clock.now(), provider.timezone)
        days = await month_of_child(conn, provider, child_id, month, today)
        signed = await conn.execute(
            select(attestations).where(
                attestations.c.provider_id == provider_id,
                attestations.c.child_id == child_id,
                attestations.c.month == month,
            )
        )
        attested = [
            Attestation(by_role=a.by_role, by=a.by, attested_at=a.attested_at) for a in signed
        ]
    zone = ZoneInfo(provider.timezone)
    reply = MonthRecordReply(
        provider_id=provider_id,
        child_id=child_id,
        month=month,
        days=[month_day(d, zone) for d in days],
        attestations=sorted(attested, key=lambda a: a.by_role),
        attested={a.by_role for a in attested} == {"provider", "parent"},
    )
    return reply.model_dump(mode="json")


async def attest(
    rt: ServiceRuntime,
    tx: Transaction,
    *,
    provider_id: str,
    child_id: str,
    month: str,
    by_role: str,
    by: str,
    event_id: str,
) -> dict[str, Any]:
    """Attest the month once per role, when it is final (ATT-9)."""
    provider = await known_provider(tx.conn, provider_id)
    now = rt.clock.now()
    days = await month_of_child(
        tx.conn, provider, child_id, month, local_day(now, provider.timezone)
    )
    check_attestable(days, month=month, timezone=provider.timezone, now=now)
    kept = await tx.conn.execute(
        insert(attestations)
        .values(
            provider_id=provider_id,
            child_id=child_id,
            month=month,
            by_role=by_role,
            by=by,
            attested_at=now,
            event_id=event_id,
        )
        .on_conflict_do_nothing()
        .returning(attestations.c.by)
    )
    if kept.first() is not None:
        await tx.emit(
            MonthAttested(
                occurred_at=now,
                provider_id=provider_id,
                child_id=child_id,
                month=month,
                by_role=by_role,  # type: ignore[arg-type]
                by=by,
            )
        )
    return {"ok": True}


def register(rt: ServiceRuntime) -> None:
    @rt.serve(MonthRecordRequest.subject, MonthRecordRequest)
    async def provider_record(request: MonthRecordRequest, subject: str) -> dict[str, Any]:
        """Each date of service with the actual in and out times, and who attested."""
        return await monthly_record(rt, scope_of(subject), request.child_id, request.month)

    @rt.serve(ParentMonthRecordRequest.subject, ParentMonthRecordRequest)
    async def parent_record(request: ParentMonthRecordRequest, subject: str) -> dict[str, Any]:
        """The monthly record of the parent's own child."""
        async with rt.engine.connect() as conn:
            await parent_of(conn, scope_of(subject), request.provider_id, request.child_id)
        return await monthly_record(rt, request.provider_id, request.child_id, request.month)

    @rt.serve(MonthAttestRequest.subject, MonthAttestRequest)
    async def provider_attest(request: MonthAttestRequest, subject: str) -> dict[str, Any]:
        """The provider attests the child's month (ATT-9)."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            if not await child_cases_at(tx.conn, provider_id, request.child_id):
                raise RequestRefused(
                    ErrorCode.not_found, f"No child {request.child_id} at this provider."
                )
            return await attest(
                rt,
                tx,
                provider_id=provider_id,
                child_id=request.child_id,
                month=request.month,
                by_role="provider",
                by=request.operator_id,
                event_id=str(request.event_id),
            )

        return await once(rt, str(request.event_id), subject, write)

    @rt.serve(ParentMonthAttestRequest.subject, ParentMonthAttestRequest)
    async def parent_attest(request: ParentMonthAttestRequest, subject: str) -> dict[str, Any]:
        """The parent attests the child's month (ATT-9)."""
        person_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            await parent_of(tx.conn, person_id, request.provider_id, request.child_id)
            return await attest(
                rt,
                tx,
                provider_id=request.provider_id,
                child_id=request.child_id,
                month=request.month,
                by_role="parent",
                by=person_id,
                event_id=str(request.event_id),
            )

        return await once(rt, str(request.event_id), subject, write)


async def parent_of(conn: AsyncConnection, person_id: str, provider_id: str, child_id: str) -> None:
    """Refuse unless the adult is on a case with the child at the provider."""
    if not (await child_cases_at(conn, provider_id, child_id)) & await cases_of(conn, person_id):
        raise RequestRefused(ErrorCode.not_your_child, f"{child_id} is not on your case here.")
