"""Kiosk sign-in (ID-4) and the same check for attendance's taps, with the device lock
(ID-2). A success reads only; a failure counts against the device that sent it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from shared.coalesce import Coalescer
from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.identity import CredentialVerifyManyRequest, CredentialVerifyRequest
from shared.contract.replies import RequestRefused, error_reply
from shared.contract.requests import Credential, KioskSigninRequest
from shared.db import disposed_at_stop, hot_engine
from shared.policy import load_pack
from shared.service import ServiceRuntime

from ..domain.lockout import after_failure
from ..domain.signin import (
    Signin,
    Typed,
    check_device,
    check_provider,
    decide,
    local_day,
    pin_invalid,
)
from ..hasher import Hasher
from ..store import signin as stored

REQUEST_CONCURRENCY = 64
"""Sign-ins and credential checks in progress at once per process: each waits on
one read, so many in flight keep the process busy (benchmarks/signin_results.md)."""

READS_AT_ONCE = 1
"""Sign-in reads under way at once; the sign-ins that arrive meanwhile share the next."""


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    engine = hot_engine(rt.settings.database_url)

    async def read_many(asks: list[stored.SnapshotAsk]) -> list[stored.Snapshot]:
        async with engine.connect() as conn:
            return await stored.snapshots(conn, asks)

    read = Coalescer(read_many, name="identity:sign-in reads", log=rt.log, batches=READS_AT_ONCE)

    rt.worker("signin_reads")(disposed_at_stop(engine, read.close))

    async def count_failure(provider_id: str, device_id: str, program: str) -> None:
        policy = load_pack(program).identity.device_lockout
        async with rt.transaction() as tx:
            device = await stored.device_for_update(tx.conn, provider_id, device_id)
            counted = after_failure(device, rt.clock.now(), policy)
            await stored.save_device(tx.conn, provider_id, device_id, counted)
        if counted.locked_until is not None and device.locked_until != counted.locked_until:
            rt.log.warning(
                "kiosk locked after repeated failed sign-ins",
                extra={
                    "provider_id": provider_id,
                    "device_id": device_id,
                    "locked_until": counted.locked_until.isoformat(),
                },
            )

    async def verify(
        provider_id: str, device_id: str, credential: Credential, at: datetime | None
    ) -> Signin:
        """The adult and the children they may sign here on the day of `at` (ID-4)."""
        now = rt.clock.now()
        pin_hash = hasher.pin(credential.pin.get_secret_value())
        seen = await read(stored.SnapshotAsk(provider_id, device_id, pin_hash))
        provider = check_provider(seen.provider)
        check_device(seen.device, now)
        typed = Typed(credential.phone, hasher.card(credential.card) if credential.card else None)
        signin = decide(
            provider=provider,
            pack=load_pack(provider.program),
            adult=seen.adult,
            typed=typed,
            routes=seen.routes,
            day=local_day(at or now, provider.timezone),
        )
        if signin is None:
            await count_failure(provider_id, device_id, provider.program)
            raise pin_invalid()
        return signin

    @rt.serve(subjects.KIOSK_SIGNIN_ALL, KioskSigninRequest, concurrency=REQUEST_CONCURRENCY)
    async def kiosk_signin(request: KioskSigninRequest, subject: str) -> dict[str, Any]:
        """`kiosk.<provider_id>.signin`: who is signing, and the children they may sign
        here today (ID-4); `pin_invalid` alike for a wrong PIN and a PIN with no child
        here; `device_locked` after repeated failures from this device (ID-2)."""
        signin = await verify(subjects.scope_of(subject), request.device_id, request, None)
        return {
            "ok": True,
            "adult": {"person_id": signin.adult.person_id, "first_name": signin.adult.first_name},
            "children": [
                {"child_id": c.child_id, "first_name": c.first_name, "checked_in": c.checked_in}
                for c in signin.children
            ],
        }

    async def verified(request: CredentialVerifyRequest) -> dict[str, Any]:
        signin = await verify(request.provider_id, request.device_id, request, request.at)
        return {
            "ok": True,
            "adult": {"person_id": signin.adult.person_id, "first_name": signin.adult.first_name},
            "children": [
                {
                    "child_id": c.child_id,
                    "first_name": c.first_name,
                    "checked_in": c.checked_in,
                    "case_ids": list(c.case_ids),
                }
                for c in signin.children
            ],
        }

    @rt.serve(
        CredentialVerifyRequest.subject, CredentialVerifyRequest, concurrency=REQUEST_CONCURRENCY
    )
    async def verify_credential(request: CredentialVerifyRequest, _subject: str) -> dict[str, Any]:
        """`identity.credential.verify`: the sign-in check for a tap, on the tap's day,
        with the cases through which each child may be signed (ID-4, ATT-6)."""
        return await verified(request)

    @rt.serve(CredentialVerifyManyRequest.subject, CredentialVerifyManyRequest, concurrency=4)
    async def verify_credentials(
        request: CredentialVerifyManyRequest, _subject: str
    ) -> dict[str, Any]:
        """`identity.credential.verify_many`: the checks of the taps that arrived
        together, each judged as `identity.credential.verify` would (ID-4, ID-2)."""
        answers = await asyncio.gather(
            *(verified(check) for check in request.checks), return_exceptions=True
        )
        return {"ok": True, "answers": [_answer(a, rt) for a in answers]}


def _answer(outcome: dict[str, Any] | BaseException, rt: ServiceRuntime) -> dict[str, Any]:
    """One check's answer: what it found, or its refusal (an unexpected failure is
    logged and answered as such, never passed on with its details)."""
    if isinstance(outcome, RequestRefused):
        return outcome.reply()
    if isinstance(outcome, BaseException):
        rt.log.error(
            "a credential check failed",
            exc_info=(type(outcome), outcome, outcome.__traceback__),
        )
        return error_reply(ErrorCode.internal_error, "The PIN could not be checked.")
    return outcome
