"""What closing a provider's day does (ATT-3, ATT-7): which check-ins get an
automatic check-out, and which days are still open to close."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from shared.policy import PolicyPack

from .board import SHOWN_STATUSES
from .days import local_day, local_moment
from .pairing import Mark, pair_day


def automatic_checkout_at(day: date, timezone: str, pack: PolicyPack) -> datetime:
    """11:59 pm local on `day` (the pack's time), as a UTC moment (ATT-3)."""
    return local_moment(day, pack.attendance.automatic_checkout_at, timezone)


def open_check_in(marks: Iterable[Mark]) -> Mark | None:
    """The check-in a child's day ends with, still waiting for its check-out."""
    return pair_day([m for m in marks if m.status in SHOWN_STATUSES]).open_check_in


def day_has_closed(day: date, timezone: str, pack: PolicyPack, now: datetime) -> bool:
    """The automatic check-out time of `day` has passed where the provider is."""
    return now >= automatic_checkout_at(day, timezone, pack)


def days_to_close(now: datetime, timezone: str, pack: PolicyPack) -> list[date]:
    """Local days the nightly job (re)closes for one provider, oldest first.

    Every day whose 11:59 pm has passed, back as far as an offline kiosk may
    still send a tap for it: a late check-in must still get its check-out.
    Closing is idempotent, so running a day again changes nothing.
    """
    today = local_day(now, timezone)
    lookback = math.ceil(pack.attendance.offline_tap_max_delay_hours / 24) + 1
    candidates = [today - timedelta(days=n) for n in range(lookback, -1, -1)]
    return [d for d in candidates if day_has_closed(d, timezone, pack, now)]
