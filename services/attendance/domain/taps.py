"""Checks on a tap before it is recorded: its time (ATT-1) and its authorization
and case (AUTH-2, ATT-6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import PolicyPack

CLOCK_SKEW = timedelta(minutes=5)
"""A device clock may run this far ahead of ours before a tap is "in the future"."""


@dataclass(frozen=True)
class Coverage:
    """What attendance knows of one authorization (its read model)."""

    authorization_id: str
    case_id: str
    child_id: str
    provider_id: str
    start_date: date
    end_date: date
    status: str

    def covers(self, child_id: str, provider_id: str, day: date) -> bool:
        return (
            self.status == "active"
            and self.child_id == child_id
            and self.provider_id == provider_id
            and self.start_date <= day <= self.end_date
        )


def check_tap_time(occurred_at: datetime, now: datetime, pack: PolicyPack) -> None:
    """An offline kiosk may send late, but not later than the pack allows (ATT-1)."""
    if occurred_at > now + CLOCK_SKEW:
        raise RequestRefused(
            ErrorCode.time_in_future,
            "The time of this check-in or check-out is in the future; check the device's clock.",
        )
    limit = timedelta(hours=pack.attendance.offline_tap_max_delay_hours)
    if now - occurred_at > limit:
        raise RequestRefused(
            ErrorCode.tap_too_late,
            f"This was recorded more than {pack.attendance.offline_tap_max_delay_hours} "
            "hours ago and can no longer be sent from a device; the provider can record "
            "it for the parent to approve.",
        )


def attribute_case(
    coverages: Iterable[Coverage],
    *,
    child_id: str,
    provider_id: str,
    day: date,
    signer_case_ids: frozenset[str] | None = None,
    named_case_id: str | None = None,
) -> Coverage:
    """The one authorization a record counts under (AUTH-2, ATT-6).

    With two authorizations for a child at a provider (joint custody), a tap is
    attributed to the case of the adult who signed; a provider's record must
    name the case when the choice is ambiguous. A signer whose cases are not
    known (none given) is attributed like a provider's record.
    """
    candidates = [c for c in coverages if c.covers(child_id, provider_id, day)]
    if named_case_id is not None:
        candidates = [c for c in candidates if c.case_id == named_case_id]
    elif signer_case_ids:
        candidates = [c for c in candidates if c.case_id in signer_case_ids]
    if not candidates:
        raise RequestRefused(
            ErrorCode.not_authorized,
            f"Child {child_id} has no authorization at this provider on {day.isoformat()}.",
        )
    cases = {c.case_id for c in candidates}
    if len(cases) > 1:
        raise RequestRefused(
            ErrorCode.case_required,
            f"Child {child_id} has authorizations on more than one case here; name the case.",
        )
    return min(candidates, key=lambda c: c.start_date)
