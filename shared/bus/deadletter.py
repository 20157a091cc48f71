"""The dead-letter subject: where a message that can never be handled goes,
with the reason, so the consumer can go on and nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.contract.errors import ErrorCode

DEADLETTER_PREFIX = "deadletter"


class DeadLetter(BaseModel):
    """What an operator needs to understand and replay a refused message."""

    service: str
    consumer: str
    subject: str
    code: ErrorCode
    reason: str
    errors: list[dict[str, Any]] = []
    delivered: int
    payload: str
    headers: dict[str, str] = {}
    failed_at: datetime


def deadletter_subject(subject: str) -> str:
    return f"{DEADLETTER_PREFIX}.{subject}"


def dead_letter(
    *,
    service: str,
    consumer: str,
    subject: str,
    code: ErrorCode,
    reason: str,
    payload: bytes,
    headers: dict[str, str],
    delivered: int,
    errors: list[dict[str, Any]] | None = None,
) -> DeadLetter:
    return DeadLetter(
        service=service,
        consumer=consumer,
        subject=subject,
        code=code,
        reason=reason,
        errors=errors or [],
        delivered=delivered,
        payload=payload.decode("utf-8", errors="replace"),
        headers={k: v for k, v in headers.items() if k.lower() != "authorization"},
        failed_at=datetime.now(UTC),
    )
