"""Operators' requests: what was sent to whom and when, a failed message tried again,
a delivery round now (NOT-3). Replies never carry a message's body."""

from __future__ import annotations

from services.notify import held, messages
from services.notify.delivery.worker import DeliveryWorker
from services.notify.domain.plans import RecipientType, WaitingFor
from shared.contract.errors import ErrorCode
from shared.contract.notify import (
    DeliverReply,
    DeliverRequest,
    MessageRetryReply,
    MessageRetryRequest,
    MessagesLookupReply,
    MessagesLookupRequest,
    MessageSummary,
    WaitingCause,
)
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime

REFUSALS: dict[str, tuple[ErrorCode, str]] = {
    "not_found": (ErrorCode.not_found, "No message with that id."),
    "not_failed": (ErrorCode.message_not_failed, "Only a failed message can be tried again."),
    "erased": (
        ErrorCode.message_body_erased,
        "This message held a one-time link or code and its body was erased; "
        "a new one must be issued.",
    ),
}


def register_operators(rt: ServiceRuntime, worker: DeliveryWorker) -> None:
    @rt.serve(MessagesLookupRequest.subject, MessagesLookupRequest)
    async def look_up(request: MessagesLookupRequest, _subject: str) -> MessagesLookupReply:
        """What was sent to a person or a provider, and when; never a message's body."""
        if request.person_id is not None:
            kind, waiting_for, recipient = (
                RecipientType.person,
                WaitingFor.person,
                request.person_id,
            )
        else:
            kind, waiting_for = RecipientType.provider, WaitingFor.provider
            recipient = str(request.provider_id)
        async with rt.engine.connect() as conn:
            rows = await messages.for_recipient(
                conn, kind, recipient, since=request.since, limit=request.limit
            )
            kept = await held.waiting_for_recipient(conn, waiting_for, recipient)
        return MessagesLookupReply(
            messages=[
                MessageSummary.model_validate({**row._mapping, "to": row.address}) for row in rows
            ],
            waiting=[
                WaitingCause(
                    cause_event_id=w.cause_event_id, cause_subject=w.subject, since=w.held_at
                )
                for w in kept
            ],
        )

    @rt.serve(MessageRetryRequest.subject, MessageRetryRequest)
    async def retry(request: MessageRetryRequest, _subject: str) -> MessageRetryReply:
        """A failed message tried again from its first try (NOT-3)."""
        async with rt.transaction() as tx:
            outcome = await messages.requeue(tx.conn, request.notification_id, rt.clock.now())
        if outcome in REFUSALS:
            raise RequestRefused(*REFUSALS[outcome])
        rt.log.info(
            "failed message queued again",
            extra={"notification_id": request.notification_id, "operator_id": request.operator_id},
        )
        return MessageRetryReply(notification_id=request.notification_id, status="queued")

    @rt.serve(DeliverRequest.subject, DeliverRequest)
    async def deliver(request: DeliverRequest, _subject: str) -> DeliverReply:
        """The worker's delivery round, run now for what is due by `as_of`."""
        tally = await worker.deliver_due(request.as_of or rt.clock.now())
        return DeliverReply(
            attempted=tally.attempted,
            sent=tally.sent,
            retrying=tally.retrying,
            failed=tally.failed,
        )
