"""A provider's records on the parent's behalf (ATT-2) and its corrections (ATT-5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import AttendanceCorrectRequest, AttendanceRecordRequest, RecordReply
from shared.contract.subjects import scope_of
from shared.contract.types import month_of
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..coverage import coverages
from ..domain.corrections import check_correction, signed_by_parent
from ..domain.days import local_day
from ..domain.pending import pending_deadline
from ..domain.taps import CLOCK_SKEW, attribute_case
from ..providers import known_provider
from ..readmodels import month_submitted
from ..replies import once


def not_in_future(moment: datetime, now: datetime) -> None:
    if moment > now + CLOCK_SKEW:
        raise RequestRefused(ErrorCode.time_in_future, "That time is in the future.")


async def live_record_of(conn: AsyncConnection, provider_id: str, record_id: str) -> records.Record:
    """The live record at this provider, locked for the change, or a refusal."""
    record = await records.live_for_update(conn, record_id)
    if record is not None and record.provider_id == provider_id:
        return record
    stored = await records.find(conn, record_id)
    if stored is None or stored.provider_id != provider_id:
        raise RequestRefused(ErrorCode.not_found, f"No record {record_id} at this provider.")
    raise RequestRefused(
        ErrorCode.record_superseded,
        "This record was changed since; its history shows the newest version.",
    )


def register(rt: ServiceRuntime) -> None:
    @rt.serve(AttendanceRecordRequest.subject, AttendanceRecordRequest)
    async def record(request: AttendanceRecordRequest, subject: str) -> dict[str, Any]:
        """A check-in or out made by the provider for the parent: pending until the
        parent approves, modifies or deletes it within the pack's window (ATT-2)."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            provider = await known_provider(tx.conn, provider_id)
            flagged = provider.admits_attendance()
            now = rt.clock.now()
            not_in_future(request.occurred_at, now)
            day = local_day(request.occurred_at, provider.timezone)
            found = await coverages(tx.conn, provider_id, [request.child_id], day)
            chosen = attribute_case(
                found,
                child_id=request.child_id,
                provider_id=provider_id,
                day=day,
                named_case_id=request.case_id,
            )
            deadline = pending_deadline(now, provider.timezone, provider.pack)
            [new] = await records.add(
                tx,
                [
                    records.original(
                        provider_id=provider_id,
                        child_id=request.child_id,
                        case_id=chosen.case_id,
                        authorization_id=chosen.authorization_id,
                        direction=request.direction,
                        occurred_at=request.occurred_at,
                        local_date=day,
                        channel=request.channel,
                        status="pending",
                        deadline=deadline,
                        recorded_at=now,
                        operator_id=request.operator_id,
                        flagged=flagged,
                        event_id=str(request.event_id),
                    )
                ],
            )
            reply = RecordReply(record_id=new.record_id, status="pending", deadline=deadline)
            return reply.model_dump(mode="json")

        return await once(rt, str(request.event_id), subject, write)

    @rt.serve(AttendanceCorrectRequest.subject, AttendanceCorrectRequest)
    async def correct(request: AttendanceCorrectRequest, subject: str) -> dict[str, Any]:
        """A new time for a record the parent did not sign, within the pack's window;
        the old row stays beside the new one with who, when and why (ATT-5)."""
        provider_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            provider = await known_provider(tx.conn, provider_id)
            old = await live_record_of(tx.conn, provider_id, request.record_id)
            now = rt.clock.now()
            check_correction(
                signed_by_parent=signed_by_parent(old.channel, old.change),
                status=old.status,
                now=now,
                pack=provider.pack,
                next_care_day_starts=await records.next_care_day_start(
                    tx.conn, provider_id, old.child_id, old.local_date
                ),
                month_submitted=await month_submitted(
                    tx.conn, provider_id, old.child_id, month_of(old.local_date)
                ),
            )
            not_in_future(request.occurred_at, now)
            if local_day(request.occurred_at, provider.timezone) != old.local_date:
                raise RequestRefused(
                    ErrorCode.not_same_day,
                    f"The new time must be on {old.local_date.isoformat()}, the record's day.",
                )
            new = await records.replace(
                tx,
                old,
                change="corrected",
                by=request.operator_id,
                reason=request.reason,
                status=old.status,
                occurred_at=request.occurred_at,
                now=now,
                event_id=str(request.event_id),
            )
            reply = RecordReply(record_id=new.record_id, status=new.status, deadline=new.deadline)
            return reply.model_dump(mode="json")

        return await once(rt, str(request.event_id), subject, write)
