"""Days and moments in the provider's time zone (all dates are local)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_day(moment: datetime, timezone: str) -> date:
    """The provider's calendar day a moment falls on."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """`at` on `day` in the provider's zone (ATT-3's 11:59 pm), as a UTC moment.

    In UTC because Python subtracts two times of the same zone by their wall
    clocks: across a DST change that would be an hour off.
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def start_of_day(day: date, timezone: str) -> datetime:
    return local_moment(day, time(0, 0), timezone)


def end_of_day(day: date, timezone: str) -> datetime:
    """The first moment after `day` ends locally (23 or 25 hours on a DST night)."""
    return start_of_day(day + timedelta(days=1), timezone)
