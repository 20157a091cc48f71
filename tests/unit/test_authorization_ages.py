"""AUTH-4: a child's age is read on the first day of the month, and the provider's
`ages_served` decides whether it serves the child that month."""

from __future__ import annotations

import calendar
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.authorization.domain import age_in_months, month_ages, serves_age
from services.authorization.domain.ages import first_days


def test_a_child_turning_1_on_the_5th_is_0_all_month() -> None:  # AUTH-4, seed 003 scenario 3
    born = date(2024, 2, 5)
    assert age_in_months(born, date(2025, 2, 1)) == 11  # age 0 in years for all of February
    assert age_in_months(born, date(2025, 3, 1)) == 12
    months = month_ages(born, date(2025, 2, 6), date(2025, 4, 30), 12, 156)
    assert months == [
        {"month": "2025-02", "age_months": 11, "served": False},  # not paid: supplemental bill
        {"month": "2025-03", "age_months": 12, "served": True},
        {"month": "2025-04", "age_months": 13, "served": True},
    ]


@pytest.mark.parametrize(
    ("born", "first", "months"),
    [
        (date(2024, 2, 1), date(2025, 2, 1), 12),  # born on a first day: the month is complete
        (date(2024, 1, 31), date(2024, 3, 1), 1),  # no 31st in February: one month on March 1
        (date(2024, 2, 29), date(2025, 3, 1), 12),
        (date(2025, 2, 10), date(2025, 2, 1), 0),  # not born yet on the first day: 0
        (date(2025, 2, 10), date(2025, 1, 1), 0),
        (date(2020, 7, 15), date(2026, 7, 1), 71),
    ],
)
def test_age_in_whole_months_on_the_first_day(born: date, first: date, months: int) -> None:
    assert age_in_months(born, first) == months  # AUTH-4


def test_the_age_is_read_on_a_first_day_only() -> None:
    with pytest.raises(ValueError, match="first day"):
        age_in_months(date(2024, 2, 5), date(2025, 2, 5))


def _plus_months(day: date, months: int) -> date:
    """`day` moved by whole months, on the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_between(born: date, first: date) -> int:
    """Whole months completed on `first`: the most months that, added to the birth
    date, do not pass it."""
    months = 0
    while _plus_months(born, months + 1) <= first:
        months += 1
    return months


birth_dates = st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31))
first_days_of_months = st.builds(
    lambda y, m: date(y, m, 1), st.integers(2010, 2032), st.integers(1, 12)
)


@given(born=birth_dates, first=first_days_of_months)
def test_age_matches_counting_month_anniversaries(born: date, first: date) -> None:  # AUTH-4
    expected = _months_between(born, first) if first >= born else 0
    assert age_in_months(born, first) == expected


@given(born=birth_dates, start=birth_dates, length=st.integers(0, 800))
def test_one_entry_per_month_and_one_more_month_of_age_each(
    born: date, start: date, length: int
) -> None:  # AUTH-4: read once a month, so the age moves by whole months
    last = date.fromordinal(start.toordinal() + length)
    months = month_ages(born, start, last, 0, 1000)
    assert [m["month"] for m in months] == [
        f"{d.year:04d}-{d.month:02d}" for d in first_days(start, last)
    ]
    ages = [m["age_months"] for m in months]
    assert all(later - earlier in (0, 1) for earlier, later in itertools.pairwise(ages))
    assert all(later - earlier == 1 for earlier, later in itertools.pairwise(ages) if earlier > 0)


def test_the_range_served_includes_both_ends() -> None:  # AUTH-4, BILL-4
    assert serves_age(12, 60, 12) and serves_age(12, 60, 60)
    assert not serves_age(12, 60, 11) and not serves_age(12, 60, 61)


def test_no_months_for_an_authorization_that_covers_no_day() -> None:  # AUTH-2, AUTH-4
    assert month_ages(date(2024, 2, 5), date(2025, 2, 6), None, 0, 156) == []
    assert month_ages(date(2024, 2, 5), date(2025, 2, 6), date(2025, 2, 5), 0, 156) == []


def test_months_of_a_period_crossing_a_year() -> None:
    assert [d.isoformat() for d in first_days(date(2025, 11, 30), date(2026, 2, 1))] == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
    ]


@given(
    born=birth_dates,
    start=birth_dates,
    length=st.integers(0, 800),
    low=st.integers(0, 60),
    span=st.integers(0, 120),
)
def test_each_month_reads_the_age_on_its_first_day(
    born: date, start: date, length: int, low: int, span: int
) -> None:  # AUTH-4: the months announced agree with the rule read one first day at a time
    last = date.fromordinal(start.toordinal() + length)
    assert month_ages(born, start, last, low, low + span) == [
        {
            "month": f"{first.year:04d}-{first.month:02d}",
            "age_months": age_in_months(born, first),
            "served": serves_age(low, low + span, age_in_months(born, first)),
        }
        for first in first_days(start, last)
    ]
