"""Billing's read models, kept from other services' events (architecture rule 1);
anything arriving for a submitted month goes on a supplemental bill (BILL-2)."""

from __future__ import annotations

from datetime import datetime

from services.attendance.domain.days import local_moment
from shared.contract.events import (
    AbsenceRecorded,
    AttendanceChanged,
    AttendanceRecorded,
    AuthorizationChanged,
    CheckOutMissing,
    MonthAttested,
    PendingAttendanceCreated,
    ProviderChanged,
)
from shared.policy import load_pack
from shared.service import ServiceRuntime, Transaction

from .. import readmodel
from ..later import after_attendance, after_authorization_change


class ProviderNotYetKnown(RuntimeError):
    """An event that needs the provider's time zone arrived before the provider did.

    Each subject has its own consumer, so `authorization.provider_changed` may still
    be on its way: raising lets the kernel redeliver the event later (and, should the
    provider never come, dead-letter it with the reason) instead of dropping it.
    """


def register(rt: ServiceRuntime) -> None:
    @rt.consume(ProviderChanged.subject, ProviderChanged)
    async def on_provider(event: ProviderChanged, tx: Transaction) -> None:
        """A provider's status, rates and holidays (AUTH-3, BILL-8)."""
        await readmodel.keep_provider(tx.conn, event)

    @rt.consume(AuthorizationChanged.subject, AuthorizationChanged)
    async def on_authorization(event: AuthorizationChanged, tx: Transaction) -> None:
        """An authorization's newest state (AUTH-1); a later one may need a supplemental bill."""
        applied, before = await readmodel.keep_authorization(tx.conn, event)
        if applied:
            await after_authorization_change(tx, event, before)

    @rt.consume(AttendanceRecorded.subject, AttendanceRecorded)
    async def on_recorded(event: AttendanceRecorded, tx: Transaction) -> None:
        """A check-in or check-out as recorded (ATT-1)."""
        await _record(tx, event, rt.clock.now())

    @rt.consume(PendingAttendanceCreated.subject, PendingAttendanceCreated)
    async def on_pending(event: PendingAttendanceCreated, tx: Transaction) -> None:
        """A record awaiting the parent until its deadline (ATT-2, ATT-3)."""
        await _record(tx, event, rt.clock.now(), deadline=event.deadline)

    @rt.consume(AttendanceChanged.subject, AttendanceChanged)
    async def on_changed(event: AttendanceChanged, tx: Transaction) -> None:
        """A record approved, modified, deleted, corrected or expired: a new row replaces
        the old one, which stays on record (ATT-2, ATT-5)."""
        await readmodel.keep_record(
            tx.conn,
            record_id=event.record_id,
            provider_id=event.provider_id,
            child_id=event.child_id,
            case_id=event.case_id,
            direction=event.direction,
            occurred_at=event.occurred_at,
            status=event.status,
            change=event.change,
            replaces=event.replaces,
        )
        await readmodel.replace_record(tx.conn, event.replaces, event.record_id)
        await after_attendance(
            tx,
            provider_id=event.provider_id,
            child_id=event.child_id,
            case_id=event.case_id,
            moment=event.occurred_at,
            day=None,
            authorization_id=None,
            what=f"record {event.replaces} {event.change}",
            source=str(event.event_id),
            now=rt.clock.now(),
        )

    @rt.consume(AbsenceRecorded.subject, AbsenceRecorded)
    async def on_absence(event: AbsenceRecorded, tx: Transaction) -> None:
        """A reported absence or a Z-day (ATT-7)."""
        await readmodel.keep_absence(tx.conn, event)
        await after_attendance(
            tx,
            provider_id=event.provider_id,
            child_id=event.child_id,
            case_id=event.case_id,
            moment=None,
            day=event.date,
            authorization_id=event.authorization_id,
            what="Z-day" if event.kind == "zday" else "absence reported",
            source=str(event.event_id),
            now=rt.clock.now(),
        )

    @rt.consume(CheckOutMissing.subject, CheckOutMissing)
    async def on_checkout_missing(event: CheckOutMissing, tx: Transaction) -> None:
        """The automatic 11:59 pm check-out (ATT-3), kept provisionally until its record
        arrives, so the day is never taken for an open check-in."""
        if event.case_id is None or await readmodel.record_exists(tx.conn, event.record_id):
            return
        provider = await readmodel.provider_record(tx.conn, event.provider_id)
        if provider is None:
            raise ProviderNotYetKnown(f"provider {event.provider_id} is not known yet")
        timezone, program = provider
        at = load_pack(program).attendance.automatic_checkout_at
        await readmodel.keep_record(
            tx.conn,
            record_id=event.record_id,
            provider_id=event.provider_id,
            child_id=event.child_id,
            case_id=event.case_id,
            direction="out",
            occurred_at=local_moment(event.date, at, timezone),
            status="pending",
            provisional=True,
        )

    @rt.consume(MonthAttested.subject, MonthAttested)
    async def on_attested(event: MonthAttested, tx: Transaction) -> None:
        """A provider's or parent's attestation of a child's monthly record (ATT-9)."""
        await readmodel.keep_attestation(tx.conn, event)


async def _record(
    tx: Transaction,
    event: AttendanceRecorded | PendingAttendanceCreated,
    now: datetime,
    *,
    deadline: datetime | None = None,
) -> None:
    outcome = await readmodel.keep_record(
        tx.conn,
        record_id=event.record_id,
        provider_id=event.provider_id,
        child_id=event.child_id,
        case_id=event.case_id,
        direction=event.direction,
        occurred_at=event.occurred_at,
        status=event.status,
        channel=event.channel,
        deadline=deadline,
    )
    if outcome is not readmodel.RecordOutcome.unchanged:
        await after_attendance(
            tx,
            provider_id=event.provider_id,
            child_id=event.child_id,
            case_id=event.case_id,
            moment=event.occurred_at,
            day=None,
            authorization_id=None,
            what=f"record {event.record_id} ({event.direction}, {event.status})",
            source=str(event.event_id),
            now=now,
        )
