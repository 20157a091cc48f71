"""The dead-letter subject: where a message that can never be handled goes,
with the reason, so the consumer can go on and nothing is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.contract.errors import ErrorCode

DEADLETTER_PREFIX = "deadletter"
SECRET_FIELDS = frozenset(
    {"pin", "pin_confirm", "link_token", "token", "password", "pepper", "code"}
)
"""Body fields never copied to a dead letter: the DEADLETTER stream is read by
operators, while a link token or a one-time registration code (ID-8) may go
only to notify (architecture rule 6). Error codes live in the dead letter's own
fields, never in the copied body."""
REDACTED = "[redacted]"


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
        payload=redacted_payload(payload),
        headers={k: v for k, v in headers.items() if k.lower() != "authorization"},
        failed_at=datetime.now(UTC),
    )


def redacted_payload(payload: bytes) -> str:
    """The body as text, with every secret field's value replaced, at any depth."""
    text = payload.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text
    return json.dumps(_redact(body), ensure_ascii=False)


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k.lower() in SECRET_FIELDS else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value
