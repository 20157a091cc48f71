"""Pairs of check-in and check-out for one child's day, and their errors (ATT-4).

An "in" with no "out", or an "out" with no "in", is an incomplete pair (yellow);
an "out" earlier than the "in" it belongs to is out of sequence (red). Either
blocks submission for payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

Direction = Literal["in", "out"]


class DayError(StrEnum):
    incomplete_pair = "incomplete_pair"
    out_of_sequence = "out_of_sequence"


@dataclass(frozen=True)
class Mark:
    """One live attendance record of the day: what it says, not its history."""

    record_id: str
    direction: Direction
    occurred_at: datetime
    status: str = "confirmed"


@dataclass(frozen=True)
class Pair:
    check_in: Mark | None
    check_out: Mark | None
    error: DayError | None = None

    @property
    def minutes(self) -> float | None:
        """Time in care, only for a complete pair in sequence."""
        if self.error or self.check_in is None or self.check_out is None:
            return None
        return (self.check_out.occurred_at.timestamp() - self.check_in.occurred_at.timestamp()) / 60


@dataclass(frozen=True)
class DayBoard:
    pairs: tuple[Pair, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[DayError, ...]:
        return tuple(p.error for p in self.pairs if p.error is not None)

    @property
    def open_check_in(self) -> Mark | None:
        """The last check-in still waiting for its check-out (ATT-3 closes it)."""
        last = self.pairs[-1] if self.pairs else None
        if last and last.check_out is None and last.check_in is not None:
            return last.check_in
        return None


def pair_day(marks: list[Mark]) -> DayBoard:
    """Pair a day's marks in time order.

    Each "in" pairs with the next "out". An "out" with nothing open is kept as an
    orphan; if an "in" later that day is left without its "out", the two are one
    pair recorded the wrong way round (out of sequence), otherwise each is an
    incomplete pair. Ties in time keep "in" before "out".
    """
    ordered = sorted(marks, key=lambda m: (m.occurred_at, m.direction != "in", m.record_id))
    pairs: list[Pair] = []
    open_in: Mark | None = None
    orphan_outs: list[Mark] = []
    for mark in ordered:
        if mark.direction == "in":
            if open_in is not None:
                pairs.append(Pair(open_in, None, DayError.incomplete_pair))
            open_in = mark
        elif open_in is not None:
            pairs.append(Pair(open_in, mark))
            open_in = None
        else:
            orphan_outs.append(mark)
    if open_in is not None and orphan_outs:
        pairs.append(Pair(open_in, orphan_outs.pop(), DayError.out_of_sequence))
    elif open_in is not None:
        pairs.append(Pair(open_in, None))
    pairs.extend(Pair(None, out, DayError.incomplete_pair) for out in orphan_outs)
    return DayBoard(tuple(sorted(pairs, key=_pair_time)))


def with_open_check_in_as_error(board: DayBoard) -> DayBoard:
    """After the day has ended, a check-in still open is an incomplete pair."""
    pairs = tuple(
        Pair(p.check_in, None, DayError.incomplete_pair)
        if p.check_out is None and p.error is None
        else p
        for p in board.pairs
    )
    return DayBoard(pairs)


def _pair_time(pair: Pair) -> datetime:
    mark = pair.check_in or pair.check_out
    assert mark is not None
    return mark.occurred_at
