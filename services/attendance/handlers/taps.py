"""Taps from a kiosk, the phone app or a phone call (ATT-1, AUTH-2, ATT-6).

The hot path of the service: what the tap needs is read in one statement
(`tap_reads`), the credential is checked by identity (`signer`), both shared with
the taps that arrive at the same time, and the tap is written by group commit
(`tap_commits`) and answered once durable.
"""

from __future__ import annotations

import asyncio
from typing import Any

from shared.coalesce import Coalescer
from shared.contract.errors import ErrorCode
from shared.contract.identity import CredentialVerifyRequest
from shared.contract.replies import RequestRefused
from shared.contract.requests import KioskTapRequest, TapRecord, TapReply
from shared.contract.subjects import scope_of
from shared.db import hot_engine, retry_once_if_dropped
from shared.service import ServiceRuntime

from .. import records
from ..domain.days import local_day
from ..domain.taps import attribute_case, check_tap_time
from ..replies import first_answer
from ..signer import SignerCheck
from ..tap_commits import TapCommitter
from ..tap_reads import TapAsk, TapContext, tap_contexts

TAP_CONCURRENCY = 512
"""Taps in flight at once in one process: each waits on identity and the database,
and the more wait together, the larger (and cheaper per tap) each shared read,
credential check and commit. With 128, 2,000 taps/s offered queued behind the
limit instead of joining the batches (benchmarks/taps_results.md)."""

READS_AT_ONCE = 1
"""Tap reads under way at once; the taps that arrive meanwhile share the next."""

READ_LINGER_SECONDS = 0.010
"""How long the first tap after a quiet moment waits for others to share its read.
The taps then move through identity's check, the commit and the relay together:
at a few hundred taps a second, batches of one tap cost the machine three times
the CPU per tap of full batches (benchmarks/taps_results.md)."""

READ_CONNECTIONS = READS_AT_ONCE
"""The tap reads' pool: one connection per read under way (a pool that overflows
opens, that is forks, a connection per read)."""

WRITE_CONNECTIONS = 2
"""Group commit writes one batch at a time; one spare for a batch retried tap by tap."""


def register(rt: ServiceRuntime) -> None:
    reads = hot_engine(rt.settings.database_url, pool_size=READ_CONNECTIONS)
    writes = hot_engine(rt.settings.database_url, pool_size=WRITE_CONNECTIONS)
    committer = TapCommitter(writes, rt.relay.wake, rt.log)

    async def read_many(asks: list[TapAsk]) -> list[TapContext]:
        async def read() -> list[TapContext]:
            async with reads.connect() as conn:
                return await tap_contexts(conn, asks)

        return await retry_once_if_dropped(read)

    context_of = Coalescer(
        read_many,
        name="attendance:tap reads",
        log=rt.log,
        batches=READS_AT_ONCE,
        linger_seconds=READ_LINGER_SECONDS,
    )
    signer_of = SignerCheck(rt)

    async def stop_writing() -> None:
        """Held for the service's life; at stop, the taps handed over are written
        (bounded) before the pools close."""
        try:
            await asyncio.Event().wait()
        finally:
            await context_of.close()
            await signer_of.close()
            await committer.close()
            await writes.dispose()
            await reads.dispose()

    rt.worker("tap_commits")(stop_writing)

    async def tap(request: KioskTapRequest, subject: str) -> dict[str, Any]:
        """Record a check-in or check-out signed by the adult's credential (ATT-1).

        The same `event_id` resent returns the first answer and records nothing.
        """
        provider_id = scope_of(subject)
        event_id = str(request.event_id)
        known = await context_of(TapAsk(event_id, provider_id, tuple(request.child_ids)))
        if known.earlier is not None:
            return first_answer(*known.earlier, subject)
        provider = known.provider
        if provider is None:
            raise RequestRefused(
                ErrorCode.provider_not_active, f"Provider {provider_id} is not known here."
            )
        flagged = provider.admits_attendance()
        now = rt.clock.now()
        check_tap_time(request.occurred_at, now, provider.pack)
        signer = await signer_of(
            CredentialVerifyRequest(
                provider_id=provider_id,
                device_id=request.device_id,
                pin=request.pin,
                phone=request.phone,
                card=request.card,
                at=request.occurred_at,
            )
        )
        strangers = [c for c in request.child_ids if c not in signer.child_ids]
        if strangers:
            raise RequestRefused(
                ErrorCode.not_authorized,
                f"This adult may not check {', '.join(strangers)} in or out here that day.",
            )
        day = local_day(request.occurred_at, provider.timezone)
        new = []
        for child_id in request.child_ids:
            chosen = attribute_case(
                known.coverages,
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
        reply = TapReply(
            records=[
                TapRecord(child_id=r.child_id, record_id=r.record_id, status="confirmed")
                for r in new
            ]
        ).model_dump(mode="json")
        return await committer.commit(event_id, subject, new, reply)

    rt.serve(KioskTapRequest.subject, KioskTapRequest, concurrency=TAP_CONCURRENCY)(tap)
