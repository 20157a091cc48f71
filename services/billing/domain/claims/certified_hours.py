"""`certified_schedule_or_actual_hours` (california): hours by the certified
schedule when attendance is broadly consistent with it, else actual hours (BILL-7).

Fixed schedule at a licensed provider: when the hours attended in the period reach
the certified hours less the pack's tolerance, the certified hours are paid day by
day; otherwise the actual hours, up to the certified ones. Variable schedule or a
provider type the pack pays by actual hours (license-exempt): the actual days and
hours attended, up to the certified monthly maximum. The amount is then the lesser
of the ceiling and the provider's invoice (see `amounts`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.policy.model import CertifiedHoursPolicy

from .lines import ClaimItem, MethodResult
from .period import PeriodMonth

HOURS = Decimal("0.01")


def certified_hours_claim(period: PeriodMonth) -> MethodResult:
    policy = period.pack.billing.certified_hours
    if policy is None:
        raise ValueError(f"{period.pack.program} has no billing.certified_hours section")
    schedule = period.authorization.schedule
    monthly_max = schedule.max_hours_per_month
    daily = schedule.daily_hours
    if schedule.variable:
        return MethodResult(_actual(period, monthly_max, "actual hours, variable schedule"))
    if _actual_hours_provider(period, policy):
        basis = f"actual hours, {period.provider.type} provider"
        return MethodResult(_actual(period, monthly_max, basis))
    if daily is None:
        return MethodResult(_actual(period, monthly_max, "actual hours, no certified hours"))
    certified = [(day, daily.quantize(HOURS)) for day in period.care_days]
    certified = _capped_days(certified, monthly_max)
    certified_total = sum((hours for _, hours in certified), Decimal(0))
    attended_total = sum((d.hours for d in period.present_days), Decimal(0))
    floor = certified_total * (1 - policy.broadly_consistent_tolerance)
    if certified_total > 0 and attended_total >= floor:
        present = {d.day: d for d in period.present_days}
        return MethodResult(
            tuple(
                ClaimItem(
                    day,
                    hours,
                    "BILL-7",
                    present[day].record_ids if day in present else (),
                    f"certified schedule ({attended_total} of {certified_total} h attended)",
                )
                for day, hours in certified
            )
        )
    basis = f"actual hours, not broadly consistent ({attended_total} of {certified_total} h)"
    return MethodResult(_actual(period, certified_total, basis))


def _actual_hours_provider(period: PeriodMonth, policy: CertifiedHoursPolicy) -> bool:
    return period.provider.type in {t.value for t in policy.actual_hours_provider_types}


def _actual(period: PeriodMonth, cap: Decimal | None, basis: str) -> tuple[ClaimItem, ...]:
    """Each day's hours attended, in date order, until the cap is reached."""
    items: list[ClaimItem] = []
    left = cap
    for day in period.present_days:
        hours = day.hours if left is None else min(day.hours, left)
        if hours <= 0:
            break
        items.append(ClaimItem(day.day, hours, "BILL-7", day.record_ids, basis))
        if left is not None:
            left -= hours
    return tuple(items)


def _capped_days(
    days: list[tuple[date, Decimal]], cap: Decimal | None
) -> list[tuple[date, Decimal]]:
    """Certified days up to the certified monthly maximum of hours."""
    if cap is None:
        return days
    capped = []
    left = cap
    for day, hours in days:
        paid = min(hours, left)
        if paid <= 0:
            break
        capped.append((day, paid))
        left -= paid
    return capped
