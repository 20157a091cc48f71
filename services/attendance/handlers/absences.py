"""Reported absences, documented outages and lost cards (ATT-7, ATT-8, ID-9)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from shared.contract.attendance import (
    AbsenceReply,
    LostCardReport,
    OutageReport,
    ParentAbsenceReport,
    ProviderAbsenceReport,
)
from shared.contract.errors import ErrorCode
from shared.contract.events import CardReportedLost
from shared.contract.replies import RequestRefused
from shared.contract.subjects import scope_of
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..absence_book import (
    check_standard,
    keep_lost_card,
    local_day_of_report,
    record_absence,
)
from ..coverage import authorized_on
from ..domain.taps import attribute_case
from ..providers import known_provider
from ..readmodels import cases_of
from ..replies import once
from ..store import outages


async def report_absence(
    rt: ServiceRuntime,
    tx: Transaction,
    *,
    provider_id: str,
    child_id: str,
    day: date,
    reason: str,
    reported_by: str,
    named_case_id: str | None = None,
    adult_cases: frozenset[str] | None = None,
    event_id: str,
) -> dict[str, Any]:
    """Keep a reported absence of an authorized day with no attendance (ATT-7)."""
    provider = await known_provider(tx.conn, provider_id)
    held = await authorized_on(tx.conn, provider_id, day)
    chosen = attribute_case(
        [a.coverage for a in held],
        child_id=child_id,
        provider_id=provider_id,
        day=day,
        named_case_id=named_case_id,
        signer_case_ids=adult_cases,
    )
    attended = [
        r
        for r in await records.live_on(tx.conn, provider_id, day, [child_id])
        if r.status != "deleted"
    ]
    if attended:
        raise RequestRefused(
            ErrorCode.attendance_exists,
            f"{child_id} has attendance on {day.isoformat()}; delete or correct it first.",
        )
    authorized = next(a for a in held if a.coverage == chosen)
    now = rt.clock.now()
    absence_id, new = await record_absence(
        tx,
        authorized=authorized,
        day=day,
        kind="reported",
        reason=reason,
        counts=True,
        reported_by=reported_by,
        now=now,
        event_id=event_id,
    )
    if new:
        await check_standard(tx, provider.pack, child_id, chosen.case_id, day, now)
    return AbsenceReply(absence_id=absence_id, counts_as_absence=True).model_dump(mode="json")


def register(rt: ServiceRuntime) -> None:
    @rt.serve(ProviderAbsenceReport.subject, ProviderAbsenceReport)
    async def provider_report(request: ProviderAbsenceReport, subject: str) -> dict[str, Any]:
        """The provider reports a child absent, with a reason (ATT-7)."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            return await report_absence(
                rt,
                tx,
                provider_id=provider_id,
                child_id=request.child_id,
                day=request.date,
                reason=request.reason,
                reported_by=request.operator_id,
                named_case_id=request.case_id,
                event_id=str(request.event_id),
            )

        return await once(rt, str(request.event_id), subject, write)

    @rt.serve(ParentAbsenceReport.subject, ParentAbsenceReport)
    async def parent_report(request: ParentAbsenceReport, subject: str) -> dict[str, Any]:
        """A parent reports their child absent, with a reason (ATT-7)."""
        person_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            mine = await cases_of(tx.conn, person_id)
            held = await authorized_on(tx.conn, request.provider_id, request.date)
            if not any(
                a.coverage.child_id == request.child_id and a.coverage.case_id in mine for a in held
            ):
                raise RequestRefused(
                    ErrorCode.not_your_child,
                    f"{request.child_id} is not on your case at this provider that day.",
                )
            return await report_absence(
                rt,
                tx,
                provider_id=request.provider_id,
                child_id=request.child_id,
                day=request.date,
                reason=request.reason,
                reported_by=person_id,
                adult_cases=mine,
                event_id=str(request.event_id),
            )

        return await once(rt, str(request.event_id), subject, write)

    @rt.serve(OutageReport.subject, OutageReport)
    async def outage(request: OutageReport, subject: str) -> dict[str, Any]:
        """The provider's device or phone system was down: that day's Z-days are
        not counted as absences (ATT-7)."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            await known_provider(tx.conn, provider_id)
            await tx.conn.execute(
                insert(outages)
                .values(
                    provider_id=provider_id,
                    date=request.date,
                    reason=f"{request.system}: {request.reason}",
                    reported_by=request.operator_id,
                    recorded_at=rt.clock.now(),
                )
                .on_conflict_do_nothing()
            )
            return {"ok": True}

        return await once(rt, str(request.event_id), subject, write)

    @rt.serve(LostCardReport.subject, LostCardReport)
    async def lost_card(request: LostCardReport, subject: str) -> dict[str, Any]:
        """An adult's card was lost: the pack's allowance of Z-days after it is not
        counted (ID-9, ATT-7)."""

        async def write(tx: Transaction) -> dict[str, Any]:
            await keep_lost_card(
                tx.conn,
                request.person_id,
                request.date,
                request.operator_id or "operator",
                rt.clock.now(),
            )
            return {"ok": True}

        return await once(rt, str(request.event_id), subject, write)

    @rt.consume(CardReportedLost.subject, CardReportedLost)
    async def on_card_reported_lost(event: CardReportedLost, tx: Transaction) -> None:
        """A parent reported their card lost to identity (ID-9): the allowance of Z-days
        starts that day, with no operator in between (ATT-7)."""
        day = await local_day_of_report(tx.conn, event.person_id, event.occurred_at)
        await keep_lost_card(tx.conn, event.person_id, day, event.person_id, rt.clock.now())
