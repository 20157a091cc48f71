"""A provider's month as a claim: the pack's method for each authorization, and the
rules every program shares.

- BILL-4: no unit is paid for a month in which the child's age, read on the first
  of the month (AUTH-4), is outside the provider's range; those days go on a
  supplemental bill.
- BILL-5: nothing is paid after the pack's time limit; those days likewise.
- ATT-2: a day with an expired pending record is not paid through the system (a
  manual bill), unless the pack pays expired records.
- BILL-8: a provider on hold is paid nothing; its claim is held until released.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from shared.contract.events import SupplementalReason
from shared.policy import PolicyPack
from shared.policy.model import ClaimMethod

from ..ages import serves_age
from ..calendar import month_days, month_start, time_limit_ends
from ..days import AttendanceDay, attendance_days
from ..values import AuthorizationPeriod, MonthFacts
from .amounts import capped_by_invoice, priced
from .arizona_units import arizona_units_claim
from .attendance_days import attendance_days_claim
from .certified_hours import certified_hours_claim
from .enrollment import enrollment_claim
from .lines import (
    ClaimItem,
    ClaimLine,
    ClaimResult,
    LineAttendance,
    MethodResult,
    Supplemental,
)
from .period import PeriodMonth, attribute
from .twist_days import twist_days_claim

METHODS: dict[ClaimMethod, Callable[[PeriodMonth], MethodResult]] = {
    ClaimMethod.attendance_days: attendance_days_claim,
    ClaimMethod.certified_schedule_or_actual_hours: certified_hours_claim,
    ClaimMethod.arizona_units: arizona_units_claim,
    ClaimMethod.twist_days: twist_days_claim,
    ClaimMethod.enrollment: enrollment_claim,
}
"""The claim method of each `billing.claim_method`; a new program picks one."""


def compute_claim(facts: MonthFacts, pack: PolicyPack, today: date) -> ClaimResult:
    """The claim of `facts.month` as of `today` (the provider's local date)."""
    days = attendance_days(
        facts.records,
        facts.provider.timezone,
        today,
        expired_paid=pack.billing.expired_pending_paid,
    )
    attributed = attribute(facts.authorizations, days, facts.absences)
    all_days = tuple(month_days(facts.month))
    method = METHODS[pack.billing.claim_method]
    in_time = today <= time_limit_ends(facts.month, pack)
    lines: dict[str, list[ClaimLine]] = defaultdict(list)
    supplemental: list[Supplemental] = []
    for authorization in _in_month(facts.authorizations, all_days):
        period_days, period_absences = attributed[authorization.authorization_id]
        period = PeriodMonth(
            authorization,
            facts.month,
            all_days,
            tuple(period_days),
            tuple(period_absences),
            facts.provider,
            pack,
        )
        result = method(period)
        supplemental.extend(result.supplemental)
        items = result.items
        refusal = _refusal(authorization, facts, pack, in_time, today)
        if refusal is not None and items:
            code, reason = refusal
            supplemental.append(
                Supplemental(
                    authorization.child_id,
                    authorization.authorization_id,
                    code,
                    tuple(i.day for i in items),
                    reason,
                )
            )
            items = ()
        supplemental.extend(_expired(authorization, period_days, items))
        line = ClaimLine(
            authorization.child_id,
            authorization.authorization_id,
            pack.billing.claim_unit.value,
            items,
            _attendance(period),
        )
        lines[authorization.child_id].append(priced(line, authorization.care_level, facts.provider))
    priced_lines = [
        line
        for child_id, child_lines in lines.items()
        for line in capped_by_invoice(child_lines, facts.invoices.get(child_id), pack)
    ]
    return ClaimResult(
        tuple(priced_lines), tuple(supplemental), facts.provider.on_hold, tuple(days)
    )


def _in_month(
    authorizations: tuple[AuthorizationPeriod, ...], all_days: tuple[date, ...]
) -> list[AuthorizationPeriod]:
    first, last = all_days[0], all_days[-1]
    return sorted(
        (a for a in authorizations if a.billable and a.start_date <= last and a.end_date >= first),
        key=lambda a: (a.child_id, a.start_date, a.authorization_id),
    )


def _refusal(
    authorization: AuthorizationPeriod,
    facts: MonthFacts,
    pack: PolicyPack,
    in_time: bool,
    today: date,
) -> tuple[str, str] | None:
    """Why nothing of this month can be paid through the system, if anything."""
    provider = facts.provider
    age = authorization.age_for(facts.month)
    if not serves_age(age, provider.min_months, provider.max_months):
        return (
            SupplementalReason.age_out_of_range,
            f"age {age} months on {month_start(facts.month).isoformat()}; the provider "
            f"serves {provider.min_months} to {provider.max_months} months",
        )
    if not in_time:
        return (
            SupplementalReason.time_limit_exceeded,
            f"billed on {today.isoformat()}, after the end of "
            f"{time_limit_ends(facts.month, pack).isoformat()}",
        )
    return None


def _expired(
    authorization: AuthorizationPeriod, days: list[AttendanceDay], items: tuple[ClaimItem, ...]
) -> list[Supplemental]:
    paid = {i.day for i in items}
    expired = tuple(sorted(d.day for d in days if d.expired and d.day not in paid))
    if not expired:
        return []
    return [
        Supplemental(
            authorization.child_id,
            authorization.authorization_id,
            SupplementalReason.pending_expired,
            expired,
            "pending records not acted on by the deadline: manual bill",
        )
    ]


def _attendance(period: PeriodMonth) -> LineAttendance:
    present = period.present_days
    return LineAttendance(
        days_present=len(present),
        hours_present=sum((d.hours for d in present), Decimal(0)),
        absences=len(period.absences_not_attended()),
        pending_days=sum(1 for d in period.days if d.pending),
        expired_days=sum(1 for d in period.days if d.expired),
    )
