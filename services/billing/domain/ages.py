"""A child's age for a month of billing (AUTH-4, BILL-4).

The age is read on the first day of the month: a child who turns 1 on the 5th is
0 for the whole month, and no unit is paid for a month in which the age is
outside the range the provider serves.
"""

from __future__ import annotations

from datetime import date

from shared.contract.types import month_start


def age_in_months(birth_date: date, on: date) -> int:
    """Whole months of age on a day: a month is complete on the day of the month of birth."""
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    return max(months, 0)


def age_for_month(birth_date: date, month: str) -> int:
    """The age in months that counts for `month`: the age on its first day (AUTH-4)."""
    return age_in_months(birth_date, month_start(month))


def serves_age(age_months: int, min_months: int, max_months: int) -> bool:
    """Whether a provider serving `min..max` months (both included) serves this age."""
    return min_months <= age_months <= max_months
