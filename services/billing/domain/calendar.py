"""Service months, the submission deadline (BILL-1) and the time limit (BILL-5).

Months are `YYYY-MM` in the provider's time zone; every date here is local.
"""

from __future__ import annotations

from datetime import date, timedelta

from shared.contract.types import month_end, month_of, month_start
from shared.policy import PolicyPack

__all__ = [
    "add_months",
    "month_days",
    "month_end",
    "month_has_ended",
    "month_of",
    "month_start",
    "months_touching",
    "submission_deadline",
    "time_limit_ends",
]


def month_days(month: str) -> list[date]:
    """Every calendar day of the month, weekends included."""
    first, last = month_start(month), month_end(month)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def add_months(month: str, count: int) -> str:
    """The month `count` months after (or before, when negative) `month`."""
    first = month_start(month)
    index = first.year * 12 + first.month - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_has_ended(month: str, today: date) -> bool:
    """A month can be closed and submitted from the day after its last day (BILL-1)."""
    return today > month_end(month)


def submission_deadline(month: str, pack: PolicyPack) -> date:
    """The last day the provider may submit the month: N days after its last day (BILL-1)."""
    return month_end(month) + timedelta(days=pack.billing.submission_deadline_days)


def time_limit_ends(month: str, pack: PolicyPack) -> date:
    """The last day a bill for the month is accepted: the end of the Nth month after it
    (BILL-5: "not accepted after the ninth month after services were provided")."""
    return month_end(add_months(month, pack.billing.time_limit_months))


def months_touching(start: date, end: date) -> list[str]:
    """The months a period of days overlaps, in order."""
    if end < start:
        return []
    months = [month_of(start)]
    while months[-1] != month_of(end):
        months.append(add_months(months[-1], 1))
    return months
