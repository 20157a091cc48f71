"""The delivery worker: tries due messages, with exponential backoff per message,
marks each sent or failed, and announces what was sent (NOT-3)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, uuid5

from opentelemetry import context, propagate, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode

from services.notify import messages
from services.notify.delivery.couriers import Courier, DeliveryFailed
from services.notify.domain.retry import RetryPolicy
from services.notify.messages import Outgoing
from shared.contract.events import NotificationSent
from shared.service import ServiceRuntime, Transaction
from shared.tasks import raise_if_cancelling

log = logging.getLogger("ccats.notify.delivery")

BATCH = 100


@dataclass
class Tally:
    """What one round of delivery did."""

    attempted: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def sent_event(message: Outgoing, now: datetime) -> NotificationSent:
    """`NotificationSent`: who, what kind, how, in which language; never the body.
    Its id follows from the notification's, so it is one event per message."""
    recipient = {f"{message.recipient_type}_id": message.recipient_id}
    return NotificationSent(
        event_id=uuid5(NAMESPACE_URL, f"ccats:notify:sent:{message.notification_id}"),
        occurred_at=now,
        notification_id=message.notification_id,
        kind=message.kind,
        channel=message.channel,  # type: ignore[arg-type]
        language=message.language,  # type: ignore[arg-type]
        **recipient,
    )


class DeliveryWorker:
    def __init__(
        self,
        rt: ServiceRuntime,
        couriers: Mapping[str, Courier],
        policy: RetryPolicy,
        *,
        concurrency: int,
        lease: timedelta,
        poll_seconds: float,
    ) -> None:
        self.rt = rt
        self.couriers = couriers
        self.policy = policy
        self.lease = lease
        self.poll_seconds = poll_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._tracer = rt.tracer_provider.get_tracer("ccats.notify.delivery")

    async def run(self) -> None:
        """Forever: deliver what is due by the clock, then wait a little; after a failed
        round (the database away), wait longer each time, up to half a minute."""
        failures = 0
        while True:
            raise_if_cancelling()
            try:
                tally = await self.deliver_due(self.rt.clock.now())
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("delivery round failed; will try again")
                await asyncio.sleep(min(self.poll_seconds * 2 ** min(failures, 10), 30.0))
                continue
            if tally.attempted < BATCH:
                await asyncio.sleep(self.poll_seconds)

    async def deliver_due(self, due_by: datetime) -> Tally:
        """One round: claim the messages due by `due_by`, try them side by side, and
        record every outcome in one transaction (one commit per round, not per
        message), with a `NotificationSent` for each message sent."""
        async with self.rt.engine.begin() as conn:
            claimed = await messages.claim_due(
                conn, due_by, self.rt.clock.now(), self.policy, limit=BATCH, lease=self.lease
            )
        if not claimed:
            return Tally()
        tries = await asyncio.gather(*(self._try(message) for message in claimed))
        now = self.rt.clock.now()
        outcomes: list[tuple[Outgoing, DeliveryFailed | None, datetime | None]] = []
        async with self.rt.transaction() as tx:
            for message, (failure, span) in zip(claimed, tries, strict=True):
                retry_at = await self._record(tx, message, failure, span, now)
                outcomes.append((message, failure, retry_at))
        return self._report(outcomes)

    async def _try(self, message: Outgoing) -> tuple[DeliveryFailed | None, SpanContext]:
        """One try, as a span in the trace of the event that caused the message."""
        parent = propagate.extract(message.trace_carrier)
        with self._tracer.start_as_current_span(
            f"notify deliver {message.kind}",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "ccats.notification_id": message.notification_id,
                "ccats.message_kind": message.kind,
                "ccats.channel": message.channel,
                "ccats.attempt": message.attempts,
            },
        ) as span:
            failure = await self._send(message)
            if failure is not None:
                span.set_status(Status(StatusCode.ERROR, failure.reason))
            return failure, span.get_span_context()

    async def _send(self, message: Outgoing) -> DeliveryFailed | None:
        courier = self.couriers.get(message.channel)
        if courier is None:
            return DeliveryFailed(f"no courier for channel {message.channel}", permanent=True)
        async with self._slots:
            try:
                await courier.deliver(message)
            except DeliveryFailed as failure:
                return failure
            except Exception as exc:  # a courier's bug must not stop the round
                log.exception("courier failed", extra={"notification_id": message.notification_id})
                return DeliveryFailed(f"courier error: {type(exc).__name__}")
        return None

    async def _record(
        self,
        tx: Transaction,
        message: Outgoing,
        failure: DeliveryFailed | None,
        span: SpanContext,
        now: datetime,
    ) -> datetime | None:
        """Mark one outcome; returns when the message is tried again, if it is.
        `NotificationSent` is staged in the try's trace."""
        if failure is None:
            if await messages.mark_sent(tx.conn, message, now):
                token = context.attach(trace.set_span_in_context(NonRecordingSpan(span)))
                try:
                    await tx.emit(sent_event(message, now))
                finally:
                    context.detach(token)
            return None
        retry_at = None if failure.permanent else self.policy.retry_at(message.attempts, now)
        await messages.mark_failed_try(tx.conn, message, failure.reason, retry_at=retry_at, now=now)
        return retry_at

    @staticmethod
    def _report(outcomes: list[tuple[Outgoing, DeliveryFailed | None, datetime | None]]) -> Tally:
        tally = Tally(attempted=len(outcomes))
        for message, failure, retry_at in outcomes:
            facts = {"notification_id": message.notification_id, "kind": message.kind}
            if failure is None:
                tally.sent += 1
                log.info("message sent", extra={**facts, "attempts": message.attempts})
            elif retry_at is None:
                tally.failed += 1
                log.warning("message failed for good", extra={**facts, "reason": failure.reason})
            else:
                tally.retrying += 1
                log.info(
                    "message will be tried again",
                    extra={**facts, "reason": failure.reason, "retry_at": retry_at.isoformat()},
                )
        return tally
