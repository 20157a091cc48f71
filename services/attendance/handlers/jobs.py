"""The `ops.attendance.*` jobs, each also run on a schedule (ATT-2, ATT-3, ATT-7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from shared.contract.attendance import (
    CloseDayReply,
    ClosedDay,
    ExpirePendingReply,
    RemindPendingReply,
    RemindPendingRequest,
)
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import CloseDayRequest, ExpirePendingRequest
from shared.service import ServiceRuntime

from ..day_closing import close_day
from ..domain.closing import day_has_closed, days_to_close
from ..pending_jobs import expire_pending, remind_pending
from ..providers import Provider, all_providers, find_provider

CLOSE_EVERY = timedelta(minutes=10)
PENDING_EVERY = timedelta(minutes=1)


async def close(rt: ServiceRuntime, provider: Provider, day: date) -> ClosedDay:
    async with rt.transaction() as tx:
        done = await close_day(tx, provider, day, rt.clock.now())
    return ClosedDay(
        provider_id=provider.provider_id,
        checked_out=done.checked_out,
        zdays=done.zdays,
        errors=done.errors,
    )


async def close_ended_days(rt: ServiceRuntime, now: datetime) -> None:
    """Close each provider's local days whose 11:59 pm has passed, back as far as an
    offline kiosk may still send taps for them; a day closed before is unchanged."""
    async with rt.engine.connect() as conn:
        providers = await all_providers(conn)
    for provider in providers:
        for day in days_to_close(now, provider.timezone, provider.pack):
            await close(rt, provider, day)


def register(rt: ServiceRuntime) -> None:
    @rt.serve(CloseDayRequest.subject, CloseDayRequest)
    async def close_day_request(request: CloseDayRequest, _subject: str) -> dict[str, Any]:
        """Automatic check-outs (ATT-3), Z-days (ATT-7) and the day's errors (ATT-4) for
        `date` at every provider whose 11:59 pm of that date has passed."""
        async with rt.engine.connect() as conn:
            if request.provider_id is None:
                chosen = await all_providers(conn)
            else:
                found = await find_provider(conn, request.provider_id)
                if found is None:
                    raise RequestRefused(
                        ErrorCode.not_found, f"No provider {request.provider_id} here."
                    )
                chosen = [found]
        now = rt.clock.now()
        closed, not_ended = [], []
        for provider in chosen:
            if day_has_closed(request.date, provider.timezone, provider.pack, now):
                closed.append(await close(rt, provider, request.date))
            else:
                not_ended.append(provider.provider_id)
        reply = CloseDayReply(date=request.date, closed=closed, not_ended=not_ended)
        return reply.model_dump(mode="json")

    @rt.periodic("close_day", every=CLOSE_EVERY)
    async def close_days(now: datetime) -> None:
        """Nightly, per provider time zone (ATT-3, ATT-7)."""
        await close_ended_days(rt, now)

    @rt.serve(ExpirePendingRequest.subject, ExpirePendingRequest)
    async def expire_request(request: ExpirePendingRequest, _subject: str) -> dict[str, Any]:
        """Expire pending records whose deadline passed by `as_of` (ATT-2)."""
        expired = await expire_pending(rt, request.as_of)
        return ExpirePendingReply(expired=expired).model_dump(mode="json")

    @rt.serve(RemindPendingRequest.subject, RemindPendingRequest)
    async def remind_request(request: RemindPendingRequest, _subject: str) -> dict[str, Any]:
        """Remind parents of pending records two days before their deadline (NOT-2)."""
        reminded = await remind_pending(rt, request.as_of)
        return RemindPendingReply(reminded=reminded).model_dump(mode="json")

    @rt.periodic("pending_deadlines", every=PENDING_EVERY)
    async def pending_deadlines(now: datetime) -> None:
        """Expire what is past its deadline, and remind what is near it."""
        await expire_pending(rt, now)
        await remind_pending(rt, now)
