"""Announcing authorizations: whenever what an authorization means for other
services changes (a newer version, its provider or case arriving or changing, an
ending, AUTH-3), `AuthorizationChanged` is staged with a new `revision`.

The event body is the announced state as stored, with the event's own fields in
front; `tests/unit/test_authorization_announcement.py` holds it to the contract
model, which is not run again here for each of a nightly file's records.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from opentelemetry.context import Context

from services.authorization.domain import (
    announced_state,
    authorized_adults,
    changed_fields,
    ending_for,
)
from shared.batch_consumer import BatchTransaction
from shared.contract.events import AuthorizationChanged

from .batch import flat_event
from .bulk import Json, value_of
from .repository import adults_by_case, ending_columns, kept_ending, provider_facts_by_id

DERIVED = ("ended_on", "ended_reason", "ended_provider_id", "revision", "announced", "last_day")
"""The columns `reannounce` sets on an authorization row."""


def event_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, from one read of the system's
    randomness: `uuid4` reads it once per id, a third of announcing an id."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return ids


def _unrevised(announced: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if announced is None:
        return None
    return {k: v for k, v in announced.items() if k != "revision"}


async def reannounce(
    tx: BatchTransaction,
    rows: list[dict[str, Any]],
    *,
    now: datetime,
    traces: Mapping[str, Context | None] | None = None,
) -> list[dict[str, Any]]:
    """Bring each authorization row's ending and announcement up to date, staging an
    event for each that changed; returns the rows whose derived columns changed.

    A row whose provider or case is still unknown waits: its last announcement (if
    any) stands until both are known.
    """
    providers = await provider_facts_by_id(tx.conn, (r["provider_id"] for r in rows))
    adults = {
        case_id: authorized_adults(case_adults)
        for case_id, case_adults in (
            await adults_by_case(tx.conn, (r["case_id"] for r in rows))
        ).items()
    }
    occurred_at = now.isoformat()
    fresh_ids = iter(event_ids(len(rows)))
    changed = []
    for row in rows:
        provider, case_adults = providers.get(row["provider_id"]), adults.get(row["case_id"])
        if provider is None or case_adults is None:
            continue
        ending = ending_for(provider, row["first_sequence"], kept_ending(row))
        columns = ending_columns(ending)
        state = announced_state(value_of(row["state"]), provider, case_adults, ending)
        before = value_of(row["announced"])
        touched = any(row[k] != v for k, v in columns.items())
        row.update(columns)
        if _unrevised(before) != state:
            row["revision"] += 1
            state["revision"] = row["revision"]  # a fresh dict: no copy needed
            announced = Json.of(state)
            row["announced"] = announced
            row["last_day"] = date.fromisoformat(state["last_day"]) if state["last_day"] else None
            event_id = next(fresh_ids)
            envelope = {
                "event_id": event_id,
                "occurred_at": occurred_at,
                "changes": changed_fields(before, announced.value),
            }
            tx.emit_json(
                AuthorizationChanged.subject,
                event_id,
                flat_event(envelope, announced),
                (traces or {}).get(row["authorization_id"]),
            )
            touched = True
        if touched:
            changed.append(row)
    return changed
