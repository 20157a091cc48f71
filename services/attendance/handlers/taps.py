"""Taps from a kiosk, the phone app or a phone call (ATT-1, AUTH-2, ATT-6)."""

from __future__ import annotations

from typing import Any

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import KioskTapRequest, TapRecord, TapReply
from shared.contract.subjects import scope_of
from shared.service import ServiceRuntime, Transaction

from .. import records
from ..coverage import coverages
from ..domain.days import local_day
from ..domain.taps import attribute_case, check_tap_time
from ..providers import known_provider
from ..replies import answer_once, stored_answer
from ..serving import serve_concurrently
from ..signer import verify_signer

TAP_WORKERS = 32
"""Taps in flight at once in one process (each waits on identity and the database)."""


def register(rt: ServiceRuntime) -> None:
    async def tap(request: KioskTapRequest, subject: str) -> dict[str, Any]:
        """Record a check-in or check-out signed by the adult's credential (ATT-1).

        The same `event_id` resent returns the first answer and records nothing.
        """
        provider_id = scope_of(subject)
        event_id = str(request.event_id)
        async with rt.engine.connect() as conn:
            if (first := await stored_answer(conn, event_id, subject)) is not None:
                return first
            provider = await known_provider(conn, provider_id)
        flagged = provider.admits_attendance()
        now = rt.clock.now()
        check_tap_time(request.occurred_at, now, provider.pack)
        signer = await verify_signer(
            rt.broker, provider_id, request.device_id, request, at=request.occurred_at
        )
        strangers = [c for c in request.child_ids if c not in signer.child_ids]
        if strangers:
            raise RequestRefused(
                ErrorCode.not_authorized,
                f"This adult may not check {', '.join(strangers)} in or out here that day.",
            )
        day = local_day(request.occurred_at, provider.timezone)

        async def write(tx: Transaction) -> dict[str, Any]:
            found = await coverages(tx.conn, provider_id, request.child_ids, day)
            new = []
            for child_id in request.child_ids:
                chosen = attribute_case(
                    found,
                    child_id=child_id,
                    provider_id=provider_id,
                    day=day,
                    signer_case_ids=signer.cases_by_child.get(child_id),
                )
                new.append(
                    records.original(
                        provider_id=provider_id,
                        child_id=child_id,
                        case_id=chosen.case_id,
                        authorization_id=chosen.authorization_id,
                        direction=request.direction,
                        occurred_at=request.occurred_at,
                        local_date=day,
                        channel=request.channel,
                        status="confirmed",
                        recorded_at=now,
                        device_id=request.device_id,
                        person_id=signer.person_id,
                        flagged=flagged,
                        event_id=event_id,
                    )
                )
            await records.add(tx, new)
            reply = TapReply(
                records=[
                    TapRecord(child_id=r.child_id, record_id=r.record_id, status="confirmed")
                    for r in new
                ]
            )
            return reply.model_dump(mode="json")

        return await answer_once(rt, event_id, subject, write)

    serve_concurrently(rt, KioskTapRequest.subject, KioskTapRequest, tap, workers=TAP_WORKERS)
