"""The monthly attendance record of a child (ATT-9): each day of service with its
actual in and out times, and attestation by provider and parent at month end."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.types import month_end

from .board import child_day
from .days import start_of_day
from .pairing import DayBoard, Mark


@dataclass(frozen=True)
class ServiceDay:
    """One date of the month with the child's pairs (empty when only absent)."""

    day: date
    board: DayBoard
    absence: str | None = None


def service_days(
    marks_by_day: Mapping[date, Iterable[Mark]],
    absences: Mapping[date, str],
    *,
    today: date,
) -> list[ServiceDay]:
    """Every day with attendance or an absence, in date order."""
    days = sorted(set(marks_by_day) | set(absences))
    return [
        ServiceDay(
            day, child_day(marks_by_day.get(day, ()), day_ended=day < today), absences.get(day)
        )
        for day in days
    ]


def attestation_opens(month: str, timezone: str) -> datetime:
    """The month is attested at its end: from the start of its last day."""
    return start_of_day(month_end(month), timezone)


def check_attestable(
    days: Iterable[ServiceDay], *, month: str, timezone: str, now: datetime
) -> None:
    """Refuse to attest a month that has not reached its end, or whose record is not
    final: a pending record, or a day in error (ATT-4), must be settled first."""
    if now < attestation_opens(month, timezone):
        raise RequestRefused(
            ErrorCode.month_not_closed, f"{month} can be attested from its last day on."
        )
    for service_day in days:
        for pair in service_day.board.pairs:
            marks = [m for m in (pair.check_in, pair.check_out) if m is not None]
            if any(m.status == "pending" for m in marks):
                raise RequestRefused(
                    ErrorCode.records_pending,
                    f"{service_day.day.isoformat()} still has records waiting for the parent.",
                )
        if service_day.board.errors:
            raise RequestRefused(
                ErrorCode.month_not_attestable,
                f"{service_day.day.isoformat()} has {service_day.board.errors[0].value}; "
                "correct it first.",
            )
