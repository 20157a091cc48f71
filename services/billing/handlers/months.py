"""Month close, submission and deadline reminders (BILL-1, BILL-2), each job both
scheduled and an `ops.billing.*` request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.contract.billing import (
    CloseMonthReply,
    DeadlineReminder,
    RemindDeadlinesReply,
    RemindDeadlinesRequest,
)
from shared.contract.requests import CloseMonthRequest, MonthSubmitRequest
from shared.contract.subjects import scope_of
from shared.service import ServiceRuntime

from ..claiming import known_provider
from ..closing import close_month, months_to_close, remind_deadlines
from ..reporting import produce_report
from ..submitting import submit_month

CLOSE_EVERY = timedelta(hours=1)
REMIND_EVERY = timedelta(hours=1)


def register(rt: ServiceRuntime) -> None:
    @rt.serve(CloseMonthRequest.subject, CloseMonthRequest)
    async def close(request: CloseMonthRequest, _subject: str) -> CloseMonthReply:
        """Close a month: `MonthClosed` per provider whose month has ended (BILL-1)."""
        async with rt.transaction() as tx:
            if request.provider_id is not None:
                await known_provider(tx.conn, request.provider_id)
            outcome = await close_month(
                tx,
                request.month,
                rt.clock.now(),
                provider_id=request.provider_id,
                operator_id=request.operator_id,
            )
        return CloseMonthReply(month=request.month, **outcome)

    @rt.periodic("close_months", every=CLOSE_EVERY)
    async def scheduled_close(now: datetime) -> None:
        """The day after a month ends, close it for every provider (BILL-1)."""
        for month in months_to_close(now):
            async with rt.transaction() as tx:
                await close_month(tx, month, now, provider_id=None, operator_id=None)

    @rt.serve(MonthSubmitRequest.subject, MonthSubmitRequest)
    async def submit(request: MonthSubmitRequest, subject: str) -> dict[str, Any]:
        """Submit the month's children once each (BILL-1, BILL-2, ATT-4); the claim is then
        stored and announced (BILL-9)."""
        provider_id = scope_of(subject)
        async with rt.transaction() as tx:
            reply, accepted = await submit_month(tx, provider_id, request, rt.clock.now())
        if accepted:
            try:
                await produce_report(rt, provider_id, request.month, "claim", "json")
            except Exception:
                rt.log.warning(
                    "submitted claim not stored as a report; `billing.report` can store it",
                    exc_info=True,
                    extra={"provider_id": provider_id, "month": request.month},
                )
        return reply

    @rt.serve(RemindDeadlinesRequest.subject, RemindDeadlinesRequest)
    async def remind(request: RemindDeadlinesRequest, _subject: str) -> RemindDeadlinesReply:
        """Tell providers their submission deadline is near (BILL-1, NOT-2)."""
        async with rt.transaction() as tx:
            reminded = await remind_deadlines(tx, request.as_of)
        return RemindDeadlinesReply(reminded=[DeadlineReminder(**r) for r in reminded])

    @rt.periodic("remind_deadlines", every=REMIND_EVERY)
    async def scheduled_remind(now: datetime) -> None:
        async with rt.transaction() as tx:
            await remind_deadlines(tx, now)
