"""The runtime every service is built on: broker, database, outbox relay, inbox,
dead letters, health. Handlers stay thin: they get a decoded model and a
transaction, and call the domain."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from faststream import AckPolicy, FastStream
from faststream.exceptions import NackMessage
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.bus.deadletter import dead_letter, deadletter_subject
from shared.bus.streams import stream_for
from shared.clock import Clock, SystemClock
from shared.contract.base import Event
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused, error_reply
from shared.db import async_engine
from shared.inbox import first_delivery
from shared.migrations import current_revision, head_revision
from shared.outbox import OutboxRelay, add_to_outbox
from shared.settings import Settings
from shared.tasks import cancel_and_wait, raise_if_cancelling, within
from shared.telemetry import tracer_provider_for

SERVICES = ("identity", "authorization", "attendance", "billing", "notify")
PUBLISH_TIMEOUT_SECONDS = 5.0

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
        self.outbox = outbox
        self.inbox = inbox
        self.relay = OutboxRelay(
            self.engine,
            outbox,
            self._publish_staged,
            poll_seconds=settings.relay_poll_seconds,
            tracer=self.tracer_provider.get_tracer(f"ccats.{name}"),
        )
        self._workers: dict[str, Callable[[], Awaitable[None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.serve(f"ops.health.{name}", _Empty)(self._own_health)
        self.serve("ops.health", _Empty, queue="ccats-health")(self._system_health)

    # --- life cycle ------------------------------------------------------

    def app(self) -> FastStream:
        """The FastStream application, for `faststream run` or `ccats service`."""
        return FastStream(
            self.broker,
            logger=self.log,
            on_startup=[self.check_migrated],
            after_startup=[self._start_background],
            on_shutdown=[self._stop_background],
            after_shutdown=[self.engine.dispose],
        )

    async def start(self) -> None:
        """Start in the current event loop (tests, or several services in one process)."""
        await self.check_migrated()
        await self.broker.start()
        await self._start_background()

    async def stop(self) -> None:
        """Stop background work, the broker and the engine; each step is bounded."""
        await self._stop_background()
        await within(self.broker.stop(), what="broker stop", log=self.log, grace=15.0)
        await within(self.engine.dispose(), what="engine dispose", log=self.log, grace=5.0)

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

    async def _publish_staged(self, payload: bytes, subject: str, headers: dict[str, str]) -> None:
        await self.broker.publish(
            payload,
            subject,
            stream=stream_for(subject),
            headers=headers,
            timeout=PUBLISH_TIMEOUT_SECONDS,
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
            async def on_event(msg: NatsMessage) -> None:
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
            await self._dead_letter(
                msg, consumer, ErrorCode.malformed_message, reason, delivered, errors
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
                await self._dead_letter(
                    msg,
                    consumer,
                    ErrorCode.delivery_exhausted,
                    f"failed {delivered} times, last: {type(exc).__name__}: {exc}",
                    delivered,
                )
                return
            self.log.warning(
                "handling failed; will retry",
                exc_info=True,
                extra={"subject": subject, "delivered": delivered},
            )
            raise NackMessage(delay=min(0.5 * 2**delivered, 30.0)) from exc

    async def _dead_letter(
        self,
        msg: NatsMessage,
        consumer: str,
        code: ErrorCode,
        reason: str,
        delivered: int,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        subject = msg.raw_message.subject
        letter = dead_letter(
            service=self.name,
            consumer=consumer,
            subject=subject,
            code=code,
            reason=reason,
            payload=msg.body,
            headers=dict(msg.headers),
            delivered=delivered,
            errors=errors,
        )
        target = deadletter_subject(subject)
        await self.broker.publish(
            letter.model_dump_json().encode(),
            target,
            stream=stream_for(target),
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )

    # --- requests ----------------------------------------------------------

    def serve(
        self, subject: str, model: type[M], *, queue: str | None = None
    ) -> Callable[[RequestHandler[M]], RequestHandler[M]]:
        """Register a request handler: a refusal is a stable error code, never a crash."""

        def register(handler: RequestHandler[M]) -> RequestHandler[M]:
            async def on_request(msg: NatsMessage) -> dict[str, Any]:
                return await self._answer(msg, model, handler)

            self.broker.subscriber(
                subject,
                queue=queue if queue is not None else self.name,
                title=subject,
                description=(handler.__doc__ or "").strip() or None,
            )(on_request)
            return handler

        return register

    async def _answer(
        self, msg: NatsMessage, model: type[M], handler: RequestHandler[M]
    ) -> dict[str, Any]:
        try:
            request = model.model_validate_json(msg.body or b"{}")
        except ValidationError as exc:
            reason, _ = describe_validation(exc)
            return error_reply(ErrorCode.invalid_request, reason)
        try:
            result = await handler(request, msg.raw_message.subject)
        except RequestRefused as refusal:
            return refusal.reply()
        except Exception:
            self.log.exception("request failed", extra={"subject": msg.raw_message.subject})
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
