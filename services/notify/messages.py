"""Messages as stored: decided once per cause and recipient, kept before they are
sent, claimed by the delivery worker, and marked sent or failed (NOT-3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from opentelemetry import propagate
from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notify import store
from services.notify.compose import Rendered
from services.notify.domain.contacts import Address
from services.notify.domain.plans import Draft, RecipientType
from services.notify.domain.retry import RetryPolicy
from shared.contract.base import Event

m = store.messages

ERASED_FIELDS = {"body_text": None, "body_html": None, "sms_text": None}
"""A secret message's body once it is sent or given up: the token or code it held
is for its owner alone (architecture rule 6)."""


class MessageNotStored(RuntimeError):
    """The database refused a message; says why without the values (they may hold a
    link token)."""


@contextmanager
def without_values() -> Iterator[None]:
    """Re-raise a database error without its statement parameters, which would copy a
    message body, and so a link token, into logs and dead letters."""
    try:
        yield
    except StatementError as exc:
        cause = type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__
        raise MessageNotStored(f"{cause} while storing a message") from None


@dataclass(frozen=True)
class Outgoing:
    """A message claimed for one try."""

    notification_id: str
    kind: str
    recipient_type: str
    recipient_id: str
    channel: str
    address: str
    display_name: str | None
    language: str
    subject: str
    body_text: str
    body_html: str
    sms_text: str
    attempts: int
    created_at: datetime
    secret: bool
    trace_carrier: dict[str, str] = field(default_factory=dict)
    """W3C trace context of the transaction that decided the message."""


def _address_values(address: Address | None) -> dict[str, Any]:
    if address is None:
        return {"channel": None, "address": None, "display_name": None}
    return {"channel": address.channel.value, "address": address.to, "display_name": address.name}


async def add(
    conn: AsyncConnection,
    draft: Draft,
    rendered: Rendered,
    *,
    cause: Event,
    now: datetime,
) -> str | None:
    """Store a decided message, due at once; None when this cause already gave this
    recipient this kind of message (decided once)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # the trace of the cause continues when the message is sent
    values = {
        "notification_id": str(uuid4()),
        "cause_event_id": str(cause.event_id),
        "cause_subject": cause.subject,
        "kind": draft.kind.value,
        "recipient_type": draft.recipient.type.value,
        "recipient_id": draft.recipient.id,
        **_address_values(draft.address),
        "language": draft.language,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "sms_text": rendered.sms,
        "secret": draft.secret,
        "status": "queued" if draft.address else "no_address",
        "next_attempt_at": now if draft.address else None,
        "created_at": now,
        "traceparent": carrier.get("traceparent"),
        "tracestate": carrier.get("tracestate"),
    }
    with without_values():
        inserted = await conn.execute(
            insert(m).values(**values).on_conflict_do_nothing().returning(m.c.notification_id)
        )
    return inserted.scalar()


async def readdress(
    conn: AsyncConnection,
    recipient_type: RecipientType,
    recipient_id: str,
    address: Address,
    now: datetime,
) -> int:
    """Messages kept for lack of an address go out now that the contact has one."""
    result = await conn.execute(
        update(m)
        .where(
            and_(
                m.c.recipient_type == recipient_type.value,
                m.c.recipient_id == recipient_id,
                m.c.status == "no_address",
            )
        )
        .values(status="queued", next_attempt_at=now, **_address_values(address))
    )
    return result.rowcount


async def claim_due(
    conn: AsyncConnection,
    due_by: datetime,
    now: datetime,
    policy: RetryPolicy,
    *,
    limit: int,
    lease: timedelta,
) -> list[Outgoing]:
    """Claim messages due by `due_by` for one try each: the try is counted and the
    next one scheduled before sending, so a worker that dies mid-send leaves the
    message to be tried again when that time comes. Replicas skip each other's
    claims."""
    rows = (
        await conn.execute(
            select(m)
            .where(and_(m.c.status == "queued", m.c.next_attempt_at <= due_by))
            .order_by(m.c.next_attempt_at, m.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    claimed: list[Outgoing] = []
    for row in rows:
        attempts = row.attempts + 1
        await conn.execute(
            update(m)
            .where(m.c.notification_id == row.notification_id)
            .values(
                attempts=attempts,
                last_attempt_at=now,
                next_attempt_at=policy.lease_until(attempts, now, lease),
            )
        )
        claimed.append(
            Outgoing(
                notification_id=row.notification_id,
                kind=row.kind,
                recipient_type=row.recipient_type,
                recipient_id=row.recipient_id,
                channel=row.channel,
                address=row.address,
                display_name=row.display_name,
                language=row.language,
                subject=row.subject,
                body_text=row.body_text or "",
                body_html=row.body_html or "",
                sms_text=row.sms_text or "",
                attempts=attempts,
                created_at=row.created_at,
                secret=row.secret,
                trace_carrier={
                    k: v for k in ("traceparent", "tracestate") if (v := getattr(row, k))
                },
            )
        )
    return claimed


async def mark_sent(conn: AsyncConnection, message: Outgoing, now: datetime) -> bool:
    """Sent: final; a secret body is erased. False if it was no longer queued."""
    erase = ERASED_FIELDS if message.secret else {}
    result = await conn.execute(
        update(m)
        .where(and_(m.c.notification_id == message.notification_id, m.c.status == "queued"))
        .values(status="sent", sent_at=now, next_attempt_at=None, last_error=None, **erase)
    )
    return result.rowcount == 1


async def mark_failed_try(
    conn: AsyncConnection,
    message: Outgoing,
    error: str,
    *,
    retry_at: datetime | None,
    now: datetime,
) -> None:
    """A failed try: again at `retry_at`, or failed for good when it is None."""
    if retry_at is not None:
        values: dict[str, Any] = {"next_attempt_at": retry_at, "last_error": error}
    else:
        erase = ERASED_FIELDS if message.secret else {}
        values = {
            "status": "failed",
            "failed_at": now,
            "next_attempt_at": None,
            "last_error": error,
            **erase,
        }
    await conn.execute(
        update(m)
        .where(and_(m.c.notification_id == message.notification_id, m.c.status == "queued"))
        .values(**values)
    )


async def requeue(conn: AsyncConnection, notification_id: str, now: datetime) -> str:
    """Try a failed message again from the start; answers what was found:
    `requeued`, `not_found`, `not_failed` or `erased` (its body held a secret)."""
    row = (
        await conn.execute(
            select(m.c.status, m.c.body_text, m.c.sms_text)
            .where(m.c.notification_id == notification_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return "not_found"
    if row.status != "failed":
        return "not_failed"
    if row.body_text is None and row.sms_text is None:
        return "erased"
    await conn.execute(
        update(m)
        .where(m.c.notification_id == notification_id)
        .values(status="queued", attempts=0, next_attempt_at=now, failed_at=None)
    )
    return "requeued"


async def for_recipient(
    conn: AsyncConnection,
    recipient_type: RecipientType,
    recipient_id: str,
    *,
    since: datetime | None,
    limit: int,
) -> list[Any]:
    """What was decided for a person or a provider, newest first, without bodies."""
    query = (
        select(
            m.c.notification_id,
            m.c.kind,
            m.c.channel,
            m.c.address,
            m.c.language,
            m.c.subject,
            m.c.status,
            m.c.attempts,
            m.c.created_at,
            m.c.next_attempt_at,
            m.c.sent_at,
            m.c.failed_at,
            m.c.last_error,
            m.c.cause_event_id,
            m.c.cause_subject,
        )
        .where(and_(m.c.recipient_type == recipient_type.value, m.c.recipient_id == recipient_id))
        .order_by(m.c.created_at.desc(), m.c.notification_id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(m.c.created_at >= since)
    return list((await conn.execute(query)).all())
