"""The kiosk sign-in path's own subscription: many requests at once, little per request.

The kernel's `rt.serve` answers one message at a time per subscription (a sign-in
waits for the one before it: ~250/s), and each message goes through FastStream's
dependency injection and middlewares (~1 ms of CPU per sign-in when measured, the
larger part of its cost). The sign-in is identity's one hot path, so it is served
here on the broker's own NATS connection, in the same queue group, with the same
answers as `rt.serve` (a malformed body is `invalid_request` with its fields and
never its values, a refusal its code, a crash `internal_error` logged with the
trace id) and its own span, continuing the kiosk's W3C trace context.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, ValidationError

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused, error_reply
from shared.service import RequestHandler, ServiceRuntime, describe_validation

M = TypeVar("M", bound=BaseModel)

REQUEST_WORKERS = 64
"""Requests in progress at once per subscription and process."""


def serve_concurrently(
    rt: ServiceRuntime, subject: str, model: type[M], *, max_workers: int = REQUEST_WORKERS
) -> Callable[[RequestHandler[M]], RequestHandler[M]]:
    """Like `rt.serve(subject, model)`, for a hot path: see the module's docstring."""
    tracer = rt.tracer_provider.get_tracer(f"ccats.{rt.name}")
    slots = asyncio.Semaphore(max_workers)
    in_flight: set[asyncio.Task[None]] = set()  # held, so no task is collected mid-way

    def register(handler: RequestHandler[M]) -> RequestHandler[M]:
        async def answer(msg: Msg) -> None:
            parent = propagate.extract(msg.headers or {})
            with tracer.start_as_current_span(
                f"{subject} process",
                context=parent,
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "nats", "messaging.destination.name": msg.subject},
            ) as span:
                reply = await _answered(rt, msg, model, handler, span)
            try:
                await msg.respond(json.dumps(reply).encode())
            finally:
                slots.release()

        async def on_message(msg: Msg) -> None:
            await slots.acquire()
            task = asyncio.get_running_loop().create_task(answer(msg))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)

        async def subscribed() -> None:
            connection = rt.broker._connection  # the broker's own client, started first
            subscription = await connection.subscribe(subject, queue=rt.name, cb=on_message)
            try:
                await asyncio.Event().wait()
            finally:
                await subscription.unsubscribe()

        rt.worker(f"serve {subject}")(subscribed)
        return handler

    return register


async def _answered(
    rt: ServiceRuntime,
    msg: Msg,
    model: type[M],
    handler: RequestHandler[M],
    span: trace.Span,
) -> dict[str, Any]:
    """The reply `rt.serve` would give."""
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
        rt.log.exception("request failed", extra={"subject": msg.subject})
        return error_reply(ErrorCode.internal_error, "The request could not be handled.")
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True)
    return result
