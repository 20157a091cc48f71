"""Billing requests beyond those of `requests.py`: the answers of the month close,
the submission deadline reminders (BILL-1, NOT-2) and the yearly rate
verification draw (BILL-10), all `ops.billing.*` jobs an operator may also run."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from shared.contract.base import ContractModel
from shared.contract.replies import OkReply
from shared.contract.requests import OpsRequest
from shared.contract.types import Id, Month

OPS_REMIND_DEADLINES = "ops.billing.remind_deadlines"
OPS_RATE_DRAW = "ops.billing.rate_draw"
OPS_RATE_DRAWS = "ops.billing.rate_draws"

Year = Annotated[int, Field(ge=2000, le=2100)]


class CloseMonthReply(OkReply):
    """`ops.billing.close_month`: providers whose month was closed now, before, or not
    yet (the month has not ended in their time zone) (BILL-1)."""

    month: Month
    closed: list[Id]
    already_closed: list[Id]
    not_ended: list[Id] = Field(default_factory=list)


class DeadlineReminder(ContractModel):
    provider_id: Id
    month: Month
    deadline: date
    days_left: int


class RemindDeadlinesReply(OkReply):
    reminded: list[DeadlineReminder]


class RemindDeadlinesRequest(OpsRequest):
    """`ops.billing.remind_deadlines`: tell providers whose month is not fully submitted
    that the deadline is near (BILL-1, NOT-2); once per provider and month."""

    subject: ClassVar[str] = OPS_REMIND_DEADLINES
    reply_type: ClassVar[type[OkReply]] = RemindDeadlinesReply

    as_of: AwareDatetime


class RateDraw(ContractModel):
    """One program's draw for a year: who could be drawn, the seed, who was (BILL-10)."""

    program: Id
    year: Year
    seed: Id
    fraction: float
    population: list[Id]
    drawn: list[Id]
    drawn_at: AwareDatetime
    operator_id: Id | None = None


class RateDrawReply(OkReply):
    draws: list[RateDraw]


class RateDrawRequest(OpsRequest):
    """`ops.billing.rate_draw`: draw the year's licensed providers for rate verification,
    reproducibly; the same year and seed answer the recorded draw (BILL-10)."""

    subject: ClassVar[str] = OPS_RATE_DRAW
    reply_type: ClassVar[type[OkReply]] = RateDrawReply

    year: Year
    seed: Annotated[str, Field(min_length=1, max_length=200)]


class RateDrawsRequest(OpsRequest):
    """`ops.billing.rate_draws`: the draws recorded, for one year or all (BILL-10)."""

    subject: ClassVar[str] = OPS_RATE_DRAWS
    reply_type: ClassVar[type[OkReply]] = RateDrawReply

    year: Year | None = None


BILLING_REQUESTS = (RemindDeadlinesRequest, RateDrawRequest, RateDrawsRequest)
"""Billing's requests beyond `requests.REQUEST_TYPES`, for the AsyncAPI document."""
