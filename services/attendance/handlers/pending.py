"""The parent's pending records: the list, and approve, modify or delete (ATT-2, ATT-3)."""

from __future__ import annotations

from typing import Any

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import (
    PendingListReply,
    PendingListRequest,
    PendingRecord,
    PendingResolveRequest,
)
from shared.contract.subjects import scope_of
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..absence_book import reported_absent
from ..domain.days import local_day
from ..domain.resolution import CHANGE_OF, RESULT_STATUS, check_resolution
from ..providers import known_provider
from ..readmodels import cases_of
from ..replies import once
from .provider_records import not_in_future


def register(rt: ServiceRuntime) -> None:
    @rt.serve(PendingListRequest.subject, PendingListRequest)
    async def pending_list(_: PendingListRequest, subject: str) -> dict[str, Any]:
        """The records still waiting for this adult: pending, deadline not passed."""
        person_id = scope_of(subject)
        async with rt.engine.connect() as conn:
            waiting = await records.pending_of_cases(
                conn, await cases_of(conn, person_id), rt.clock.now()
            )
        reply = PendingListReply(
            records=[
                PendingRecord(
                    record_id=r.record_id,
                    child_id=r.child_id,
                    provider_id=r.provider_id,
                    direction=r.direction,  # type: ignore[arg-type]
                    occurred_at=r.occurred_at,
                    status="pending",
                    deadline=r.deadline,  # type: ignore[arg-type]
                    automatic=r.automatic,
                )
                for r in waiting
            ]
        )
        return reply.model_dump(mode="json")

    @rt.serve(PendingResolveRequest.subject, PendingResolveRequest)
    async def resolve(request: PendingResolveRequest, subject: str) -> dict[str, Any]:
        """Approve, modify (with the real time) or delete a pending record; the
        parent's answer is kept as a new row beside the old one (ATT-2, ATT-5)."""
        person_id = scope_of(subject)

        async def write(tx: Transaction) -> dict[str, Any]:
            old = await records.live_for_update(tx.conn, request.record_id)
            mine = await cases_of(tx.conn, person_id)
            if old is None:
                stored = await records.find(tx.conn, request.record_id)
                if stored is not None and stored.case_id in mine:
                    raise RequestRefused(
                        ErrorCode.record_not_pending, "This record was already acted on."
                    )
            if old is None or old.case_id not in mine:
                raise RequestRefused(ErrorCode.not_found, "No such record waits for you.")
            provider = await known_provider(tx.conn, old.provider_id)
            now = rt.clock.now()
            new_time = request.occurred_at if request.action == "modify" else None
            if new_time is not None:
                not_in_future(new_time, now)
            check_resolution(
                action=request.action,
                status=old.status,
                deadline=old.deadline,
                automatic=old.automatic,
                record_day=old.local_date,
                new_day=local_day(new_time, provider.timezone) if new_time else None,
                absent_that_day=await reported_absent(
                    tx.conn, old.provider_id, old.child_id, old.local_date
                ),
                now=now,
            )
            new = await records.replace(
                tx,
                old,
                change=CHANGE_OF[request.action],
                by=person_id,
                status=RESULT_STATUS[request.action],
                occurred_at=new_time,
                now=now,
                event_id=str(request.event_id),
            )
            return {"ok": True, "record_id": new.record_id, "status": new.status}

        return await once(rt, str(request.event_id), subject, write)
