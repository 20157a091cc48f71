"""Who is in care now, for the sign-in screen's `checked_in` (ID-4): a child's
latest mark at a provider, kept from attendance's events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Mark:
    """A check-in or check-out as attendance announced it."""

    provider_id: str
    child_id: str
    record_id: str
    direction: str
    occurred_at: datetime
    status: str


def latest_marks(marks: Iterable[Mark]) -> list[Mark]:
    """Each child's mark among new records, as applying them one by one in the order
    received would leave it: the latest `occurred_at`, the later received among
    equals (a late tap from an offline kiosk does not hide a newer one)."""
    latest: dict[tuple[str, str], Mark] = {}
    for mark in marks:
        key = (mark.provider_id, mark.child_id)
        kept = latest.get(key)
        if kept is None or kept.occurred_at <= mark.occurred_at:
            latest[key] = mark
    return list(latest.values())
