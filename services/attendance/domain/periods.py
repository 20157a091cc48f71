"""The eligibility period an absence is counted in (ATT-8)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def eligibility_period(first_day: date, day: date, months: int) -> tuple[date, date]:
    """The period of `months` months holding `day`, counted from `first_day`.

    Periods follow each other from the child's first authorized day on the case
    (the 12-month eligibility of texas), so each day belongs to exactly one.
    """
    if day < first_day:
        raise ValueError("the day is before the first authorized day")
    elapsed = (day.year - first_day.year) * 12 + day.month - first_day.month
    n = max(elapsed // months, 0)
    while n > 0 and add_months(first_day, months * n) > day:
        n -= 1
    while add_months(first_day, months * (n + 1)) <= day:
        n += 1
    start = add_months(first_day, months * n)
    return start, add_months(first_day, months * (n + 1)) - timedelta(days=1)
