"""The transactional outbox: events are written with the state change that
causes them, and a relay publishes them to JetStream afterwards (rule 4)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from opentelemetry import propagate
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.contract.base import Event
from shared.tasks import STOP_GRACE_SECONDS, cancel_and_wait, raise_if_cancelling

log = logging.getLogger("ccats.outbox")

MAX_BACKOFF_SECONDS = 10.0
"""The longest wait between retries; it must stay well inside the stream's
duplicate window, so a retried publish that had in fact been stored is dropped."""

PublishFn = Callable[[bytes, str, dict[str, str]], Awaitable[Awaitable[object]]]
"""Send (payload, subject, headers) to JetStream; returns, once sent, an awaitable of
its PubAck (nats-py's `publish_async` future), so a batch is in flight at once."""

ACK_TIMEOUT_SECONDS = 5.0

LINGER_SECONDS = 0.005
"""After a wake, how long the relay lets more commits stage events before it claims
a batch. Under a steady stream of small commits (taps at a few hundred a second)
each claim then carries several events instead of one: the relay's round trips
were a quarter of a busy attendance's CPU. Nobody waits on the relay for an
answer (a tap is answered at its commit), so the delay costs no request time."""


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Text, nullable=False, unique=True),
        Column("subject", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("traceparent", Text),
        Column("tracestate", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
    )
    Index(
        "ix_outbox_unpublished",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
    )
    return table


async def add_to_outbox(conn: AsyncConnection, outbox: Table, event: Event) -> None:
    """Stage `event` in the caller's transaction, with the trace it belongs to."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    await conn.execute(
        outbox.insert().values(
            event_id=str(event.event_id),
            subject=event.subject,
            payload=event.model_dump_json(by_alias=True).encode(),
            traceparent=carrier.get("traceparent"),
            tracestate=carrier.get("tracestate"),
        )
    )


def _claim_statement(outbox: Table, batch_size: int) -> str:
    """Claim and mark the oldest unpublished rows, as driver SQL (it runs after every
    commit that stages an event: nothing to compile or cache each time)."""
    name = f'"{outbox.schema}"."{outbox.name}"' if outbox.schema else f'"{outbox.name}"'
    return (
        f"UPDATE {name} SET published_at = now() "
        f"WHERE id = ANY(ARRAY(SELECT id FROM {name} WHERE published_at IS NULL "
        f"ORDER BY id LIMIT {int(batch_size)} FOR UPDATE SKIP LOCKED)) "
        "RETURNING id, event_id, subject, payload, traceparent, tracestate"
    )


def next_backoff(backoff: float) -> float:
    """The wait after another failed publish: doubled, capped."""
    return min(backoff * 2, MAX_BACKOFF_SECONDS)


class OutboxRelay:
    """Publishes staged events in order, each with `Nats-Msg-Id` = `event_id`.

    Rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas share the work;
    a row is marked published only after JetStream's PubAck. A failed publish is
    retried with the same message id, which the stream's duplicate window turns
    into a no-op if the first attempt had in fact been stored.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        outbox: Table,
        publish: PublishFn,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 200,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._publish = publish
        self._poll = poll_seconds
        self._batch = batch_size
        self._ack_timeout = ack_timeout
        self._linger = linger_seconds
        self._claim = _claim_statement(outbox, batch_size)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.failures = 0

    def wake(self) -> None:
        """Called after a commit that staged events, to publish them at once."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let the batch in hand finish, then stop; never waits much past `grace`.

        Stopping by flag first, not by cancel, keeps a publish from being cut
        between its PubAck and the row being marked (it would be sent again,
        harmlessly, but the duplicate window is finite).
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            await cancel_and_wait([task], log=log, grace=grace)

    async def _run(self) -> None:
        backoff = self._poll
        while not self._stopping:
            raise_if_cancelling()
            try:
                published = await self.publish_pending()
                backoff = self._poll
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.warning("outbox relay could not publish; will retry", exc_info=True)
                published = 0
                backoff = next_backoff(backoff)
            if published >= self._batch or self._stopping:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(backoff):
                    await self._wake.wait()
            if self._wake.is_set() and not self._stopping:
                await asyncio.sleep(self._linger)  # let the commits just behind join in

    async def publish_pending(self) -> int:
        """Publish one batch of staged events; returns how many.

        The batch is claimed and marked in one statement (`id = ANY(ARRAY(...))`,
        so the rows are found by primary key: with `id IN (...)` the planner took
        to scanning the whole table once the claims grew), in a transaction that
        commits only after the PubAcks: a crash before leaves the rows unmarked (sent
        again, a no-op within the duplicate window), and rows whose publish failed
        are unmarked before the commit.
        """
        o = self._outbox
        async with self._engine.begin() as conn:
            claimed = await conn.exec_driver_sql(self._claim)
            rows = sorted(claimed.all(), key=lambda row: row.id)
            done, failure = await self._publish_rows(rows)
            if len(done) < len(rows):
                unsent = [row.id for row in rows[len(done) :]]
                await conn.execute(update(o).where(o.c.id.in_(unsent)).values(published_at=None))
        if failure is not None:
            raise failure
        return len(done)

    async def _publish_rows(self, rows: Sequence[Any]) -> tuple[list[int], Exception | None]:
        """Send `rows` in order, then wait for their PubAcks together; the ids of the
        acknowledged prefix, and the first failure.

        Waiting for each PubAck before the next send made the relay half of a busy
        service's CPU (benchmarks/import_results.md). Only the prefix before the
        first failure is marked; the rest is sent again with the same
        `Nats-Msg-Id`, which the duplicate window turns into a no-op where the
        first try was stored.
        """
        acks: list[asyncio.Future[object]] = []
        failure: Exception | None = None
        try:
            for row in rows:
                try:
                    acks.append(asyncio.ensure_future(await self._publish_row(row)))
                except Exception as exc:  # not sent: what follows waits for the next round
                    failure = exc
                    break
            if acks:
                await asyncio.wait(acks, timeout=self._ack_timeout)
            done: list[int] = []
            for row, ack in zip(rows, acks, strict=False):
                if not ack.done() or ack.cancelled():
                    failure = TimeoutError(f"no PubAck within {self._ack_timeout:.0f} s")
                    break
                if (exc := ack.exception()) is not None:
                    failure = exc if isinstance(exc, Exception) else RuntimeError(str(exc))
                    break
                done.append(row.id)
            return done, failure
        finally:
            for ack in acks:
                ack.cancel()  # a no-op for those done; frees nats-py's slot for the rest

    async def _publish_row(self, row: Any) -> Awaitable[object]:
        """The event with its id and the trace of the transaction that staged it: the
        consumer's span continues that trace (a publish span of its own per event
        cost more CPU than the publish itself)."""
        headers = {"Nats-Msg-Id": row.event_id}
        headers.update((k, v) for k in ("traceparent", "tracestate") if (v := getattr(row, k)))
        return await self._publish(row.payload, row.subject, headers)
