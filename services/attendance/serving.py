"""Serving a request subject with several requests in flight at once.

The kernel's `rt.serve` answers one request at a time per subscriber; a tap
waits on identity and the database, so taps are served by a pool of workers.
The answer follows the kernel's rules exactly: `invalid_request` with the
fields (never the values: a body may hold a PIN), `RequestRefused` with its
code, anything else `internal_error`.
"""

from __future__ import annotations

from typing import Any

from faststream.nats import NatsMessage
from pydantic import BaseModel, ValidationError

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused, error_reply
from shared.service import M, RequestHandler, ServiceRuntime, describe_validation


def serve_concurrently(
    rt: ServiceRuntime, subject: str, model: type[M], handler: RequestHandler[M], *, workers: int
) -> None:
    async def on_request(msg: NatsMessage) -> dict[str, Any]:
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
            rt.log.exception("request failed", extra={"subject": msg.raw_message.subject})
            return error_reply(ErrorCode.internal_error, "The request could not be handled.")
        if isinstance(result, BaseModel):
            return result.model_dump(mode="json", by_alias=True)
        return result

    rt.broker.subscriber(
        subject,
        queue=rt.name,
        max_workers=workers,
        title=subject,
        description=(handler.__doc__ or "").strip() or None,
    )(on_request)
