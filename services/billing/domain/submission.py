"""Submitting a month (BILL-1, BILL-2, ATT-4).

The provider submits after the month ends and no later than the pack's deadline.
Each child's month is submitted once; a child whose month still has attendance
errors (an incomplete pair, an out-of-sequence pair) or records awaiting the
parent is refused with the reason, and may be submitted once they are fixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import PolicyPack

from .calendar import month_end, month_has_ended, submission_deadline
from .claims.lines import ClaimResult
from .days import AttendanceDay

REFUSAL_ORDER = (
    ErrorCode.already_submitted,
    ErrorCode.out_of_sequence,
    ErrorCode.incomplete_pair,
    ErrorCode.records_pending,
)
"""When a child has several problems, the one named first here is the reason given."""


@dataclass(frozen=True)
class ChildRefusal:
    child_id: str
    code: ErrorCode
    days: tuple[date, ...] = ()


def check_submission_window(month: str, today: date, pack: PolicyPack) -> None:
    """Refuse a submission before the month has ended or after the deadline (BILL-1)."""
    if not month_has_ended(month, today):
        raise RequestRefused(
            ErrorCode.month_not_closed,
            f"{month} has not ended yet; it can be submitted from "
            f"{month_end(month).isoformat()} onwards, the day after.",
        )
    deadline = submission_deadline(month, pack)
    if today > deadline:
        raise RequestRefused(
            ErrorCode.deadline_passed,
            f"{month} had to be submitted by {deadline.isoformat()}; "
            "what is left goes on a supplemental bill.",
        )


def children_to_submit(result: ClaimResult, days: Iterable[AttendanceDay]) -> list[str]:
    """Children with something in the month: units, attendance, absences or days for a
    supplemental bill. A child with nothing at all is left out."""
    children = {d.child_id for d in days}
    children |= {line.child_id for line in result.lines if line.units > 0}
    children |= {line.child_id for line in result.lines if line.attendance.absences}
    children |= {s.child_id for s in result.supplemental}
    return sorted(children)


def review_children(
    children: Iterable[str], days: Iterable[AttendanceDay], submitted: Iterable[str]
) -> tuple[list[str], list[ChildRefusal]]:
    """Which children may be submitted now, and why the others may not (BILL-2, ATT-4)."""
    problems: dict[str, dict[ErrorCode, set[date]]] = {}
    for day in days:
        found = problems.setdefault(day.child_id, {})
        for error in day.errors:
            found.setdefault(ErrorCode(error), set()).add(day.day)
        if day.pending:
            found.setdefault(ErrorCode.records_pending, set()).add(day.day)
    done = set(submitted)
    accepted: list[str] = []
    refused: list[ChildRefusal] = []
    for child_id in sorted(set(children)):
        if child_id in done:
            refused.append(ChildRefusal(child_id, ErrorCode.already_submitted))
            continue
        found = problems.get(child_id, {})
        code = next((c for c in REFUSAL_ORDER if c in found), None)
        if code is None:
            accepted.append(child_id)
        else:
            refused.append(ChildRefusal(child_id, code, tuple(sorted(found[code]))))
    return accepted, refused
