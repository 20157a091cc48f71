"""Thin wiring: the eligibility consumers and the read queries of the service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from shared.batch_consumer import BatchTransaction, Delivery
from shared.contract import subjects
from shared.contract.eligibility import AuthorizationRecord, CaseRecord, ProviderRecord
from shared.contract.errors import ErrorCode
from shared.contract.queries import (
    AuthorizationGet,
    CaseGet,
    ChildAuthorizations,
    ProviderAuthorizations,
    ProviderGet,
)
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime

from . import reads
from .apply import apply_authorizations, apply_cases, apply_providers
from .batch import CopiedBatch

Apply = Callable[..., Awaitable[None]]

BATCH_SIZE = 1000
"""Records of a nightly file applied in one transaction."""


def register(rt: ServiceRuntime) -> None:
    _consume_eligibility(rt)
    _serve_queries(rt)


def _consume_eligibility(rt: ServiceRuntime) -> None:
    """`eligibility.provider`, `.case` and `.authorization` (AUTH-1), a fetch at a time."""
    for subject, model, apply in (
        (subjects.ELIGIBILITY_PROVIDER, ProviderRecord, apply_providers),
        (subjects.ELIGIBILITY_CASE, CaseRecord, apply_cases),
        (subjects.ELIGIBILITY_AUTHORIZATION, AuthorizationRecord, apply_authorizations),
    ):
        rt.consume_batch(subject, model, batch_size=BATCH_SIZE, transaction=CopiedBatch)(
            _with_clock(rt, apply)
        )


def _with_clock(rt: ServiceRuntime, apply: Apply) -> Callable[..., Awaitable[None]]:
    async def handle(deliveries: list[Delivery[Any]], tx: BatchTransaction) -> None:
        await apply(deliveries, tx, now=rt.clock.now())

    return handle


def _serve_queries(rt: ServiceRuntime) -> None:
    @rt.serve(AuthorizationGet.subject, AuthorizationGet)
    async def get_authorization(request: AuthorizationGet, _subject: str) -> dict[str, Any]:
        """An authorization by id: as received, as announced, and every push (AUTH-1)."""
        async with rt.engine.connect() as conn:
            found = await reads.authorization(conn, request.authorization_id)
        if found is None:
            raise RequestRefused(
                ErrorCode.not_found, f"No authorization {request.authorization_id}."
            )
        return {"ok": True, **found}

    @rt.serve(ProviderAuthorizations.subject, ProviderAuthorizations)
    async def provider_active(request: ProviderAuthorizations, _subject: str) -> dict[str, Any]:
        """A provider's authorizations covering a day (AUTH-2), a page at a time."""
        async with rt.engine.connect() as conn:
            page, next_after = await reads.covering(
                conn, request.provider_id, request.date, request.after, request.limit
            )
        return {
            "ok": True,
            "provider_id": request.provider_id,
            "date": request.date.isoformat(),
            "authorizations": page,
            "next_after": next_after,
        }

    @rt.serve(ChildAuthorizations.subject, ChildAuthorizations)
    async def child_list(request: ChildAuthorizations, _subject: str) -> dict[str, Any]:
        """Every authorization of a child, at any provider and in any state."""
        async with rt.engine.connect() as conn:
            entries = await reads.of_child(conn, request.child_id)
        return {"ok": True, "child_id": request.child_id, "authorizations": entries}

    @rt.serve(ProviderGet.subject, ProviderGet)
    async def get_provider(request: ProviderGet, _subject: str) -> dict[str, Any]:
        """A provider as the state sent it, since when it has its status, every push."""
        async with rt.engine.connect() as conn:
            found = await reads.provider(conn, request.provider_id)
            waiting = 0 if found else await reads.waiting_for_provider(conn, request.provider_id)
        if found is None:
            raise RequestRefused(
                ErrorCode.not_found,
                f"No provider {request.provider_id} received"
                + (f"; {waiting} authorization(s) wait for it." if waiting else "."),
            )
        return {"ok": True, **found}

    @rt.serve(CaseGet.subject, CaseGet)
    async def get_case(request: CaseGet, _subject: str) -> dict[str, Any]:
        """A case and its adults as the state sent them, and every push."""
        async with rt.engine.connect() as conn:
            found = await reads.case(conn, request.case_id)
        if found is None:
            raise RequestRefused(ErrorCode.not_found, f"No case {request.case_id} received.")
        return {"ok": True, **found}
