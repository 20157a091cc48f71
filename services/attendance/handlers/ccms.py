"""Days sent by a provider's own software, the approved CCMS route (ATT-1, AUTH-2).

Each record counts as signed by the provider's software; each `record_key` is
applied once, ever; a record is checked against the authorizations like a tap
and refused with a code when it does not pass. A child's month already
submitted takes nothing more (BILL-2).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import (
    AttendanceImportRequest,
    ImportRecord,
    ImportRefusal,
    ImportReply,
)
from shared.contract.subjects import scope_of
from shared.contract.types import month_of
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..coverage import coverages_any_day
from ..domain.ccms import ImportedDay, imported_day
from ..domain.taps import attribute_case
from ..providers import known_provider
from ..replies import once
from ..store import submitted_months


def register(rt: ServiceRuntime) -> None:
    @rt.serve(AttendanceImportRequest.subject, AttendanceImportRequest)
    async def import_days(request: AttendanceImportRequest, subject: str) -> dict[str, Any]:
        """A batch of days from the provider's software: accepted ones are confirmed
        and announced like any attendance; refused ones come back with a code."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            provider = await known_provider(tx.conn, provider_id)
            flagged = provider.admits_attendance()
            now = rt.clock.now()
            children = {r.child_id for r in request.records}
            found = await coverages_any_day(tx.conn, provider_id, children)
            used = await records.source_keys_used(
                tx.conn, provider_id, [r.record_key for r in request.records]
            )
            submitted = {
                (row.child_id, row.month)
                for row in await tx.conn.execute(
                    select(submitted_months.c.child_id, submitted_months.c.month).where(
                        submitted_months.c.provider_id == provider_id,
                        submitted_months.c.child_id.in_(children),
                    )
                )
            }
            accepted: list[str] = []
            refused: list[ImportRefusal] = []
            new: list[records.Record] = []

            def refuse(item: ImportRecord, code: ErrorCode) -> None:
                refused.append(ImportRefusal(record_key=item.record_key, code=code.value))

            for item in request.records:
                if item.record_key in used:
                    refuse(item, ErrorCode.record_key_used)
                    continue
                if (item.child_id, month_of(item.date)) in submitted:
                    refuse(item, ErrorCode.already_submitted)
                    continue
                day = imported_day(item.date, item.in_, item.out, provider.timezone, now)
                if not isinstance(day, ImportedDay):
                    refuse(item, day)
                    continue
                try:
                    chosen = attribute_case(
                        found,
                        child_id=item.child_id,
                        provider_id=provider_id,
                        day=item.date,
                        named_case_id=item.case_id,
                    )
                except RequestRefused as refusal:
                    refuse(item, refusal.code)
                    continue
                used = used | {item.record_key}
                accepted.append(item.record_key)
                moments = [("in", day.check_in), ("out", day.check_out)]
                new.extend(
                    records.original(
                        provider_id=provider_id,
                        child_id=item.child_id,
                        case_id=chosen.case_id,
                        authorization_id=chosen.authorization_id,
                        direction=direction,
                        occurred_at=moment,
                        local_date=item.date,
                        channel="ccms",
                        status="confirmed",
                        recorded_at=now,
                        operator_id=request.operator_id,
                        source=request.source,
                        source_key=item.record_key,
                        flagged=flagged,
                        event_id=str(request.event_id),
                    )
                    for direction, moment in moments
                    if moment is not None
                )
            await records.add(tx, new)
            return ImportReply(accepted=accepted, refused=refused).model_dump(mode="json")

        return await once(rt, str(request.event_id), subject, write)
