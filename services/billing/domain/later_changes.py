"""What arrives after a child's month was submitted goes on a supplemental bill
(BILL-2): a new or split authorization, a changed one, an approved correction,
any change of attendance for a submitted day."""

from __future__ import annotations

from datetime import date

from .calendar import month_days, months_touching

BILLING_FIELDS = frozenset(
    {
        "start_date",
        "end_date",
        "last_day",
        "ended_on",
        "status",
        "schedule",
        "care_level",
        "child",
        "provider_id",
    }
)
"""Fields of an authorization whose change can change what is paid."""


def affects_billing(changes: list[str]) -> bool:
    """Whether an authorization change can change a claim (an empty list: a new one)."""
    return not changes or bool(BILLING_FIELDS & set(changes))


def months_of_change(before: tuple[date, date] | None, after: tuple[date, date]) -> list[str]:
    """Months an authorization's old or new period touches."""
    months = set(months_touching(*after))
    if before is not None:
        months |= set(months_touching(*before))
    return sorted(months)


def days_of_period_in(month: str, start: date, end: date) -> tuple[date, ...]:
    """Days of `month` within a period: the days a supplemental bill may cover."""
    return tuple(d for d in month_days(month) if start <= d <= end)
