"""A child's attendance day as billing counts it, from the live records.

Pairs and their errors come from attendance's own pairing rules (ATT-4), so both
services agree on what an error is. Days are local to the provider. A day with a
pending record is not yet payable (ATT-2, ATT-3); a day with an expired record is
not paid through the system (ATT-2: manual bill) unless the pack says otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.attendance.domain.pairing import Mark, Pair, pair_day, with_open_check_in_as_error

from .values import LiveRecord

NOT_ATTENDANCE = frozenset({"deleted", "superseded"})
"""Live rows that say the child was not there (deleted by the parent) or are history."""

HOURS = Decimal("0.01")


class AttendanceDay(NamedTuple):
    """One child's day under one case (ATT-6), with what the claim needs to know.

    Named tuples, as the records they come from: a month holds many."""

    child_id: str
    case_id: str
    day: date
    pairs: tuple[Pair, ...]
    """The day's pairs under this case, as attendance's pairing rules made them (ATT-4)."""
    minutes: int
    errors: tuple[str, ...]
    pending: bool
    expired: bool
    rule: str
    """The attendance rule that makes the day count: ATT-1 signed, ATT-2 approved by the
    parent, ATT-5 corrected by the provider."""
    record_ids: tuple[str, ...]
    hours: Decimal
    """Time in care of the complete pairs, to the hundredth of an hour."""

    @property
    def present(self) -> bool:
        """Payable attendance: time in care, no error, nothing pending or expired."""
        return self.minutes > 0 and not self.errors and not self.pending and not self.expired


def attendance_days(
    records: Iterable[LiveRecord], timezone: str, today: date, *, expired_paid: bool = False
) -> list[AttendanceDay]:
    """Group live records into days per child and case, pair them, and flag their state.

    A check-in still open on a day that has ended is an incomplete pair (ATT-4).
    """
    zone = ZoneInfo(timezone)
    by_id = {r.record_id: r for r in records if r.status not in NOT_ATTENDANCE}
    by_day: dict[tuple[str, date], list[Mark]] = defaultdict(list)
    for r in by_id.values():
        by_day[(r.child_id, r.day or r.occurred_at.astimezone(zone).date())].append(
            Mark(r.record_id, r.direction, r.occurred_at, r.status)  # type: ignore[arg-type]
        )
    days: list[AttendanceDay] = []
    for (child_id, day), marks in by_day.items():
        board = pair_day(marks)
        if day < today and any(p.check_out is None and p.error is None for p in board.pairs):
            board = with_open_check_in_as_error(board)
        if len(board.pairs) == 1:  # most days: one pair, so one case
            only = board.pairs[0]
            first = only.check_in or only.check_out
            assert first is not None
            case_id = by_id[first.record_id].case_id
            days.append(_day(child_id, case_id, day, board.pairs, by_id, expired_paid))
            continue
        by_case: dict[str, list[Pair]] = defaultdict(list)
        for pair in board.pairs:
            first = pair.check_in or pair.check_out
            assert first is not None
            by_case[by_id[first.record_id].case_id].append(pair)
        for case_id, pairs in by_case.items():
            days.append(_day(child_id, case_id, day, pairs, by_id, expired_paid))
    days.sort(key=lambda d: (d.child_id, d.day, d.case_id))
    return days


def _day(
    child_id: str,
    case_id: str,
    day: date,
    pairs: Sequence[Pair],
    by_id: dict[str, LiveRecord],
    expired_paid: bool,
) -> AttendanceDay:
    record_ids: list[str] = []
    errors: list[str] = []
    minutes = 0.0
    pending = expired = corrected = approved = False
    for pair in pairs:
        if pair.error is not None:
            errors.append(pair.error.value)
        else:
            minutes += pair.minutes or 0.0
        for mark in (pair.check_in, pair.check_out):
            if mark is None:
                continue
            record_ids.append(mark.record_id)
            record = by_id[mark.record_id]
            pending = pending or record.status == "pending"
            expired = expired or record.status == "expired"
            corrected = corrected or record.change == "corrected"
            approved = approved or record.change in ("approved", "modified")
    whole = round(minutes)
    return AttendanceDay(
        child_id,
        case_id,
        day,
        tuple(pairs),
        whole,
        tuple(errors),
        pending,
        expired and not expired_paid,
        "ATT-5" if corrected else "ATT-2" if approved else "ATT-1",
        tuple(record_ids),
        (Decimal(whole) / 60).quantize(HOURS),
    )
