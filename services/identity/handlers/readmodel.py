"""Identity's copies of authorizations, providers and children's latest attendance
mark, from the other services' events (architecture rule 1)."""

from __future__ import annotations

from shared.batch_consumer import BatchTransaction, Delivery
from shared.contract import subjects
from shared.contract.events import (
    AttendanceChanged,
    AttendanceRecorded,
    AuthorizationChanged,
    PendingAttendanceCreated,
    ProviderChanged,
)
from shared.service import ServiceRuntime, Transaction

from ..domain.presence import Mark, latest_marks
from ..domain.versions import is_newer
from ..store import journal, readmodel


def register(rt: ServiceRuntime) -> None:
    @rt.consume(subjects.AUTHORIZATION_CHANGED, AuthorizationChanged)
    async def on_authorization(event: AuthorizationChanged, tx: Transaction) -> None:
        """Which child an adult's case may sign at which provider, and when (ID-4)."""
        await journal.lock(tx.conn, f"authorization:{event.authorization_id}")
        current = await readmodel.authorization_version(tx.conn, event.authorization_id)
        if not is_newer(current, event.version):
            return
        await readmodel.save_authorization(
            tx.conn,
            {
                "authorization_id": event.authorization_id,
                "version": event.version,
                "case_id": event.case_id,
                "child_id": event.child.child_id,
                "child_first_name": event.child.first_name,
                "provider_id": event.provider_id,
                "start_date": event.start_date,
                "end_date": event.end_date,
                "status": event.status,
            },
        )

    @rt.consume(subjects.PROVIDER_CHANGED, ProviderChanged)
    async def on_provider(event: ProviderChanged, tx: Transaction) -> None:
        """A provider's program (credential form), time zone, status and staff (ID-5, ID-8)."""
        await journal.lock(tx.conn, f"provider:{event.provider_id}")
        current = await readmodel.provider_version(tx.conn, event.provider_id)
        if not is_newer(current, event.version):
            return
        await readmodel.save_provider(
            tx.conn,
            {
                "provider_id": event.provider_id,
                "version": event.version,
                "name": event.name,
                "program": event.program,
                "timezone": event.timezone,
                "status": event.status.value,
                "email": str(event.email) if event.email else None,
                "staff": [s.model_dump(mode="json") for s in event.staff],
            },
        )

    @rt.consume_batch(subjects.ATTENDANCE_RECORDED, AttendanceRecorded)
    async def on_recorded(
        deliveries: list[Delivery[AttendanceRecorded]], tx: BatchTransaction
    ) -> None:
        """Children checked in or out: the kiosk shows who is in care (`checked_in`).
        One comes with every tap, so a whole fetch is kept in one statement."""
        marks = (
            Mark(
                provider_id=e.provider_id,
                child_id=e.child_id,
                record_id=e.record_id,
                direction=e.direction,
                occurred_at=e.occurred_at,
                status=e.status,
            )
            for e in (d.record for d in deliveries)
        )
        await readmodel.mark_new_records(tx.conn, latest_marks(marks))

    @rt.consume(subjects.ATTENDANCE_PENDING, PendingAttendanceCreated)
    async def on_pending(event: PendingAttendanceCreated, tx: Transaction) -> None:
        """A provider checked a child in or out for the parent (ATT-2)."""
        await readmodel.mark_presence(
            tx.conn,
            provider_id=event.provider_id,
            child_id=event.child_id,
            record_id=event.record_id,
            direction=event.direction,
            occurred_at=event.occurred_at,
            status=event.status,
        )

    @rt.consume(AttendanceChanged.subject, AttendanceChanged)
    async def on_changed(event: AttendanceChanged, tx: Transaction) -> None:
        """A record approved, modified, deleted, corrected or expired (ATT-5)."""
        await readmodel.mark_presence(
            tx.conn,
            provider_id=event.provider_id,
            child_id=event.child_id,
            record_id=event.record_id,
            direction=event.direction,
            occurred_at=event.occurred_at,
            status=event.status,
            replaces=event.replaces,
        )
