"""One authorization within the service month: the days it covers, the attendance
and absences attributed to it (ATT-6), the provider and the pack."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from shared.policy import PolicyPack

from ..days import AttendanceDay
from ..values import Absence, AuthorizationPeriod, ProviderTerms


@dataclass(frozen=True)
class PeriodMonth:
    authorization: AuthorizationPeriod
    month: str
    month_days: tuple[date, ...]
    days: tuple[AttendanceDay, ...]
    absences: tuple[Absence, ...]
    provider: ProviderTerms
    pack: PolicyPack

    @cached_property
    def covered(self) -> tuple[date, ...]:
        """Days of the month the authorization covers."""
        return tuple(self.authorization.days_in(list(self.month_days)))

    @cached_property
    def care_days(self) -> tuple[date, ...]:
        """Covered days the certified schedule names; every covered day when variable."""
        schedule = self.authorization.schedule
        if schedule.variable or not schedule.days:
            return self.covered
        return tuple(d for d in self.covered if schedule.names(d))

    @cached_property
    def present_days(self) -> tuple[AttendanceDay, ...]:
        return tuple(d for d in self.days if d.present)

    @property
    def paid_holidays(self) -> tuple[date, ...]:
        """The provider's paid holidays within the authorization, not attended."""
        present = {d.day for d in self.present_days}
        return tuple(
            d for d in self.covered if d in self.provider.paid_holidays and d not in present
        )

    def absences_not_attended(self, excluded: Iterable[date] = ()) -> tuple[Absence, ...]:
        """Absences on covered days the child did not attend, one per day."""
        skip = {d.day for d in self.present_days} | set(excluded)
        seen: dict[date, Absence] = {}
        for absence in sorted(self.absences, key=lambda a: a.day):
            if (
                absence.day not in skip
                and absence.day not in seen
                and self.authorization.covers(absence.day)
            ):
                seen[absence.day] = absence
        return tuple(seen.values())


def attribute(
    authorizations: Iterable[AuthorizationPeriod],
    days: Iterable[AttendanceDay],
    absences: Iterable[Absence],
) -> dict[str, tuple[list[AttendanceDay], list[Absence]]]:
    """Each day and absence to the one authorization it counts under (ATT-6, AUTH-2).

    A day goes to the authorization of its case covering it, else to any of the
    child's authorizations covering it; a day no authorization covers is not paid.
    """
    periods = [a for a in authorizations if a.billable]
    by_child: dict[str, list[AuthorizationPeriod]] = {}
    for period in periods:
        by_child.setdefault(period.child_id, []).append(period)
    result: dict[str, tuple[list[AttendanceDay], list[Absence]]] = {
        p.authorization_id: ([], []) for p in periods
    }
    for day in days:
        chosen = _covering(by_child.get(day.child_id, []), day.case_id, day.day)
        if chosen is not None:
            result[chosen.authorization_id][0].append(day)
    known = {p.authorization_id: p for p in periods}
    for absence in absences:
        named = known.get(absence.authorization_id)
        chosen = (
            named
            if named is not None and named.covers(absence.day)
            else _covering(by_child.get(absence.child_id, []), absence.case_id, absence.day)
        )
        if chosen is not None:
            result[chosen.authorization_id][1].append(absence)
    return result


def _covering(
    periods: list[AuthorizationPeriod], case_id: str, day: date
) -> AuthorizationPeriod | None:
    if len(periods) == 1:  # most children: one authorization at the provider
        return periods[0] if periods[0].covers(day) else None
    covering = sorted((p for p in periods if p.covers(day)), key=lambda p: p.start_date)
    same_case = [p for p in covering if p.case_id == case_id]
    return (same_case or covering or [None])[0]
