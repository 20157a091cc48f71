"""Read requests for operators and other services' start-up (not changes).

Each query names its `subject` and its `reply_type`; `QUERIES` lists them all and
the AsyncAPI document is generated from it. A query for something unknown is
answered `not_found`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from shared.contract.base import ContractModel
from shared.contract.eligibility import AuthorizationRecord, CaseRecord, ProviderRecord
from shared.contract.events import AuthorizationState
from shared.contract.replies import OkReply
from shared.contract.types import Id

PAGE_LIMIT = 500
"""Most authorizations in one answer: a NATS message has a size limit (1 MB by default)."""


class Query(ContractModel):
    """A read request; the answer is `reply_type`, or an error reply."""

    subject: ClassVar[str]
    reply_type: ClassVar[type[OkReply]] = OkReply


# --- what the answers hold -------------------------------------------------


class Receipt(ContractModel):
    """One push of a record as received (AUTH-1): kept whether applied or not, with
    who sent it (`source`, `event_id`), where it sits in the eligibility stream, and
    when it arrived."""

    version: int
    outcome: Literal["applied", "duplicate", "stale"]
    """`applied`: newer than the version held; `duplicate`: the version held;
    `stale`: older (an out-of-order push). Only `applied` changed anything."""
    applied: bool
    received_at: AwareDatetime
    event_id: Id | None = None
    source: str | None = None
    stream_sequence: int | None = None


class AuthorizationEntry(ContractModel):
    """An authorization as received and as announced."""

    authorization: AuthorizationRecord
    """The newest version received from the state, as it sent it."""
    announced: AuthorizationState | None
    """The last `AuthorizationChanged` state; `null` while it waits."""
    waiting_for: list[Literal["provider", "case"]]
    """What it waits for before it is applied and announced; empty once applied."""


# --- authorization.get -----------------------------------------------------


class AuthorizationReply(OkReply):
    """The authorization, what was announced of it, and every push received in
    arrival order."""

    authorization: AuthorizationRecord
    announced: AuthorizationState | None
    waiting_for: list[Literal["provider", "case"]]
    history: list[Receipt]


class AuthorizationGet(Query):
    """`authorization.get`: an authorization by id, with every version received."""

    subject: ClassVar[str] = "authorization.get"
    reply_type: ClassVar[type[OkReply]] = AuthorizationReply

    authorization_id: Id


# --- authorization.provider.active -----------------------------------------


class ProviderAuthorizationsReply(OkReply):
    """Announced states covering the day, by authorization id; `next_after` is the
    `after` of the next page, `null` on the last."""

    provider_id: Id
    date: date
    authorizations: list[AuthorizationState]
    next_after: Id | None = None


class ProviderAuthorizations(Query):
    """`authorization.provider.active`: a provider's authorizations that cover `date`
    (AUTH-2), one page at a time, for a service rebuilding its read model or an
    operator checking who may attend."""

    subject: ClassVar[str] = "authorization.provider.active"
    reply_type: ClassVar[type[OkReply]] = ProviderAuthorizationsReply

    provider_id: Id
    date: date
    after: Id | None = None
    """The `next_after` of the previous page."""
    limit: Annotated[int, Field(ge=1, le=PAGE_LIMIT)] = 200


# --- authorization.child.list ----------------------------------------------


class ChildAuthorizationsReply(OkReply):
    """Every authorization of the child, at any provider, oldest start first."""

    child_id: Id
    authorizations: list[AuthorizationEntry]


class ChildAuthorizations(Query):
    """`authorization.child.list`: a child's authorizations, also those cancelled,
    ended or waiting (two periods in a month are two entries)."""

    subject: ClassVar[str] = "authorization.child.list"
    reply_type: ClassVar[type[OkReply]] = ChildAuthorizationsReply

    child_id: Id


# --- authorization.provider.get / authorization.case.get -------------------


class ProviderReply(OkReply):
    """The provider's newest version, since when it has its status, and every push."""

    provider: ProviderRecord
    status_since: AwareDatetime
    history: list[Receipt]


class ProviderGet(Query):
    """`authorization.provider.get`: a provider as the state sent it (AUTH-3)."""

    subject: ClassVar[str] = "authorization.provider.get"
    reply_type: ClassVar[type[OkReply]] = ProviderReply

    provider_id: Id


class CaseReply(OkReply):
    """The case's newest version and every push."""

    case: CaseRecord
    history: list[Receipt]


class CaseGet(Query):
    """`authorization.case.get`: a case and its adults as the state sent them."""

    subject: ClassVar[str] = "authorization.case.get"
    reply_type: ClassVar[type[OkReply]] = CaseReply

    case_id: Id


QUERY_TYPES: tuple[type[Query], ...] = (
    AuthorizationGet,
    ProviderAuthorizations,
    ChildAuthorizations,
    ProviderGet,
    CaseGet,
)

QUERIES: dict[str, type[Query]] = {cls.subject: cls for cls in QUERY_TYPES}
"""Every read query, by subject (the AsyncAPI document lists each)."""
