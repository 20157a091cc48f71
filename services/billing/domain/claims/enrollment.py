"""`enrollment`: pay the authorized enrollment for the month, not the attendance.

Federal rules since 2024 (45 CFR 98.45(m)(2)(ii)) push states to pay providers by
enrollment; attendance is still recorded and reported beside the claim for
monitoring (the line's attendance summary). Rule id ENR-1.

Each authorized care day the authorization covers in the month is paid: the days
of a fixed schedule, or every covered day of a variable one up to the monthly
maximum of days. A day is one day, the certified hours of the day (hour unit,
capped by the monthly maximum of hours, which a variable schedule spreads over
the month's days), or the units of those hours in the
pack's bands (unit), a full day when no hours are certified.
"""

from __future__ import annotations

from decimal import Decimal

from .lines import ClaimItem, MethodResult
from .period import PeriodMonth

RULE = "ENR-1"
HOURS = Decimal("0.01")


def enrollment_claim(period: PeriodMonth) -> MethodResult:
    schedule = period.authorization.schedule
    days = list(period.care_days)
    if schedule.max_days_per_month is not None:
        days = days[: schedule.max_days_per_month]
    attended = {d.day: d for d in period.days}
    per_day, left = _units_per_day(period), _cap(period)
    items: list[ClaimItem] = []
    for day in days:
        units = per_day if left is None else min(per_day, left)
        if units <= 0:
            break
        record = attended.get(day)
        basis = "enrolled; attended" if record and record.present else "enrolled"
        items.append(ClaimItem(day, units, RULE, record.record_ids if record else (), basis))
        if left is not None:
            left -= units
    return MethodResult(tuple(items))


def _units_per_day(period: PeriodMonth) -> Decimal:
    unit = period.pack.billing.claim_unit.value
    daily = period.authorization.schedule.daily_hours
    if unit == "hour":
        if daily is not None:
            return daily.quantize(HOURS)
        monthly = period.authorization.schedule.max_hours_per_month
        return (monthly / len(period.month_days)).quantize(HOURS) if monthly else Decimal(0)
    if unit == "unit" and period.pack.billing.units is not None:
        policy = period.pack.billing.units
        if daily is not None:
            return policy.for_hours(min(float(daily), 24.0))
        return max(b.units for b in policy.bands)
    return Decimal(1)


def _cap(period: PeriodMonth) -> Decimal | None:
    if period.pack.billing.claim_unit.value == "hour":
        return period.authorization.schedule.max_hours_per_month
    return None
