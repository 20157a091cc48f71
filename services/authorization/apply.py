"""Applying a batch of eligibility records (AUTH-1, AUTH-3): every push is kept,
each record's pushes are folded in arrival order so that only a newer version
wins, and the authorizations each change touches are announced again.

Pending records: an authorization whose provider or case is unknown is stored and
waits; when the provider or case arrives, the authorizations naming it are
applied and announced then (see `announce.reannounce`), never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from opentelemetry.context import Context
from sqlalchemy import Table

from services.authorization.domain import (
    VersionOutcome,
    authorized_adults,
    changed_fields,
    fold_versions,
    provider_after,
)
from shared.batch_consumer import BatchTransaction, Delivery
from shared.contract.eligibility import (
    SOURCE_HEADER,
    AuthorizationRecord,
    CaseRecord,
    ProviderRecord,
)
from shared.contract.events import ProviderChanged

from .announce import DERIVED, reannounce
from .bulk import Json, copy_rows, update_rows, upsert_rows, value_of
from .repository import (
    authorizations_of,
    keep_receipts,
    lock_records,
    provider_facts,
    rows_by_id,
)
from .store import authorizations, cases, providers

NO_ENDING = {"ended_on": None, "ended_reason": None, "ended_provider_id": None}
TRANSPORT = frozenset({"event_id"})
HELD = ("version", "first_sequence", *NO_ENDING, "revision", "announced", "last_day")
"""What a newer version of an authorization keeps of the one held (not its record)."""


def record_state(delivery: Delivery) -> Json:
    """The record as stored and announced: JSON, without the transport's event id.

    Encoded by pydantic straight from the model; parsed (once) only when a newer
    version is announced, never for a repeat or an older version."""
    return Json.parse(delivery.record.model_dump_json(by_alias=True, exclude=TRANSPORT))


async def _store(
    tx: BatchTransaction, table: Table, rows: list[dict[str, Any]], held: Mapping[str, Any]
) -> None:
    """Write the batch's newest rows: the records seen for the first time are copied
    straight in (this batch holds their locks, so no other can insert them), the
    others replace the rows held."""
    key = next(iter(table.primary_key.columns)).name
    await copy_rows(tx.conn, table, [row for row in rows if row[key] not in held])
    await upsert_rows(tx.conn, table, [row for row in rows if row[key] in held])


async def _fold(
    tx: BatchTransaction,
    kind: str,
    deliveries: Sequence[Delivery],
    ids: Sequence[str],
    held: dict[str, dict[str, Any]],
    now: datetime,
) -> list[tuple[Delivery, Json]]:
    """Keep every push; return the applied ones (with their state) in arrival order."""
    outcomes = fold_versions(
        {k: row["version"] for k, row in held.items()},
        [(record_id, d.record.version) for record_id, d in zip(ids, deliveries, strict=True)],
    )
    receipts, applied = [], []
    for record_id, delivery, outcome in zip(ids, deliveries, outcomes, strict=True):
        state = record_state(delivery)
        receipts.append(
            {
                "kind": kind,
                "record_id": record_id,
                "version": delivery.record.version,
                "outcome": outcome.value,
                "event_id": delivery.event_id,
                "source": delivery.headers.get(SOURCE_HEADER),
                "stream_sequence": delivery.sequence,
                "state": state,
                "received_at": now,
            }
        )
        if outcome is VersionOutcome.applied:
            applied.append((delivery, state))
    await keep_receipts(tx.conn, receipts)
    return applied


def _announced_adults(case_state: Any) -> list[dict[str, Any]]:
    return authorized_adults(value_of(case_state).get("adults") or [])


async def _reannounce_rows(
    tx: BatchTransaction,
    rows: list[dict[str, Any]],
    traces: dict[str, Context | None],
    now: datetime,
) -> None:
    """Announce again the stored authorizations a provider or case change touches."""
    changed = await reannounce(tx, rows, now=now, traces=traces)
    await update_rows(
        tx.conn,
        authorizations,
        [{k: row[k] for k in ("authorization_id", *DERIVED)} for row in changed],
    )


async def apply_providers(
    deliveries: list[Delivery[ProviderRecord]], tx: BatchTransaction, *, now: datetime
) -> None:
    """Providers (AUTH-1, AUTH-3): announce each applied version with its full state;
    its authorizations are then announced again where the change matters to them."""
    ids = [d.record.provider_id for d in deliveries]
    await lock_records(tx.conn, "provider", ids)
    held = await rows_by_id(tx.conn, providers, ids)
    saved: dict[str, dict[str, Any]] = {}
    traces: dict[str, Context | None] = {}
    matters: set[str] = set()  # providers whose change reaches their announcements
    for delivery, state in await _fold(tx, "provider", deliveries, ids, held, now):
        record = delivery.record
        before = saved.get(record.provider_id) or held.get(record.provider_id)
        before_facts = (
            provider_facts({**before, "state": value_of(before["state"])}) if before else None
        )
        facts = provider_after(
            before_facts,
            provider_id=record.provider_id,
            program=record.program,
            type=record.type.value,
            status=record.status.value,
            timezone=record.timezone,
            min_months=record.ages_served.min_months,
            max_months=record.ages_served.max_months,
            now=now,
            sequence=delivery.sequence,
        )
        tx.emit(
            ProviderChanged.model_validate(
                {
                    **state.value,
                    "occurred_at": now,
                    "changes": changed_fields(
                        value_of(before["state"]) if before else None, state.value
                    ),
                    "status_since": facts.status_since,
                }
            ),
            delivery.trace,
        )
        saved[record.provider_id] = {
            "provider_id": record.provider_id,
            "version": record.version,
            "status": facts.status,
            "type": facts.type,
            "timezone": facts.timezone,
            "state": state,
            "status_since": facts.status_since,
            "type_changed_at": facts.type_changed_at,
            "type_changed_sequence": facts.type_changed_sequence,
        }
        traces[record.provider_id] = delivery.trace
        if facts != before_facts:
            matters.add(record.provider_id)
    await _store(tx, providers, list(saved.values()), held)
    affected = await authorizations_of(tx.conn, provider_ids=matters)
    await _reannounce_rows(
        tx, affected, {r["authorization_id"]: traces[r["provider_id"]] for r in affected}, now
    )


async def apply_cases(
    deliveries: list[Delivery[CaseRecord]], tx: BatchTransaction, *, now: datetime
) -> None:
    """Cases: the adults of each of its authorizations are announced again when what
    is announced of them changed (a new card number alone changes nothing there)."""
    ids = [d.record.case_id for d in deliveries]
    await lock_records(tx.conn, "case", ids)
    held = await rows_by_id(tx.conn, cases, ids, ["version", "state"])
    saved: dict[str, dict[str, Any]] = {}
    traces: dict[str, Context | None] = {}
    matters: set[str] = set()
    for delivery, state in await _fold(tx, "case", deliveries, ids, held, now):
        record = delivery.record
        before = saved.get(record.case_id) or held.get(record.case_id)
        if before is None or _announced_adults(before["state"]) != _announced_adults(state):
            matters.add(record.case_id)
        saved[record.case_id] = {
            "case_id": record.case_id,
            "version": record.version,
            "state": state,
        }
        traces[record.case_id] = delivery.trace
    await _store(tx, cases, list(saved.values()), held)
    affected = await authorizations_of(tx.conn, case_ids=matters)
    await _reannounce_rows(
        tx, affected, {r["authorization_id"]: traces[r["case_id"]] for r in affected}, now
    )


async def apply_authorizations(
    deliveries: list[Delivery[AuthorizationRecord]], tx: BatchTransaction, *, now: datetime
) -> None:
    """Authorizations: store the newest version of each; announce it once its
    provider and case are known (AUTH-1, AUTH-3, AUTH-4)."""
    ids = [d.record.authorization_id for d in deliveries]
    await lock_records(tx.conn, "authorization", ids)
    held = await rows_by_id(tx.conn, authorizations, ids, HELD)
    saved: dict[str, dict[str, Any]] = {}
    traces: dict[str, Context | None] = {}
    for delivery, state in await _fold(tx, "authorization", deliveries, ids, held, now):
        record = delivery.record
        before = saved.get(record.authorization_id) or held.get(record.authorization_id)
        kept = {k: before[k] for k in NO_ENDING} if before else NO_ENDING
        saved[record.authorization_id] = {
            "authorization_id": record.authorization_id,
            "version": record.version,
            "case_id": record.case_id,
            "child_id": record.child.child_id,
            "provider_id": record.provider_id,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "status": record.status,
            "state": state,
            "first_sequence": before["first_sequence"] if before else delivery.sequence,
            **kept,
            "revision": before["revision"] if before else 0,
            "announced": before["announced"] if before else None,
            "last_day": before["last_day"] if before else None,
        }
        traces[record.authorization_id] = delivery.trace
    rows = list(saved.values())
    await reannounce(tx, rows, now=now, traces=traces)
    await _store(tx, authorizations, rows, held)
