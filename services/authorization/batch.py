"""One unit of work for a batch of messages: the service's writes, the inbox claims
and the events they cause commit together (architecture rule 4), as the kernel's
`Transaction` does for one message, with the events staged in one statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context, propagate
from opentelemetry.context import Context
from pydantic_core import to_json
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.base import Event

from .bulk import claim_keys, copy_rows


def flat_event(envelope: Mapping[str, Any], body: str) -> bytes:
    """A flat event body: the envelope's fields (`event_id`, `occurred_at`, ...) and
    those of `body`, a JSON object already serialized (its keys are not repeated)."""
    head = to_json(envelope)
    if body.strip() == "{}":
        return head
    return b"%b,%b" % (head[:-1], body.lstrip()[1:].encode())


class BatchTransaction:
    """An open transaction and the events staged in it, written at `flush`."""

    def __init__(self, conn: AsyncConnection, outbox: Table) -> None:
        self.conn = conn
        self._outbox = outbox
        self._rows: list[dict[str, Any]] = []
        self._carriers: dict[int, dict[str, str]] = {}
        self.staged = 0

    def emit(self, event: Event, trace: Context | None = None) -> None:
        """Stage a validated event with the trace of the message that caused it."""
        self.emit_json(
            event.subject, str(event.event_id), event.model_dump_json(by_alias=True).encode(), trace
        )

    def emit_json(
        self, subject: str, event_id: str, payload: bytes, trace: Context | None = None
    ) -> None:
        """Stage an event body built by the caller (see `flat_event`)."""
        carrier = self._carrier(trace)
        self._rows.append(
            {
                "event_id": event_id,
                "subject": subject,
                "payload": payload,
                "traceparent": carrier.get("traceparent"),
                "tracestate": carrier.get("tracestate"),
            }
        )
        self.staged += 1

    def _carrier(self, trace: Context | None) -> dict[str, str]:
        """W3C headers of `trace`, or of the current span; computed once for each."""
        key = id(trace)
        if key not in self._carriers:
            carrier: dict[str, str] = {}
            token = context.attach(trace) if trace is not None else None
            try:
                propagate.inject(carrier)
            finally:
                if token is not None:
                    context.detach(token)
            self._carriers[key] = carrier
        return self._carriers[key]

    async def flush(self) -> None:
        """Write the staged events to the outbox, in the order they were emitted."""
        await copy_rows(self.conn, self._outbox, self._rows)
        self._rows = []


async def claim_first_deliveries(
    conn: AsyncConnection, inbox: Table, consumer: str, event_ids: Sequence[str]
) -> set[str]:
    """Claim each event id for `consumer`; returns those never handled before.

    The same claim as the kernel's `first_delivery`, for many ids in one statement.
    """
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return set()
    claimed = await claim_keys(conn, inbox, {"consumer": consumer}, "event_id", unique)
    return set(claimed.scalars())
