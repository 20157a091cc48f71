"""Operators' requests to notify: what was sent to whom and when (NOT-3), a failed
message tried again, and a delivery round run now.

Replies show the kind, subject line, address, times and status of a message,
never its body: a SET PIN link or a registration code is for its owner alone
(architecture rule 6).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.contract.base import ContractModel
from shared.contract.replies import OkReply
from shared.contract.requests import OpsRequest
from shared.contract.types import Code, Id, Language, ScopeId

MESSAGES_LOOKUP = "ops.notify.messages"
MESSAGE_RETRY = "ops.notify.retry"
DELIVER = "ops.notify.deliver"

MessageStatus = Literal["queued", "sent", "failed", "no_address"]
"""`queued`: waiting for its next try; `no_address`: kept until the person or provider
has an e-mail or a phone; `sent`, `failed`: final (NOT-3)."""


class MessageSummary(ContractModel):
    """One message, as an operator sees it: no body."""

    notification_id: Id
    kind: Code
    channel: Literal["email", "sms"] | None
    to: str | None
    language: Language
    subject: str
    status: MessageStatus
    attempts: int
    created_at: AwareDatetime
    next_attempt_at: AwareDatetime | None = None
    sent_at: AwareDatetime | None = None
    failed_at: AwareDatetime | None = None
    last_error: str | None = None
    cause_event_id: Id
    cause_subject: str


class WaitingCause(ContractModel):
    """An event kept until this person's or provider's contact details arrive."""

    cause_event_id: Id
    cause_subject: str
    since: AwareDatetime


class MessagesLookupReply(OkReply):
    messages: list[MessageSummary]
    waiting: list[WaitingCause]


class MessagesLookupRequest(OpsRequest):
    """`ops.notify.messages`: the messages of one person or one provider, newest first."""

    subject: ClassVar[str] = MESSAGES_LOOKUP
    reply_type: ClassVar[type[OkReply]] = MessagesLookupReply

    person_id: ScopeId | None = None
    provider_id: ScopeId | None = None
    since: AwareDatetime | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100

    @model_validator(mode="after")
    def _one_recipient(self) -> MessagesLookupRequest:
        if (self.person_id is None) == (self.provider_id is None):
            raise ValueError("give exactly one of person_id and provider_id")
        return self


class MessageRetryReply(OkReply):
    notification_id: Id
    status: MessageStatus


class MessageRetryRequest(OpsRequest):
    """`ops.notify.retry`: try a failed message again from its first try; errors
    `not_found`, `message_not_failed`, `message_body_erased`."""

    subject: ClassVar[str] = MESSAGE_RETRY
    reply_type: ClassVar[type[OkReply]] = MessageRetryReply

    notification_id: Id


class DeliverReply(OkReply):
    attempted: int
    sent: int
    retrying: int
    failed: int


class DeliverRequest(OpsRequest):
    """`ops.notify.deliver`: the delivery round the worker runs on its own, now, for
    messages due by `as_of` (default: now), e.g. once the mail server is back."""

    subject: ClassVar[str] = DELIVER
    reply_type: ClassVar[type[OkReply]] = DeliverReply

    as_of: AwareDatetime | None = None


NOTIFY_REQUEST_TYPES: tuple[type[OpsRequest], ...] = (
    MessagesLookupRequest,
    MessageRetryRequest,
    DeliverRequest,
)
"""Notify's operator requests, collected for the AsyncAPI document."""
