"""A child's age for a month of care, and whether the provider serves it (AUTH-4).

The age is read on the first day of the month, in whole months completed: a child
born on 2024-02-05 is 11 months old on 2025-02-01 (age 0 in years) for all of
February, although the child turns 1 on the 5th (seed 003, scenario 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any


def age_in_months(birth_date: date, month_first_day: date) -> int:
    """Whole months completed on the first day of a month (AUTH-4).

    A month is completed on the day of the month the child was born, so on a
    first day only a child born on a first day has completed the month. A child
    not yet born on that day counts as 0 (care authorized from the birth month).
    """
    if month_first_day.day != 1:
        raise ValueError(f"{month_first_day} is not the first day of a month")
    months = (month_first_day.year - birth_date.year) * 12 + (
        month_first_day.month - birth_date.month
    )
    if birth_date.day > 1:
        months -= 1
    return max(months, 0)


def serves_age(min_months: int, max_months: int, age_months: int) -> bool:
    """The provider's `ages_served` range includes both its ends (AUTH-4, BILL-4)."""
    return min_months <= age_months <= max_months


def first_days(start: date, last: date) -> Iterator[date]:
    """The first day of every month that has a day in `start..last`."""
    month = start.replace(day=1)
    while month <= last:
        yield month
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)


_MONTH_LABELS: dict[int, str] = {}
"""`YYYY-MM` of each month number met so far: formatting it was most of the cost."""


def _month_label(month: int) -> str:
    label = _MONTH_LABELS.get(month)
    if label is None:
        label = _MONTH_LABELS[month] = f"{month // 12:04d}-{month % 12 + 1:02d}"
    return label


def month_ages(
    birth_date: date, start: date, last: date | None, min_months: int, max_months: int
) -> list[dict[str, Any]]:
    """Each month of care from `start` to `last`: the child's age on its first day and
    whether the provider serves that age (AUTH-4); none when `last` is `None`.

    The same as `age_in_months` on each of `first_days(start, last)`, counted in
    month numbers: a nightly file announces a year of months for each of tens of
    thousands of authorizations.
    """
    if last is None or last < start:
        return []
    born = birth_date.year * 12 + birth_date.month - 1 + (birth_date.day > 1)
    first = start.year * 12 + start.month - 1
    months = []
    for month in range(first, last.year * 12 + last.month):
        age = month - born if month > born else 0
        months.append(
            {
                "month": _month_label(month),
                "age_months": age,
                "served": min_months <= age <= max_months,
            }
        )
    return months
