"""`attendance_days` (colorado): one day paid for each day attended.

A day counts when it has time in care with no error (ATT-4) and nothing pending
(ATT-2); its rule says how the records came to be signed (ATT-1, ATT-2, ATT-5).
"""

from __future__ import annotations

from decimal import Decimal

from .lines import ClaimItem, MethodResult
from .period import PeriodMonth

ONE_DAY = Decimal(1)


def attendance_days_claim(period: PeriodMonth) -> MethodResult:
    return MethodResult(
        tuple(
            ClaimItem(day.day, ONE_DAY, day.rule, day.record_ids, f"attended {day.hours} h")
            for day in period.present_days
        )
    )
