"""What a claim is made of: lines per child and authorization, every unit traced
to the day, the rule that counted it and its attendance records (BILL-9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ..days import AttendanceDay


class ClaimItem(NamedTuple):
    """Units of one day, and why they are paid (a named tuple: a claim holds many)."""

    day: date
    units: Decimal
    rule: str
    record_ids: tuple[str, ...] = ()
    basis: str = ""
    """For a person: what the rule looked at (`full_day band, 7.50 h`, `Z-day`, ...)."""


@dataclass(frozen=True)
class Supplemental:
    """Days of a child's month that go on a supplemental (manual) bill, and why."""

    child_id: str
    authorization_id: str
    code: str
    days: tuple[date, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class LineAttendance:
    """The month's attendance beside the claim, for monitoring (enrollment-based payment)."""

    days_present: int = 0
    hours_present: Decimal = Decimal(0)
    absences: int = 0
    pending_days: int = 0
    expired_days: int = 0


@dataclass(frozen=True)
class MethodResult:
    """What a claim method pays for one authorization's month, and what it cannot pay."""

    items: tuple[ClaimItem, ...]
    supplemental: tuple[Supplemental, ...] = ()


@dataclass(frozen=True)
class ClaimLine:
    """One child's month under one authorization, priced."""

    child_id: str
    authorization_id: str
    unit: str
    items: tuple[ClaimItem, ...]
    attendance: LineAttendance
    rate: Decimal | None = None
    ceiling: Decimal | None = None
    """BILL-7: units times the rate, the reimbursement ceiling."""
    invoice: Decimal | None = None
    """BILL-7: the provider's invoice for the child's month, when sent."""
    amount: Decimal | None = None
    """`None` where no rate is known."""

    @property
    def units(self) -> Decimal:
        return sum((item.units for item in self.items), Decimal(0))


@dataclass(frozen=True)
class ClaimResult:
    """A provider's month as the claim method computed it."""

    lines: tuple[ClaimLine, ...]
    supplemental: tuple[Supplemental, ...]
    held: bool
    """BILL-8: the provider is on hold; nothing is paid until the hold is released."""
    days: tuple[AttendanceDay, ...] = ()
    """The month's attendance days the claim was computed from."""
