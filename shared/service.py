"""The runtime every service is built on: broker, database, outbox relay, inbox,
dead letters, health. Handlers stay thin: they get a decoded model and a
transaction, and call the domain."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, TypeVar

from faststream import AckPolicy, FastStream
from faststream.exceptions import NackMessage
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from opentelemetry import propagate
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.bus.deadletter import dead_letter, deadletter_subject
from shared.bus.streams import stream_for
from shared.clock import Clock, SystemClock
from shared.contract.base import Event
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused, error_reply
from shared.db import async_engine, hot_engine
from shared.inbox import first_delivery
from shared.migrations import current_revision, head_revision
from shared.outbox import OutboxRelay, add_to_outbox
from shared.safe_errors import describe_error
from shared.service_names import SERVICES
from shared.settings import Settings
from shared.tasks import cancel_and_wait, raise_if_cancelling, within
from shared.telemetry import tracer_provider_for

if TYPE_CHECKING:
    from shared.batch_consumer import BatchHandler, TransactionFactory

PUBLISH_TIMEOUT_SECONDS = 5.0
LOOP_CONNECTIONS = 5
"""The relay's connection and four for batch consumers; more wait for one."""

M = TypeVar("M", bound=BaseModel)
EventHandler = Callable[[M, "Transaction"], Awaitable[None]]
RequestHandler = Callable[[M, str], Awaitable[BaseModel | dict[str, Any]]]


def package_version() -> str:
    try:
        return version("ccats")
    except PackageNotFoundError:
        return "0+unknown"


def describe_validation(exc: ValidationError) -> tuple[str, list[dict[str, Any]]]:
    """A refusal reason and field errors, without echoing the input (it may hold a PIN)."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "error": e["msg"]}
        for e in exc.errors(include_input=False, include_url=False, include_context=False)
    ]
    reason = "; ".join(f"{e['field']}: {e['error']}" for e in errors)
    return reason, errors


class Transaction:
    """One unit of work: the service's writes and the events they cause commit together."""

    def __init__(self, conn: AsyncConnection, outbox: Table) -> None:
        self.conn = conn
        self._outbox = outbox
        self.staged = 0

    async def emit(self, event: Event) -> None:
        await add_to_outbox(self.conn, self._outbox, event)
        self.staged += 1


class ServiceRuntime:
    """A service's connections and the machinery around its handlers."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        *,
        outbox: Table,
        inbox: Table,
        clock: Clock | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        if not settings.nats_url or not settings.database_url:
            raise ValueError(f"{name}: NATS_URL and DATABASE_URL must be set to run a service")
        self.name = name
        self.schema = outbox.schema or name
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.version = package_version()
        self.tracer_provider = tracer_provider or tracer_provider_for(name)
        self.log = logging.getLogger(f"ccats.{name}")
        self.broker = NatsBroker(
            settings.nats_url,
            name=f"ccats-{name}",
            middlewares=[NatsTelemetryMiddleware(tracer_provider=self.tracer_provider)],
            logger=logging.getLogger(f"ccats.{name}.bus"),
            log_level=logging.DEBUG,
            max_reconnect_attempts=-1,
            graceful_timeout=10.0,
            error_cb=self._on_nats_error,
            disconnected_cb=self._on_nats_disconnected,
            reconnected_cb=self._on_nats_reconnected,
        )
        self.engine = async_engine(settings.database_url)
        self.loop_engine = hot_engine(
            settings.database_url, pool_size=LOOP_CONNECTIONS, autocommit=False
        )
        """For the loops that run all the time (the outbox relay, batch consumers): no
        ping on each use (a round trip per turn); a connection the database dropped
        fails one turn, which the loop retries on a fresh one."""
        self.outbox = outbox
        self.inbox = inbox
        self.relay = OutboxRelay(
            self.loop_engine,
            outbox,
            self._publish_staged,
            poll_seconds=settings.relay_poll_seconds,
        )
        self._workers: dict[str, Callable[[], Awaitable[None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._jetstream: JetStreamContext | None = None
        self._tracer = self.tracer_provider.get_tracer(f"ccats.{name}")
        self._requests: list[_RequestSubscription] = []
        self.worker("requests")(self._close_requests)
        self.serve(f"ops.health.{name}", _Empty)(self._own_health)
        self.serve("ops.health", _Empty, queue="ccats-health")(self._system_health)

    # --- life cycle ------------------------------------------------------

    def app(self) -> FastStream:
        """The FastStream application, for `faststream run` or `ccats service`."""
        return FastStream(
            self.broker,
            logger=self.log,
            on_startup=[self.check_migrated],
            after_startup=[self._open_requests, self._start_background],
            on_shutdown=[self._stop_background],
            after_shutdown=[self.engine.dispose, self.loop_engine.dispose],
        )

    async def start(self) -> None:
        """Start in the current event loop (tests, or several services in one process)."""
        await self.check_migrated()
        await self.broker.start()
        await self._open_requests()
        await self._start_background()

    async def stop(self) -> None:
        """Stop background work, the broker and the engine; each step is bounded."""
        await self._stop_background()
        await within(self.broker.stop(), what="broker stop", log=self.log, grace=15.0)
        await within(self.engine.dispose(), what="engine dispose", log=self.log, grace=5.0)
        await within(
            self.loop_engine.dispose(), what="loop engine dispose", log=self.log, grace=5.0
        )

    # --- background work -----------------------------------------------------

    def worker(
        self, name: str
    ) -> Callable[[Callable[[], Awaitable[None]]], Callable[[], Awaitable[None]]]:
        """Register a long-running loop, started after the broker and stopped before it."""

        def register(loop: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
            self._workers[name] = loop
            return loop

        return register

    def periodic(
        self, name: str, every: timedelta
    ) -> Callable[[Callable[[datetime], Awaitable[None]]], Callable[[datetime], Awaitable[None]]]:
        """Register a scheduled job, run with the clock's time every `every`.

        The same job is also reachable as an `ops.*` request for a given date or
        time, so a job must be idempotent: running it twice for one moment
        changes nothing the second time. A failing run is logged and retried at
        the next tick.
        """

        def register(
            job: Callable[[datetime], Awaitable[None]],
        ) -> Callable[[datetime], Awaitable[None]]:
            async def loop() -> None:
                while True:
                    raise_if_cancelling()
                    try:
                        await job(self.clock.now())
                    except Exception:
                        self.log.exception("scheduled job failed", extra={"job": name})
                    await asyncio.sleep(every.total_seconds())

            self._workers[name] = loop
            return job

        return register

    async def _start_background(self) -> None:
        await self.relay.start()
        self._tasks = [
            asyncio.create_task(loop(), name=f"{self.name}:{name}")
            for name, loop in self._workers.items()
        ]

    async def _stop_background(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks, log=self.log)
        await self.relay.stop()

    async def check_migrated(self) -> None:
        """Refuse to start on a schema that is not at this code's newest revision."""
        head = head_revision(self.name)
        async with self.engine.connect() as conn:
            current = await conn.run_sync(current_revision, self.schema)
        if current != head:
            raise RuntimeError(
                f"{self.name}: database schema is at {current}, code expects {head}; "
                "run `ccats migrate` first"
            )

    async def _on_nats_error(self, error: Exception) -> None:
        self.log.warning("NATS connection error: %s", error or type(error).__name__)

    async def _on_nats_disconnected(self) -> None:
        self.log.warning("disconnected from NATS; reconnecting")

    async def _on_nats_reconnected(self) -> None:
        self.log.info("reconnected to NATS")

    # --- transactions and the outbox ---------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Writes and staged events commit together; the relay is woken after."""
        async with self.engine.begin() as conn:
            tx = Transaction(conn, self.outbox)
            yield tx
        if tx.staged:
            self.relay.wake()

    async def _publish_staged(
        self, payload: bytes, subject: str, headers: dict[str, str]
    ) -> Awaitable[object]:
        """The relay's send: straight to JetStream on the broker's connection, the
        headers (message id, trace) as staged; returns the PubAck's future."""
        connection = self.broker._connection
        if connection is None:
            raise ConnectionError(f"{self.name}: the broker is not connected")
        if self._jetstream is None or self._jetstream._nc is not connection:
            # One context per connection: each holds a reply subscription for its PubAcks.
            self._jetstream = connection.jetstream(timeout=PUBLISH_TIMEOUT_SECONDS)
        return await self._jetstream.publish_async(
            subject, payload, stream=stream_for(subject), headers=headers
        )

    # --- consumers ---------------------------------------------------------

    def consume(
        self, subject: str, model: type[M], *, durable: str | None = None
    ) -> Callable[[EventHandler[M]], EventHandler[M]]:
        """Register a durable JetStream consumer of `subject` with inbox and dead letters.

        Acked only after the handler's transaction commits; a transient failure is
        redelivered with a growing delay; a malformed message, or one that fails
        on its last delivery, goes to the dead-letter subject and the consumer
        goes on.
        """
        consumer = durable or f"{self.name}-{subject.replace('.', '-')}"

        def register(handler: EventHandler[M]) -> EventHandler[M]:
            async def on_event() -> None:
                # The message from FastStream's context, not as a parameter: a
                # `NatsMessage` parameter is resolved in a worker thread (a thread hop
                # per event, a third of identity's CPU per tap).
                msg: NatsMessage = self.broker.context.get_local("message")
                await self._handle_event(msg, subject, consumer, model, handler)

            self.broker.subscriber(
                subject,
                stream=JStream(stream_for(subject), declare=False),
                durable=consumer,
                pull_sub=PullSub(batch_size=50, timeout=1.0),
                ack_policy=AckPolicy.NACK_ON_ERROR,
                config=ConsumerConfig(
                    max_deliver=self.settings.max_deliver,
                    ack_wait=self.settings.ack_wait_seconds,
                ),
                title=f"{consumer}:{subject}",
                description=(handler.__doc__ or "").strip() or None,
            )(on_event)
            return handler

        return register

    def consume_batch(
        self,
        subject: str,
        model: type[M],
        *,
        durable: str | None = None,
        batch_size: int | None = None,
        transaction: TransactionFactory | None = None,
    ) -> Callable[[BatchHandler[M]], BatchHandler[M]]:
        """Register a durable consumer handing a whole fetch to `handler` in one
        transaction (`shared.batch_consumer`): for events that come by the thousand,
        where `consume`'s transaction per message is most of the cost. `transaction`
        makes the batch's unit of work (a subclass may write its outbox rows its
        own way, e.g. with COPY)."""
        from shared.batch_consumer import BATCH_SIZE, BatchConsumer, BatchTransaction

        def register(handler: BatchHandler[M]) -> BatchHandler[M]:
            consumer = BatchConsumer(
                self,
                subject,
                model,
                handler,
                durable=durable,
                batch_size=batch_size or BATCH_SIZE,
                transaction=transaction or BatchTransaction,
            )
            self.worker(f"consume {subject}")(consumer.run)
            return handler

        return register

    async def _handle_event(
        self,
        msg: NatsMessage,
        subject: str,
        consumer: str,
        model: type[M],
        handler: EventHandler[M],
    ) -> None:
        delivered = msg.raw_message.metadata.num_delivered
        headers = dict(msg.headers)
        try:
            event = model.model_validate_json(msg.body)
        except ValidationError as exc:
            reason, errors = describe_validation(exc)
            self.log.warning("refused a malformed message", extra={"subject": subject})
            await self.dead_letter(
                msg.raw_message, consumer, ErrorCode.malformed_message, reason, errors
            )
            return
        event_id = str(
            getattr(event, "event_id", None)
            or headers.get("Nats-Msg-Id")
            or f"{msg.raw_message.metadata.stream}:{msg.raw_message.metadata.sequence.stream}"
        )
        try:
            async with self.transaction() as tx:
                if await first_delivery(tx.conn, self.inbox, consumer, event_id):
                    await handler(event, tx)
        except Exception as exc:
            if delivered >= self.settings.max_deliver:
                self.log.exception("giving up on a message", extra={"subject": subject})
                await self.dead_letter(
                    msg.raw_message,
                    consumer,
                    ErrorCode.delivery_exhausted,
                    f"failed {delivered} times, last: {describe_error(exc)}",
                )
                return
            self.log.warning(
                "handling failed; will retry",
                exc_info=True,
                extra={"subject": subject, "delivered": delivered},
            )
            raise NackMessage(delay=min(0.5 * 2**delivered, 30.0)) from exc

    async def dead_letter(
        self,
        msg: Msg,
        consumer: str,
        code: ErrorCode,
        reason: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        """Send a JetStream message that can never be handled to `deadletter.<subject>`,
        with why (secrets redacted, `shared.bus.deadletter`); the consumer goes on."""
        letter = dead_letter(
            service=self.name,
            consumer=consumer,
            subject=msg.subject,
            code=code,
            reason=reason,
            payload=msg.data,
            headers=dict(msg.headers or {}),
            delivered=msg.metadata.num_delivered,
            errors=errors,
        )
        target = deadletter_subject(msg.subject)
        await self.broker.publish(
            letter.model_dump_json().encode(),
            target,
            stream=stream_for(target),
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )

    # --- requests ----------------------------------------------------------

    def serve(
        self,
        subject: str,
        model: type[M],
        *,
        queue: str | None = None,
        concurrency: int = 1,
    ) -> Callable[[RequestHandler[M]], RequestHandler[M]]:
        """Register a request handler: a refusal is a stable error code, never a crash.

        Up to `concurrency` requests of this subject are answered at once in this
        process (1: one after the other, in arrival order); more wait, up to
        `backlog_limit(concurrency)`, past which the oldest waiting is answered
        `service_unavailable` at once. Served on the broker's own NATS connection
        in the service's queue group, each in a span that continues the caller's
        trace, without FastStream's per-message machinery (a thread hop and four
        middlewares: most of a request's cost when measured).
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")

        def register(handler: RequestHandler[M]) -> RequestHandler[M]:
            self._requests.append(
                _RequestSubscription(
                    subject=subject,
                    queue=queue if queue is not None else self.name,
                    concurrency=concurrency,
                    answer=partial(self._answer, subject, model, handler),
                    log=self.log,
                )
            )
            return handler

        return register

    async def request(self, subject: str, payload: bytes, *, timeout: float) -> bytes:
        """Ask another service on the broker's connection; the reply's body.

        Lean on purpose (a hot path asks on every request it serves): no
        FastStream middleware, the current trace context in the headers.
        """
        connection = self.broker._connection
        if connection is None:
            raise RuntimeError(f"{self.name}: the broker is not connected")
        headers: dict[str, str] = {}
        propagate.inject(headers)
        reply = await connection.request(subject, payload, timeout=timeout, headers=headers)
        return reply.data

    async def _open_requests(self) -> None:
        """Subscribe every served subject; called once the broker is connected."""
        connection = self.broker._connection
        if connection is None:
            raise RuntimeError(f"{self.name}: the broker is not connected")
        for served in self._requests:
            await served.open(connection)
        await connection.flush()  # the server has every subscription before start returns

    async def _close_requests(self) -> None:
        """Held as a worker: on stop, take no new request, let those in flight end."""
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.gather(*(served.close() for served in self._requests))

    async def _answer(
        self, subject: str, model: type[M], handler: RequestHandler[M], msg: Msg
    ) -> bytes:
        parent = propagate.extract(msg.headers or {})
        with self._tracer.start_as_current_span(
            f"{subject} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.destination.name": msg.subject},
        ) as span:
            debug = self.log.isEnabledFor(logging.DEBUG)
            if debug:
                self.log.debug("request received", extra={"subject": msg.subject})
            reply = await self._reply(msg, model, handler, span)
            if debug:
                code = reply.get("error", {}).get("code") if not reply.get("ok") else None
                self.log.debug("request answered", extra={"subject": msg.subject, "code": code})
            return json.dumps(reply).encode()

    async def _reply(
        self, msg: Msg, model: type[M], handler: RequestHandler[M], span: Span
    ) -> dict[str, Any]:
        try:
            request = model.model_validate_json(msg.data or b"{}")
        except ValidationError as exc:
            reason, _ = describe_validation(exc)
            return error_reply(ErrorCode.invalid_request, reason)
        try:
            result = await handler(request, msg.subject)
        except RequestRefused as refusal:
            return refusal.reply()
        except Exception as exc:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            self.log.exception("request failed", extra={"subject": msg.subject})
            return error_reply(ErrorCode.internal_error, "The request could not be handled.")
        if isinstance(result, BaseModel):
            return result.model_dump(mode="json", by_alias=True)
        return result

    # --- health ------------------------------------------------------------

    async def _own_health(self, _: BaseModel, __: str) -> dict[str, Any]:
        """This service's state: up when connected, migrated and publishing."""
        async with asyncio.timeout(2.0), self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        if not self.relay.running:
            raise RequestRefused(ErrorCode.service_unavailable, "outbox relay stopped")
        stopped = [t.get_name() for t in self._tasks if t.done()]
        if stopped:
            raise RequestRefused(ErrorCode.service_unavailable, f"stopped: {', '.join(stopped)}")
        return {"ok": True, "service": self.name, "status": "up", "version": self.version}

    async def _system_health(self, _: BaseModel, __: str) -> dict[str, Any]:
        """`ops.health`: every service asked at once; ok only when all five are up."""

        async def ask(service: str) -> dict[str, Any] | None:
            try:
                reply = await self.broker.request(b"{}", f"ops.health.{service}", timeout=2.0)
                body = await reply.decode()
            except Exception:
                return None
            return body if isinstance(body, dict) and body.get("ok") else None

        answers = await asyncio.gather(*(ask(s) for s in SERVICES))
        services = {
            service: {"status": "up", "version": answer["version"]}
            for service, answer in zip(SERVICES, answers, strict=True)
            if answer is not None
        }
        missing = [s for s in SERVICES if s not in services]
        if missing:
            reply = error_reply(ErrorCode.service_unavailable, f"not up: {', '.join(missing)}")
            reply["services"] = {
                s: services.get(s, {"status": "down", "version": None}) for s in SERVICES
            }
            return reply
        return {"ok": True, "services": services}


class _Empty(BaseModel):
    """A request with no fields."""


REPLY_HEADERS = {"content-type": "application/json"}
BACKLOG_PER_PLACE = 16
BACKLOG_AT_LEAST = 256


def backlog_limit(concurrency: int) -> int:
    """Requests that may wait for a place; past that, the oldest waiting is answered
    `service_unavailable` at once. Under a burst beyond what the service can do, a
    caller then hears within moments that it may resend (taps are safe to resend:
    ATT-1), instead of timing out while the service works through requests whose
    callers have given up, long after the burst (measured: benchmarks/taps_results.md)."""
    return max(BACKLOG_AT_LEAST, concurrency * BACKLOG_PER_PLACE)


BUSY_REPLY = json.dumps(
    error_reply(ErrorCode.service_unavailable, "Too busy just now; try again in a moment.")
).encode()
CLOSE_GRACE_SECONDS = 3.0
"""Within the kernel's stop grace for a worker (`shared.tasks.STOP_GRACE_SECONDS`)."""


@dataclass
class _RequestSubscription:
    """One served subject: its subscription and the answers in flight.

    Each answer is a task; the subscription's loop waits for a free slot before
    taking the next message, so a burst waits in the subscription's buffer
    instead of piling up tasks, and with `concurrency` 1 requests are answered
    one after the other in arrival order. A task, not the subscription's loop,
    runs the handler, so a stop lets an answer in flight finish.
    """

    subject: str
    queue: str
    concurrency: int
    answer: Callable[[Msg], Awaitable[bytes]]
    log: logging.Logger
    _connection: NatsClient | None = None
    _subscription: Subscription | None = None
    _slots: asyncio.Semaphore | None = None
    _in_flight: set[asyncio.Task[None]] = field(default_factory=set)

    async def open(self, connection: NatsClient) -> None:
        self._connection = connection
        self._slots = asyncio.Semaphore(self.concurrency)
        self._subscription = await connection.subscribe(
            self.subject, queue=self.queue, cb=self._on_message
        )

    async def close(self) -> None:
        """Unsubscribe, give the answers in flight a bounded time, then cancel them."""
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        try:
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=CLOSE_GRACE_SECONDS)
        finally:
            await cancel_and_wait(set(self._in_flight), log=self.log, grace=1.0)

    async def _on_message(self, msg: Msg) -> None:
        assert self._slots is not None
        if self._slots.locked() and self._waiting() > backlog_limit(self.concurrency):
            await self._send(msg, BUSY_REPLY)
            return
        await self._slots.acquire()
        task = asyncio.get_running_loop().create_task(self._respond_then_release(msg))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _respond_then_release(self, msg: Msg) -> None:
        try:
            await self._respond(msg)
        finally:
            assert self._slots is not None
            self._slots.release()

    def _waiting(self) -> int:
        """Requests received and not yet taken up, behind this one."""
        return self._subscription.pending_msgs if self._subscription is not None else 0

    async def _respond(self, msg: Msg) -> None:
        await self._send(msg, await self.answer(msg))

    async def _send(self, msg: Msg, body: bytes) -> None:
        if not msg.reply or self._connection is None:
            return  # published, not requested: nobody waits for an answer
        try:
            await self._connection.publish(msg.reply, body, headers=REPLY_HEADERS)
        except Exception as exc:
            self.log.warning(
                "could not send a reply: %s", type(exc).__name__, extra={"subject": msg.subject}
            )
