"""Absences: Z-days (ATT-7) and the eligibility-period count (ATT-8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.policy import PolicyPack

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ExcusedPeriod:
    """A documented reason whose absences are not counted (chronic illness, ...)."""

    kind: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ZDayDecision:
    """An authorized care day with no attendance reported at all (texas)."""

    day: date
    counts_as_absence: bool
    reason: str


def is_care_day(day: date, schedule_days: Iterable[str]) -> bool:
    """A day the certified schedule names (a variable schedule names none)."""
    return WEEKDAYS[day.weekday()] in set(schedule_days)


def zday(
    day: date,
    *,
    schedule_days: Iterable[str],
    attended: bool,
    reported_absence: bool,
    lost_card_days_used: int,
    lost_card_allowance: int | None,
    device_outage: bool,
) -> ZDayDecision | None:
    """Whether `day` is a Z-day, and whether it counts toward the absence standard.

    A Z-day is paid as an absence; it is not counted as one when the card was
    unavailable within the lost-card allowance (ID-9) or the provider's device
    or phone system was documented down (ATT-7).
    """
    if attended or reported_absence or not is_care_day(day, schedule_days):
        return None
    if device_outage:
        return ZDayDecision(day, False, "device_outage")
    if lost_card_allowance is not None and lost_card_days_used < lost_card_allowance:
        return ZDayDecision(day, False, "lost_card")
    return ZDayDecision(day, True, "no_attendance")


def counted_absences(
    absence_days: Iterable[date],
    *,
    exceptions: Iterable[ExcusedPeriod],
    protective_services: bool,
    pack: PolicyPack,
) -> int:
    """Absences that count toward the eligibility-period standard (ATT-8).

    Absences under a documented chronic illness, disability or court-ordered
    visitation, and every absence under a protective-services authorization,
    are left out when the pack says so.
    """
    policy = pack.absences
    if protective_services and policy.protective_services_excepted:
        return 0
    excepted = [e for e in exceptions if e.kind in {k.value for k in policy.excepted_kinds}]
    return sum(1 for day in set(absence_days) if not any(e.covers(day) for e in excepted))


def passes_standard(count: int, pack: PolicyPack) -> bool:
    """True once the count is over the standard (more than 65 in texas)."""
    standard = pack.absences.standard
    return standard is not None and count > standard


@dataclass(frozen=True)
class Absence:
    """One absence of a child as recorded: whether its kind counts (a Z-day excused
    by an outage or a lost card does not), and whether it fell under a
    protective-services authorization."""

    day: date
    counts: bool
    protective_services: bool = False


def standard_count(
    absences: Iterable[Absence], *, exceptions: Iterable[ExcusedPeriod], pack: PolicyPack
) -> int:
    """Absences of one child counted toward the standard in a period (ATT-8)."""
    policy = pack.absences
    days = {
        a.day
        for a in absences
        if a.counts and not (a.protective_services and policy.protective_services_excepted)
    }
    return counted_absences(days, exceptions=exceptions, protective_services=False, pack=pack)


def crosses_standard(before: int, after: int, pack: PolicyPack) -> bool:
    """The count has just passed the standard: the parent must be contacted once."""
    return not passes_standard(before, pack) and passes_standard(after, pack)
