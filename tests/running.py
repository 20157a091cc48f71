"""Services run in the test's event loop, against the real servers, with their
spans collected in memory."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.runtime import create_runtime
from shared.clock import Clock
from shared.service import SERVICES, ServiceRuntime
from shared.settings import Settings

T = TypeVar("T")


@dataclass
class RunningSystem:
    runtimes: dict[str, ServiceRuntime]
    spans: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)


def tracer_provider(service: str, exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": f"ccats-{service}"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@contextlib.asynccontextmanager
async def running(
    settings: Settings, names: tuple[str, ...] = SERVICES, clock: Clock | None = None
) -> AsyncIterator[RunningSystem]:
    spans = InMemorySpanExporter()
    runtimes = {
        name: create_runtime(
            name, settings, clock=clock, tracer_provider=tracer_provider(name, spans)
        )
        for name in names
    }
    started: list[ServiceRuntime] = []
    try:
        for runtime in runtimes.values():
            await runtime.start()
            started.append(runtime)
        yield RunningSystem(runtimes, spans)
    finally:
        for runtime in reversed(started):
            await runtime.stop()


async def eventually(
    probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.05
) -> T:
    """The first truthy answer of `probe`; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


async def stream_messages(nc: NatsClient, stream: str, subject: str) -> list[Msg]:
    """Every message stored on `subject` in `stream`, read by an ephemeral consumer.

    Fetches exactly what the consumer reports pending for `subject` (not the whole
    stream's count, which made a fetch wait out its timeout when few matched).
    """
    js = nc.jetstream()
    sub = await js.pull_subscribe(subject, stream=stream)
    try:
        pending = (await sub.consumer_info()).num_pending
        found: list[Msg] = []
        while len(found) < pending:
            try:
                found += await sub.fetch(pending - len(found), timeout=5)
            except TimeoutError:  # nats-py raises its own and asyncio's
                break
        return found
    finally:
        await sub.unsubscribe()
