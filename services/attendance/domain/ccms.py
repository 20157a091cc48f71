"""Days sent by a provider's own software (approved CCMS): local `HH:MM` times on
a date become moments in the provider's zone (ATT-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from shared.contract.errors import ErrorCode

from .days import local_moment


@dataclass(frozen=True)
class ImportedDay:
    """One child's day as the software sent it: a check-in and maybe a check-out."""

    check_in: datetime
    check_out: datetime | None


def imported_day(
    day: date, check_in: time, check_out: time | None, timezone: str, now: datetime
) -> ImportedDay | ErrorCode:
    """The moments of an imported day, or the code that refuses it.

    A day in the future is refused (`time_in_future`), and so is an "out" before
    its "in" (`out_of_sequence`): the software knows the real times, so a pair
    it sends the wrong way round is sent back rather than kept in error.
    """
    moment_in = local_moment(day, check_in, timezone)
    moment_out = local_moment(day, check_out, timezone) if check_out is not None else None
    if moment_in > now or (moment_out is not None and moment_out > now):
        return ErrorCode.time_in_future
    if moment_out is not None and moment_out < moment_in:
        return ErrorCode.out_of_sequence
    return ImportedDay(moment_in, moment_out)
