"""`arizona_units` (arizona): units per day by hours attended, in the pack's bands,
and paid absences only with attendance in the same authorization period.

BILL-1: each day attended pays the units of its band (a part day, a full day).
BILL-3: a paid absence is paid only if the same authorization period has at least
one attendance unit in the month; otherwise its days go on a supplemental bill.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.contract.events import SupplementalReason
from shared.policy.model import UnitsPolicy

from ..values import Schedule
from .lines import ClaimItem, MethodResult, Supplemental
from .period import PeriodMonth


def arizona_units_claim(period: PeriodMonth) -> MethodResult:
    policy = period.pack.billing.units
    if policy is None:
        raise ValueError(f"{period.pack.program} has no billing.units section")
    items = [_attended(d.day, d.hours, d.record_ids, policy) for d in period.present_days]
    items = [i for i in items if i.units > 0]
    absences = period.absences_not_attended()
    if not absences:
        return MethodResult(tuple(items))
    authorization = period.authorization
    if period.pack.billing.paid_absences_need_attendance and not items:
        return MethodResult(
            tuple(items),
            (
                Supplemental(
                    authorization.child_id,
                    authorization.authorization_id,
                    SupplementalReason.absence_without_attendance,
                    tuple(a.day for a in absences),
                    "paid absences with no attendance unit in the same authorization period",
                ),
            ),
        )
    units = absence_units(policy, authorization.care_level, authorization.schedule)
    items += [ClaimItem(a.day, units, "BILL-3", (), "paid absence") for a in absences]
    return MethodResult(tuple(sorted(items, key=lambda i: i.day)))


def _attended(
    day: date, hours: Decimal, record_ids: tuple[str, ...], policy: UnitsPolicy
) -> ClaimItem:
    hours_in_day = min(float(hours), 24.0)
    band = next(b for b in reversed(policy.bands) if b.from_hours <= hours_in_day)
    units = policy.for_hours(hours_in_day)
    return ClaimItem(day, units, "BILL-1", record_ids, f"{band.name} band, {hours} h")


def absence_units(policy: UnitsPolicy, care_level: str, schedule: Schedule) -> Decimal:
    """Units of a paid absence: the band of the certified day's hours, else a full day
    for full-time care and the smallest paid band for part-time care."""
    if schedule.daily_hours is not None:
        return policy.for_hours(min(float(schedule.daily_hours), 24.0))
    paid = [b.units for b in policy.bands if b.units > 0]
    return paid[-1] if care_level == "full_time" else paid[0]
