"""What billing knows, as plain values: the provider, its authorizations, the
month's live attendance records and absences. Built by the store from billing's
own read models (architecture rule 1); the claim methods read nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from .ages import age_for_month

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Rate:
    """What the provider is paid per unit for a care level (contract: provider rates)."""

    care_level: str
    unit: str
    amount: Decimal


@dataclass(frozen=True)
class ProviderTerms:
    """The provider as billing needs it (AUTH-3, AUTH-4, BILL-6, BILL-8)."""

    provider_id: str
    program: str
    type: str
    status: str
    timezone: str
    min_months: int
    max_months: int
    name: str = ""
    rates: tuple[Rate, ...] = ()
    paid_holidays: frozenset[date] = frozenset()

    @property
    def on_hold(self) -> bool:
        """BILL-8: nothing is paid while the provider is on hold."""
        return self.status == "hold"

    def rate_for(self, care_level: str, unit: str) -> Decimal | None:
        return next(
            (r.amount for r in self.rates if r.care_level == care_level and r.unit == unit), None
        )


@dataclass(frozen=True)
class Schedule:
    """The certified schedule: fixed days and hours, or variable (BILL-6, BILL-7)."""

    kind: str
    days: tuple[str, ...] = ()
    hours_per_week: Decimal | None = None
    max_days_per_month: int | None = None
    max_hours_per_month: Decimal | None = None

    @property
    def variable(self) -> bool:
        return self.kind == "variable"

    def names(self, day: date) -> bool:
        """Whether `day` is one of the certified days of a fixed schedule."""
        return WEEKDAYS[day.weekday()] in self.days

    @property
    def daily_hours(self) -> Decimal | None:
        """Certified hours of one scheduled day: the week's hours over its days."""
        if self.hours_per_week is None or not self.days:
            return None
        return self.hours_per_week / len(self.days)


@dataclass(frozen=True)
class AuthorizationPeriod:
    """One authorization at the provider (AUTH-1), as the claim methods see it."""

    authorization_id: str
    child_id: str
    case_id: str
    birth_date: date
    start_date: date
    end_date: date
    status: str
    schedule: Schedule
    care_level: str
    first_name: str = ""
    last_name: str = ""
    protective_services: bool = False
    announced_ages: tuple[tuple[str, int], ...] = ()
    """AUTH-4 ages per month (`YYYY-MM`, months) when the authorization service announced
    them; otherwise billing reads the age on the first of the month itself."""

    def age_for(self, month: str) -> int:
        """The child's age in months for `month`, read on its first day (AUTH-4)."""
        announced = dict(self.announced_ages)
        return announced[month] if month in announced else age_for_month(self.birth_date, month)

    @property
    def billable(self) -> bool:
        """A cancelled authorization never pays; an ended one pays up to its end date."""
        return self.status != "cancelled"

    def covers(self, day: date) -> bool:
        return self.billable and self.start_date <= day <= self.end_date

    def days_in(self, days: list[date]) -> list[date]:
        return [d for d in days if self.covers(d)]

    @property
    def child_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.child_id


class LiveRecord(NamedTuple):
    """An attendance record that no later row replaces (ATT-5: history is kept elsewhere).

    A named tuple: a month of a large provider holds many of them."""

    record_id: str
    child_id: str
    case_id: str
    direction: str
    occurred_at: datetime
    status: str
    change: str | None = None
    """How the row came to be: `approved`, `modified`, `corrected`, `expired`, ... or none."""
    day: date | None = None
    """The provider's local day it happened on, when the store read it with the record."""


@dataclass(frozen=True)
class Absence:
    """A reported absence or a Z-day (ATT-7), under one authorization."""

    child_id: str
    case_id: str
    authorization_id: str
    day: date
    kind: str
    reason: str = ""
    counts_as_absence: bool = True


@dataclass(frozen=True)
class Attestation:
    """A provider's or parent's attestation of a child's monthly record (ATT-9)."""

    child_id: str
    by_role: str
    by: str
    attested_at: datetime


@dataclass(frozen=True)
class MonthFacts:
    """Everything the claim of one provider's month is computed from."""

    month: str
    provider: ProviderTerms
    authorizations: tuple[AuthorizationPeriod, ...]
    records: tuple[LiveRecord, ...] = ()
    absences: tuple[Absence, ...] = ()
    invoices: dict[str, Decimal] = field(default_factory=dict)
    """BILL-7: the provider's invoice for a child's month, when one was sent."""
