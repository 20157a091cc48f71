"""Who may correct a record, and until when (ATT-5)."""

from __future__ import annotations

from datetime import datetime

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import PolicyPack
from shared.policy.model import CorrectionWindow

PARENT_SIGNED_CHANNELS = frozenset({"kiosk", "app", "ivr"})
"""Channels where the parent's own PIN signed the record."""

PARENT_SIGNED_CHANGES = frozenset({"approved", "modified"})
"""Changes the parent made with their own signature (ATT-2)."""

CORRECTABLE_STATUSES = frozenset({"confirmed", "pending"})
"""Expired and deleted records are history: they are not corrected, only kept."""


def signed_by_parent(channel: str, change: str | None) -> bool:
    """The parent signed the record: at a kiosk, app or phone, or by approving it."""
    return channel in PARENT_SIGNED_CHANNELS or change in PARENT_SIGNED_CHANGES


def check_correction(
    *,
    signed_by_parent: bool,
    status: str,
    now: datetime,
    pack: PolicyPack,
    next_care_day_starts: datetime | None,
    month_submitted: bool,
) -> None:
    """Refuse a provider's correction the rules do not allow.

    The provider may correct only what the parent did not sign; the window is
    the pack's: before the child's next day of care starts (arizona), or until
    the child's month is submitted. A submitted month is never changed in place
    (BILL-2: later changes go on a supplemental bill).
    """
    if status not in CORRECTABLE_STATUSES:
        raise RequestRefused(
            ErrorCode.record_not_pending,
            f"This record is {status}; it stays on record as it is.",
        )
    if signed_by_parent:
        raise RequestRefused(
            ErrorCode.record_signed_by_parent,
            "The parent signed this record; only the parent can change it.",
        )
    if month_submitted:
        raise RequestRefused(
            ErrorCode.outside_correction_window,
            "This month was already submitted for this child.",
        )
    window = pack.attendance.correction_window
    if (
        window is CorrectionWindow.before_next_care_day
        and next_care_day_starts is not None
        and now >= next_care_day_starts
    ):
        raise RequestRefused(
            ErrorCode.outside_correction_window,
            "The child's next day of care has started; this record can no longer be corrected.",
        )
