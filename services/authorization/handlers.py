"""Thin handlers: decode, load, ask the domain, store, announce."""

from __future__ import annotations

from typing import Any

from shared.contract.eligibility import AuthorizationRecord
from shared.contract.errors import ErrorCode
from shared.contract.events import AuthorizationChanged
from shared.contract.queries import AuthorizationGet
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime, Transaction

from . import store
from .domain import VersionOutcome, changed_fields, version_outcome


def register(rt: ServiceRuntime) -> None:
    @rt.consume("eligibility.authorization", AuthorizationRecord)
    async def on_authorization(record: AuthorizationRecord, tx: Transaction) -> None:
        """An authorization pushed by the eligibility system (AUTH-1)."""
        await store.lock_record(tx.conn, "authorization", record.authorization_id)
        current = await store.current_authorization(tx.conn, record.authorization_id)
        outcome = version_outcome(current[0] if current else None, record.version)
        state = store.record_state(record)
        await store.keep_version(
            tx.conn,
            record.authorization_id,
            record.version,
            state,
            event_id=str(record.event_id) if record.event_id else None,
            applied=outcome is VersionOutcome.applied,
        )
        if outcome is not VersionOutcome.applied:
            rt.log.info(
                "authorization version not applied",
                extra={"authorization_id": record.authorization_id, "outcome": outcome.value},
            )
            return
        await store.save_authorization(tx.conn, record)
        await tx.emit(
            AuthorizationChanged.model_validate(
                {
                    **state,
                    "occurred_at": rt.clock.now(),
                    "changes": changed_fields(current[1] if current else None, state),
                }
            )
        )

    @rt.serve("authorization.get", AuthorizationGet)
    async def get_authorization(request: AuthorizationGet, _subject: str) -> dict[str, Any]:
        """An authorization by id: its current state and every version received."""
        async with rt.engine.connect() as conn:
            current = await store.current_authorization(conn, request.authorization_id)
            if current is None:
                raise RequestRefused(
                    ErrorCode.not_found, f"No authorization {request.authorization_id}."
                )
            history = await store.authorization_history(conn, request.authorization_id)
        return {"ok": True, "authorization": current[1], "history": history}
