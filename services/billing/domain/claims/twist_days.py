"""`twist_days` (texas): days present, paid absences and Z-days, and the TWIST
calculation for variable schedules (BILL-6, ATT-7).

Fixed schedule: each day present, each paid holiday on a care day, each reported
absence or Z-day is a paid day. Variable schedule (flexible work, school or
training): let P = days present plus paid holidays and D = days in the month; if
P > D − 8 the claim is P days (calculation 1), otherwise the lesser of D − 8 and
the maximum days authorized in the month (calculation 2).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.policy.model import TwistPolicy

from .lines import ClaimItem, MethodResult
from .period import PeriodMonth

ONE_DAY = Decimal(1)


def twist_claim_days(
    present: int, holidays: int, days_in_month: int, max_days: int | None, policy: TwistPolicy
) -> tuple[int, int]:
    """The days claimed for a variable schedule, and which calculation gave them (BILL-6)."""
    p = present + (holidays if policy.paid_holidays_count_as_present else 0)
    threshold = days_in_month - policy.threshold_offset_days
    if p > threshold:
        return p, 1
    return min(threshold, max_days if max_days is not None else threshold), 2


def twist_days_claim(period: PeriodMonth) -> MethodResult:
    if period.authorization.schedule.variable:
        return _variable(period)
    return _fixed(period)


def _fixed(period: PeriodMonth) -> MethodResult:
    care_days = set(period.care_days)
    items = [
        ClaimItem(d.day, ONE_DAY, d.rule, d.record_ids, f"present {d.hours} h")
        for d in period.present_days
    ]
    holidays = [d for d in period.paid_holidays if d in care_days]
    items += [ClaimItem(d, ONE_DAY, "BILL-6", (), "paid holiday") for d in holidays]
    items += [
        ClaimItem(a.day, ONE_DAY, "ATT-7", (), _absence_basis(a.kind, a.reason))
        for a in period.absences_not_attended(holidays)
    ]
    return MethodResult(tuple(sorted(items, key=lambda i: i.day)))


def _variable(period: PeriodMonth) -> MethodResult:
    policy = period.pack.billing.twist
    if policy is None:
        raise ValueError(f"{period.pack.program} has no billing.twist section")
    present = {d.day: d for d in period.present_days}
    holidays = list(period.paid_holidays) if policy.paid_holidays_count_as_present else []
    schedule = period.authorization.schedule
    authorized = schedule.max_days_per_month
    max_days = len(period.covered) if authorized is None else min(authorized, len(period.covered))
    days, calculation = twist_claim_days(
        len(present), len(holidays), len(period.month_days), max_days, policy
    )
    counted: list[ClaimItem] = [
        ClaimItem(d.day, ONE_DAY, "BILL-6", d.record_ids, f"calculation {calculation}: present")
        for d in present.values()
    ]
    counted += [
        ClaimItem(d, ONE_DAY, "BILL-6", (), f"calculation {calculation}: paid holiday")
        for d in holidays
    ]
    counted.sort(key=lambda i: i.day)
    items = counted[:days]
    if days > len(items):
        items += _absence_days(period, days - len(items), {i.day for i in counted}, calculation)
    return MethodResult(tuple(sorted(items, key=lambda i: i.day)))


def _absence_days(
    period: PeriodMonth, count: int, taken: set[date], calculation: int
) -> list[ClaimItem]:
    """Calculation 2 pays days beyond those present: reported absences and Z-days first,
    then the other authorized days without attendance, in date order."""
    absences = period.absences_not_attended(taken)
    chosen = [
        ClaimItem(
            a.day,
            ONE_DAY,
            "BILL-6",
            (),
            f"calculation {calculation}: " + _absence_basis(a.kind, a.reason),
        )
        for a in absences[:count]
    ]
    used = taken | {i.day for i in chosen}
    for day in period.covered:
        if len(chosen) >= count:
            break
        if day not in used:
            chosen.append(
                ClaimItem(day, ONE_DAY, "BILL-6", (), f"calculation {calculation}: absent")
            )
    return chosen


def _absence_basis(kind: str, reason: str) -> str:
    return "Z-day" if kind == "zday" else f"absence: {reason}" if reason else "absence"
