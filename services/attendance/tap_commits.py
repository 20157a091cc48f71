"""Group commit of taps: the taps that arrive while one commit is under way are
written together in the next, each answered only after its commit (ATT-1).

One statement per batch (`WRITE_TAPS`, in autocommit: one round trip, one
commit): the replies (keyed by `event_id`, so a tap already answered is not
written again), the records and their outbox rows. A batch that fails is
retried tap by tap, so one bad tap never fails its neighbours. A tap whose
`event_id` was answered meanwhile (the same tap resent while the first was
being written) gets that first answer. A batch that failed on a connection the
database dropped is written once more: safe, since a tap already committed
loses its `event_id` to itself and is then answered with what was stored.
The outbox rows are the ones `Transaction.emit` writes, with the trace context
of the tap that caused them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import propagate
from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.db import retry_once_if_dropped
from shared.tasks import cancel_and_wait, raise_if_cancelling

from . import records as kept_records
from .records import Record
from .replies import first_answer
from .store import SCHEMA, request_replies

MAX_BATCH = 200
"""Taps in one commit at most: a larger backlog is written in several."""

CLOSE_GRACE_SECONDS = 2.0
"""At stop, how long the taps already handed over may take to be written."""


@dataclass
class TapWrite:
    """One tap's records and reply, and the trace it belongs to."""

    event_id: str
    subject: str
    records: Sequence[Record]
    reply: dict[str, Any]
    trace: dict[str, str] = field(default_factory=dict)
    done: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def outbox_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "event_id": str(event.event_id),
                "subject": event.subject,
                "payload": event.model_dump_json(by_alias=True).encode(),
                "traceparent": self.trace.get("traceparent"),
                "tracestate": self.trace.get("tracestate"),
            }
            for record in self.records
            for event in kept_records.announcements(record)
        ]


class TapCommitter:
    """Writes taps in batches on its own connection; see the module's docstring."""

    def __init__(self, engine: AsyncEngine, wake_relay: Any, log: logging.Logger) -> None:
        self._engine = engine
        self._wake_relay = wake_relay
        self._log = log
        self._waiting: list[TapWrite] = []
        self._writer: asyncio.Task[None] | None = None

    async def commit(
        self, event_id: str, subject: str, records: Sequence[Record], reply: dict[str, Any]
    ) -> dict[str, Any]:
        """The answer to give once the tap is durable: its own, or the first one."""
        trace: dict[str, str] = {}
        propagate.inject(trace)
        write = TapWrite(event_id, subject, records, reply, trace)
        self._waiting.append(write)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="attendance:tap commits")
        return await asyncio.shield(write.done)

    async def close(self) -> None:
        """Stop writing: the taps already handed over get a bounded time to be
        written; any left then are answered with an error, never dropped silently
        (the kiosk resends the same `event_id`, ATT-1)."""
        if self._writer is not None:
            if not self._writer.done():
                await asyncio.wait({self._writer}, timeout=CLOSE_GRACE_SECONDS)
            await cancel_and_wait([self._writer], log=self._log, grace=1.0)
        for write in self._waiting:
            if not write.done.done():
                write.done.set_exception(ConnectionError("attendance is stopping"))
        self._waiting = []

    async def _write_all(self) -> None:
        while self._waiting:
            raise_if_cancelling()
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                await self._write(batch)
            except asyncio.CancelledError:
                for write in batch:
                    if not write.done.done():
                        write.done.set_exception(ConnectionError("attendance is stopping"))
                raise

    async def _write(self, batch: list[TapWrite]) -> None:
        try:
            written = await retry_once_if_dropped(lambda: self._commit(batch))
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch[0], exc)
                return
            self._log.warning("a batch of %d taps failed; writing each alone", len(batch))
            for write in batch:
                await self._write([write])
            return
        self._wake_relay()
        for write in batch:
            if write.event_id in written and write is written[write.event_id]:
                write.done.set_result(write.reply)
        await self._answer_the_others([w for w in batch if not w.done.done()])

    async def _commit(self, batch: list[TapWrite]) -> dict[str, TapWrite]:
        """One statement for the batch; the writes that won their `event_id`."""
        first: dict[str, TapWrite] = {}
        for write in batch:
            first.setdefault(write.event_id, write)
        async with self._engine.begin() as conn:  # on an autocommit engine, no BEGIN
            won = await write_taps(conn, list(first.values()))
        return {event_id: first[event_id] for event_id in won}

    async def _answer_the_others(self, others: list[TapWrite]) -> None:
        """Taps whose `event_id` was answered before: the first answer, read back."""
        if not others:
            return
        try:
            async with self._engine.connect() as conn:
                rows = await conn.execute(
                    select(
                        request_replies.c.event_id,
                        request_replies.c.subject,
                        request_replies.c.reply,
                    ).where(request_replies.c.event_id.in_({w.event_id for w in others}))
                )
                stored = {r.event_id: (r.subject, r.reply) for r in rows}
        except Exception:
            for write in others:
                self._fail(write)
            return
        for write in others:
            if write.event_id not in stored:
                self._fail(write)
                continue
            subject, reply = stored[write.event_id]
            try:
                write.done.set_result(first_answer(subject, reply, write.subject))
            except Exception as refusal:
                write.done.set_exception(refusal)

    def _fail(self, write: TapWrite, cause: Exception | None = None) -> None:
        """Answered as a failure (the kernel replies `internal_error` and logs it);
        nothing of the tap was stored, so a resend is judged anew."""
        with contextlib.suppress(asyncio.InvalidStateError):
            write.done.set_exception(cause or RuntimeError("the tap could not be stored"))


_RECORD_COLUMNS = ", ".join(f'"{c}"' for c in kept_records.COLUMNS)

WRITE_TAPS = f"""
WITH answered AS (
    INSERT INTO {SCHEMA}.request_replies (event_id, subject, reply)
    SELECT * FROM unnest(%(event_ids)s::text[], %(subjects)s::text[], %(replies)s::jsonb[])
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
), kept AS (
    INSERT INTO {SCHEMA}.records ({_RECORD_COLUMNS})
    SELECT {", ".join(f'(r)."{c}"' for c in kept_records.COLUMNS)}
      FROM jsonb_array_elements(%(records)s::jsonb) AS j(row)
     CROSS JOIN LATERAL jsonb_populate_record(NULL::{SCHEMA}.records, j.row) AS r
     WHERE j.row->>'_tap' IN (SELECT event_id FROM answered)
), staged AS (
    INSERT INTO {SCHEMA}.outbox (event_id, subject, payload, traceparent, tracestate)
    SELECT o.event_id, o.subject, o.payload, o.traceparent, o.tracestate
      FROM unnest(%(tap_ids)s::text[], %(outbox_ids)s::text[], %(outbox_subjects)s::text[],
                  %(payloads)s::bytea[], %(traceparents)s::text[], %(tracestates)s::text[])
           WITH ORDINALITY AS o(tap_id, event_id, subject, payload, traceparent, tracestate, n)
     WHERE o.tap_id IN (SELECT event_id FROM answered)
     ORDER BY o.n
)
SELECT event_id FROM answered
"""
"""The replies (keyed by `event_id`: a tap answered before is not written again), and
the records and outbox rows of the taps whose reply was written, as one statement:
in autocommit, one round trip and one commit for the whole batch."""


async def write_taps(conn: AsyncConnection, writes: Sequence[TapWrite]) -> set[str]:
    """Write `writes` (one per `event_id`); the event ids written now."""
    events = [(w.event_id, row) for w in writes for row in w.outbox_rows()]
    result = await conn.exec_driver_sql(
        WRITE_TAPS,
        {
            "event_ids": [w.event_id for w in writes],
            "subjects": [w.subject for w in writes],
            "replies": [to_json(w.reply).decode() for w in writes],
            "records": to_json(
                [{**kept_records.row_of(r), "_tap": w.event_id} for w in writes for r in w.records]
            ).decode(),
            "tap_ids": [tap_id for tap_id, _ in events],
            "outbox_ids": [row["event_id"] for _, row in events],
            "outbox_subjects": [row["subject"] for _, row in events],
            "payloads": [row["payload"] for _, row in events],
            "traceparents": [row["traceparent"] for _, row in events],
            "tracestates": [row["tracestate"] for _, row in events],
        },
    )
    return {row[0] for row in result}
