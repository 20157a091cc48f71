"""Month close (BILL-1) and the submission deadline reminders (NOT-2).

Both run on a schedule and as `ops.billing.*` requests, and are idempotent: a
provider's month is closed once, and its deadline is announced once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.attendance.domain.days import local_day
from shared.contract.events import MonthClosed, SubmissionDeadlineApproaching
from shared.policy import load_pack
from shared.service import Transaction

from . import ledger
from .books import load_provider, provider_terms
from .claiming import month_claim
from .domain.calendar import (
    add_months,
    month_end,
    month_has_ended,
    month_of,
    month_start,
    submission_deadline,
)

REMIND_DAYS_BEFORE = 3
"""Providers are told of a deadline three days ahead, the deadline day counted (NOT-2)."""


async def close_month(
    tx: Transaction, month: str, now: datetime, *, provider_id: str | None, operator_id: str | None
) -> dict[str, list[str]]:
    """`MonthClosed` for each provider billing this month whose month has ended locally."""
    outcome: dict[str, list[str]] = {"closed": [], "already_closed": [], "not_ended": []}
    billing = await ledger.providers_billing(
        tx.conn, month, month_start(month), month_end(month), provider_id
    )
    for row in billing:
        provider = provider_terms(row)
        if row["closed"]:
            outcome["already_closed"].append(provider.provider_id)
            continue
        if not month_has_ended(month, local_day(now, provider.timezone)):
            outcome["not_ended"].append(provider.provider_id)
            continue
        submit_by = submission_deadline(month, load_pack(provider.program))
        if await ledger.close_month(tx.conn, provider.provider_id, month, submit_by, operator_id):
            await tx.emit(
                MonthClosed(
                    occurred_at=now,
                    provider_id=provider.provider_id,
                    month=month,
                    submit_by=submit_by,
                )
            )
            outcome["closed"].append(provider.provider_id)
        else:
            outcome["already_closed"].append(provider.provider_id)
    return outcome


def months_to_close(now: datetime) -> list[str]:
    """The scheduled close looks at the last two months: in every US time zone the
    previous month has ended by a day after it ended in UTC."""
    this_month = month_of(now.date())
    return [add_months(this_month, -2), add_months(this_month, -1)]


async def remind_deadlines(tx: Transaction, now: datetime) -> list[dict[str, object]]:
    """`SubmissionDeadlineApproaching` once per closed month not fully submitted."""
    reminded: list[dict[str, object]] = []
    for close in await ledger.closed_months(tx.conn, now.date() - timedelta(days=1)):
        provider = await load_provider(tx.conn, close["provider_id"])
        if provider is None:
            continue
        month, deadline = close["month"], close["submit_by"]
        days_left = (deadline - local_day(now, provider.timezone)).days + 1
        if not 0 < days_left <= REMIND_DAYS_BEFORE:
            continue
        claim = await month_claim(tx.conn, provider, month, now)
        if not any(v.status == "open" and v.line.units > 0 for v in claim.view.lines):
            continue
        if await ledger.remind_once(tx.conn, provider.provider_id, month, deadline):
            await tx.emit(
                SubmissionDeadlineApproaching(
                    occurred_at=now,
                    provider_id=provider.provider_id,
                    month=month,
                    deadline=deadline,
                    days_left=days_left,
                )
            )
            reminded.append(
                {
                    "provider_id": provider.provider_id,
                    "month": month,
                    "deadline": deadline,
                    "days_left": days_left,
                }
            )
    return reminded
