"""Pending records: the parent's window to approve, modify or delete (ATT-2, ATT-3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.policy import PolicyPack

from .days import end_of_day, local_day

REMINDER_DAYS_BEFORE = 2
"""NOT-2: parents are reminded two days before a pending record expires."""


def pending_deadline(created_at: datetime, timezone: str, pack: PolicyPack) -> datetime:
    """The moment a pending record expires: the end of the last day of the window.

    The window counts calendar days, weekends included, from the day the record
    was created in the provider's zone (ATT-2: 9 days in colorado).
    """
    last_day = pack.pending_deadline(local_day(created_at, timezone))
    return end_of_day(last_day, timezone)


def is_expired(deadline: datetime, as_of: datetime) -> bool:
    return as_of >= deadline


def reminder_due(deadline: datetime, as_of: datetime) -> bool:
    """True from two days before the deadline until it passes."""
    return deadline - timedelta(days=REMINDER_DAYS_BEFORE) <= as_of < deadline


def days_left(deadline: datetime, as_of: datetime, timezone: str) -> int:
    """Whole calendar days the parent still has, today counted (0 once expired)."""
    if as_of >= deadline:
        return 0
    last_day = local_day(deadline - timedelta(microseconds=1), timezone)
    return (last_day - local_day(as_of, timezone)).days + 1
