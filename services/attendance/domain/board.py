"""A provider's day as people see it (ATT-4): each child's pairs with their
status, and the errors that block submission."""

from __future__ import annotations

from collections.abc import Iterable

from .pairing import DayBoard, Mark, Pair, pair_day, with_open_check_in_as_error

STATUS_WEIGHT = {"confirmed": 0, "pending": 1, "expired": 2}
"""A pair is as good as its weakest mark: one pending mark makes it pending."""

SHOWN_STATUSES = frozenset(STATUS_WEIGHT)
"""Deleted records leave the day; expired ones stay on it, unpaid (ATT-2)."""


def child_day(marks: Iterable[Mark], *, day_ended: bool) -> DayBoard:
    """Pair one child's live marks of the day.

    A check-in still open while the day runs is a child in care; once the day
    has ended it is an incomplete pair (ATT-3 closes it as pending first).
    """
    shown = [m for m in marks if m.status in SHOWN_STATUSES]
    board = pair_day(shown)
    return with_open_check_in_as_error(board) if day_ended else board


def pair_status(pair: Pair) -> str:
    """confirmed, pending or expired: the weakest of the pair's marks."""
    marks = [m for m in (pair.check_in, pair.check_out) if m is not None]
    return max((m.status for m in marks), key=lambda s: STATUS_WEIGHT.get(s, 0))
