"""What a parent may do with a pending record (ATT-2, ATT-3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused

from .pending import is_expired

Action = Literal["approve", "modify", "delete"]

RESULT_STATUS: dict[str, str] = {"approve": "confirmed", "modify": "confirmed", "delete": "deleted"}
"""The parent's answer is their signature: approved or modified records are confirmed."""

CHANGE_OF: dict[str, str] = {"approve": "approved", "modify": "modified", "delete": "deleted"}


def check_resolution(
    *,
    action: Action,
    status: str,
    deadline: datetime | None,
    automatic: bool,
    record_day: date,
    new_day: date | None,
    absent_that_day: bool,
    now: datetime,
) -> None:
    """Refuse what the rules do not allow a parent to do with a pending record.

    Only a pending record within its deadline can be resolved; an 11:59 pm
    check-out made by the system needs the real time first (ATT-3); a new time
    stays on the record's day; approving attendance on a day reported absent is
    refused (approving a day the child was absent is fraud, ATT-2).
    """
    if status != "pending":
        raise RequestRefused(
            ErrorCode.record_not_pending, f"This record is {status}, no longer pending."
        )
    if deadline is not None and is_expired(deadline, now):
        raise RequestRefused(
            ErrorCode.pending_expired,
            "The time to act on this record has passed; the provider can bill it manually.",
        )
    if action == "approve" and automatic:
        raise RequestRefused(
            ErrorCode.checkout_time_required,
            "The system checked the child out at 11:59 pm; change it to the real time.",
        )
    if new_day is not None and new_day != record_day:
        raise RequestRefused(
            ErrorCode.not_same_day,
            f"The new time must be on {record_day.isoformat()}, the day of the record.",
        )
    if action != "delete" and absent_that_day:
        raise RequestRefused(
            ErrorCode.absence_reported,
            "An absence was reported for this child that day; attendance cannot be approved.",
        )
