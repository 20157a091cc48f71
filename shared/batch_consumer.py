"""A durable JetStream consumer that handles a whole fetch in one transaction.

`rt.consume` gives each message its own transaction and FastStream's per-message
machinery: a few hundred events a second. An event that comes with every tap, or
a nightly eligibility file, needs thousands. This consumer keeps the kernel's
promises for a batch: the body is validated and a malformed one goes to
`deadletter.<subject>` with every field error; the inbox claims every event id in
the same transaction as the writes, so a redelivery changes nothing; messages are
acked only after the commit. When a batch fails, each of its messages is retried
alone, so one bad message never holds up the others; a message that fails on its
last delivery is dead-lettered and the consumer goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig
from opentelemetry import context, propagate
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.bus.streams import stream_for
from shared.contract.base import Event
from shared.contract.errors import ErrorCode
from shared.inbox import claim_first_deliveries
from shared.safe_errors import describe_error
from shared.service import ServiceRuntime, describe_validation
from shared.tasks import cancel_and_wait, raise_if_cancelling

M = TypeVar("M", bound=BaseModel)

BATCH_SIZE = 200
FETCH_TIMEOUT_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class Delivery(Generic[M]):
    """A validated message: the record, its dedup key, and where it came from."""

    record: M
    event_id: str
    sequence: int | None
    """Its position in the stream: the order the sender published in."""
    headers: Mapping[str, str]
    trace: Context | None


class BatchTransaction:
    """An open transaction and the events staged in it, written at `flush`."""

    def __init__(self, conn: AsyncConnection, outbox: Table) -> None:
        self.conn = conn
        self.outbox = outbox
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
        """Stage an event body the caller serialized."""
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

    def staged_rows(self) -> list[dict[str, Any]]:
        """The outbox rows staged and not yet written, taken (a service that writes
        them its own way, e.g. with COPY, calls this instead of `flush`)."""
        rows, self._rows = self._rows, []
        return rows

    async def flush(self) -> None:
        """Write the staged events to the outbox, in the order they were emitted."""
        rows = self.staged_rows()
        if rows:
            await self.conn.execute(insert(self.outbox), rows)

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


def stream_position(msg: Msg) -> tuple[str, int]:
    """The stream and stream sequence of a JetStream message, from its reply subject.

    `msg.metadata` also builds a datetime and two dataclasses for each message, a
    few microseconds each that a nightly file's records do not need. The subject is
    `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...` (9 tokens) or, from
    servers that add a domain and account, `$JS.ACK.<domain>.<account>.<stream>...`;
    any other form is left to nats-py.
    """
    tokens = (msg.reply or "").split(".")
    if tokens[:2] == ["$JS", "ACK"]:
        if len(tokens) == 9:
            return tokens[2], int(tokens[5])
        if len(tokens) >= 11:
            return tokens[Msg.Ack.Stream], int(tokens[Msg.Ack.StreamSeq])
    meta = msg.metadata
    return meta.stream, meta.sequence.stream


BatchHandler = Callable[[list[Delivery[M]], BatchTransaction], Awaitable[None]]
TransactionFactory = Callable[[AsyncConnection, Table], BatchTransaction]


class BatchConsumer(Generic[M]):
    """Pulls up to `batch_size` messages of `subject` and hands the new ones to `handler`."""

    def __init__(
        self,
        rt: ServiceRuntime,
        subject: str,
        model: type[M],
        handler: BatchHandler[M],
        *,
        durable: str | None = None,
        batch_size: int = BATCH_SIZE,
        transaction: TransactionFactory = BatchTransaction,
    ) -> None:
        self.rt = rt
        self.transaction = transaction
        self.subject = subject
        self.model = model
        self.handler = handler
        self.durable = durable or f"{rt.name}-{subject.replace('.', '-')}"
        self.batch_size = batch_size
        self._tracer = rt.tracer_provider.get_tracer(f"ccats.{rt.name}")

    # --- the loop ----------------------------------------------------------

    async def run(self) -> None:
        """Fetch and handle for ever; subscribe again after an error or a reconnect."""
        while True:
            raise_if_cancelling()
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception:
                raise_if_cancelling()
                self.rt.log.warning(
                    "consumer failed; subscribing again",
                    exc_info=True,
                    extra={"subject": self.subject},
                )
                await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def _consume(self) -> None:
        nc = self.rt.broker.connection
        reconnects = nc.stats["reconnects"]
        sub = await nc.jetstream().pull_subscribe(
            self.subject,
            durable=self.durable,
            stream=stream_for(self.subject),
            config=ConsumerConfig(
                max_deliver=self.rt.settings.max_deliver,
                ack_wait=self.rt.settings.ack_wait_seconds,
                max_ack_pending=self.batch_size * 8,
            ),
        )
        applying: asyncio.Task[None] | None = None
        try:
            # A pull subscription can stall after a server restart (nats.py #504):
            # a reconnect is answered with a new subscription.
            while nc.stats["reconnects"] == reconnects:
                raise_if_cancelling()
                try:
                    msgs = await sub.fetch(self.batch_size, timeout=FETCH_TIMEOUT_SECONDS)
                except TimeoutError:
                    continue
                if not msgs:
                    continue
                # The next fetch is fetched and decoded while the one before is
                # applied (mostly waiting for PostgreSQL); fetches are still applied
                # one after the other, in the order of the stream.
                valid = await self._decode_all(msgs)
                if applying is not None:
                    await applying
                applying = asyncio.create_task(self._apply_fetch(len(msgs), valid))
            if applying is not None:
                await applying
        finally:
            if applying is not None:
                await cancel_and_wait([applying], log=self.rt.log)
            await sub.unsubscribe()

    # --- one fetch ---------------------------------------------------------

    async def _decode_all(self, msgs: list[Msg]) -> list[tuple[Msg, Delivery[M]]]:
        """The fetch's valid messages with their deliveries; the malformed are
        dead-lettered and acked."""
        valid: list[tuple[Msg, Delivery[M]]] = []
        for msg in msgs:
            delivery = await self._decode(msg)
            if delivery is not None:
                valid.append((msg, delivery))
        return valid

    async def _apply_fetch(self, fetched: int, valid: list[tuple[Msg, Delivery[M]]]) -> None:
        """Apply a fetch's valid messages together, then ack them; if that fails, each
        alone, so that one bad message holds up none of the others."""
        if not valid:
            return
        with self._tracer.start_as_current_span(
            f"{self.subject} process",
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": self.subject,
                "messaging.batch.message_count": fetched,
            },
        ):
            try:
                await self._apply([d for _, d in valid])
            except Exception:
                self.rt.log.warning(
                    "a batch failed; handling its messages one by one",
                    exc_info=True,
                    extra={"subject": self.subject, "count": len(valid)},
                )
                for msg, delivery in valid:
                    await self._apply_alone(msg, delivery)
                return
            for msg, _ in valid:
                await msg.ack()

    async def _decode(self, msg: Msg) -> Delivery[M] | None:
        """The delivery, or `None` once a malformed message is dead-lettered and acked."""
        headers = dict(msg.headers or {})
        try:
            record = self.model.model_validate_json(msg.data)
        except ValidationError as exc:
            reason, errors = describe_validation(exc)
            self.rt.log.warning("refused a malformed message", extra={"subject": self.subject})
            await self.rt.dead_letter(
                msg, self.durable, ErrorCode.malformed_message, reason, errors
            )
            await msg.ack()
            return None
        stream, sequence = stream_position(msg)
        event_id = str(
            getattr(record, "event_id", None)
            or headers.get("Nats-Msg-Id")
            or f"{stream}:{sequence}"
        )
        return Delivery(
            record=record,
            event_id=event_id,
            sequence=sequence,
            headers=headers,
            trace=propagate.extract(headers) if "traceparent" in headers else None,
        )

    async def _apply(self, deliveries: list[Delivery[M]]) -> None:
        """One transaction: claim the event ids, hand the new ones over, stage events."""
        async with self.rt.loop_engine.begin() as conn:
            tx = self.transaction(conn, self.rt.outbox)
            first = await claim_first_deliveries(
                conn, self.rt.inbox, self.durable, [d.event_id for d in deliveries]
            )
            new: list[Delivery[M]] = []
            for delivery in deliveries:
                if delivery.event_id in first:
                    first.discard(delivery.event_id)
                    new.append(delivery)
            if new:
                await self.handler(new, tx)
            await tx.flush()
        if tx.staged:
            self.rt.relay.wake()

    async def _apply_alone(self, msg: Msg, delivery: Delivery[M]) -> None:
        try:
            await self._apply([delivery])
        except Exception as exc:
            delivered = msg.metadata.num_delivered
            if delivered >= self.rt.settings.max_deliver:
                self.rt.log.exception("giving up on a message", extra={"subject": self.subject})
                await self.rt.dead_letter(
                    msg,
                    self.durable,
                    ErrorCode.delivery_exhausted,
                    f"failed {delivered} times, last: {describe_error(exc)}",
                )
                await msg.ack()
                return
            self.rt.log.warning(
                "handling failed; will retry",
                exc_info=True,
                extra={"subject": self.subject, "delivered": delivered},
            )
            await msg.nak(delay=min(0.5 * 2**delivered, 30.0))
            return
        await msg.ack()
