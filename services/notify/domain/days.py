"""Counting days the way a reader counts them: calendar days in their time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_TIMEZONE = "UTC"


def zone(name: str | None, default: str = FALLBACK_TIMEZONE) -> ZoneInfo:
    """The named time zone; the default for a name that is missing or unknown."""
    for candidate in (name, default, FALLBACK_TIMEZONE):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo(FALLBACK_TIMEZONE)


def days_left(deadline: datetime, now: datetime, timezone: str) -> int:
    """Calendar days from today to the deadline's day, weekends included (ATT-2);
    0 on the last day and after it."""
    tz = zone(timezone)
    return max(0, (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days)


def hours_between(start: datetime, end: datetime) -> int:
    """Whole hours from `start` to `end`, rounded to the nearest (ID-3: "24 hours")."""
    return max(0, round((end - start).total_seconds() / 3600))
