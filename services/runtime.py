"""Builds any service's runtime by name: its tables and handlers on the shared kernel."""

from __future__ import annotations

from importlib import import_module

from opentelemetry.sdk.trace import TracerProvider

from shared.clock import Clock
from shared.service import ServiceRuntime
from shared.settings import Settings


def create_runtime(
    name: str,
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    tracer_provider: TracerProvider | None = None,
) -> ServiceRuntime:
    store = import_module(f"services.{name}.store")
    handlers = import_module(f"services.{name}.handlers")
    rt = ServiceRuntime(
        name,
        settings or Settings(),
        outbox=store.outbox,
        inbox=store.inbox,
        clock=clock,
        tracer_provider=tracer_provider,
    )
    handlers.register(rt)
    return rt
