"""What a provider's status and type do to its authorizations (AUTH-3).

Active: normal. Hold: nothing changes here (billing pays nothing meanwhile,
BILL-8). Contract termination: every authorization of the provider ends. A change
of provider type ends the authorizations known before the change; the state's new
ones follow and stay active. An ending, once made, stays: a provider reinstated
later gets new authorizations from the state, not the old ones back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class EndingReason(StrEnum):
    """Why this service ended an authorization the state had not (AUTH-3)."""

    provider_terminated = "provider_terminated"
    provider_type_changed = "provider_type_changed"


@dataclass(frozen=True)
class Ending:
    """An authorization ended by its provider: it covers no day after `on`."""

    on: date
    reason: EndingReason
    provider_id: str


@dataclass(frozen=True)
class ProviderFacts:
    """What the authorization rules need of a provider, and when its status and type
    last changed (`sequence`: the position of that push in the eligibility stream)."""

    provider_id: str
    program: str
    type: str
    status: str
    timezone: str
    min_months: int
    max_months: int
    status_since: datetime
    type_changed_at: datetime | None = None
    type_changed_sequence: int | None = None

    def local_day(self, moment: datetime) -> date:
        """The provider's calendar day of a moment (dates are the provider's)."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()


def provider_after(
    before: ProviderFacts | None,
    *,
    provider_id: str,
    program: str,
    type: str,
    status: str,
    timezone: str,
    min_months: int,
    max_months: int,
    now: datetime,
    sequence: int | None,
) -> ProviderFacts:
    """The provider once a newer version is applied at `now` (AUTH-3).

    The status keeps its start while it stays the same; a type change is dated
    and placed in the stream, so the authorizations received before it end.
    """
    status_since = before.status_since if before and before.status == status else now
    changed_type = before is not None and before.type != type
    return ProviderFacts(
        provider_id=provider_id,
        program=program,
        type=type,
        status=status,
        timezone=timezone,
        min_months=min_months,
        max_months=max_months,
        status_since=status_since,
        type_changed_at=now if changed_type else (before.type_changed_at if before else None),
        type_changed_sequence=(
            sequence if changed_type else (before.type_changed_sequence if before else None)
        ),
    )


def ending_for(
    provider: ProviderFacts, first_sequence: int | None, kept: Ending | None
) -> Ending | None:
    """The ending of an authorization at `provider`, or `None` while it runs (AUTH-3).

    `first_sequence` is where the authorization first appeared in the eligibility
    stream (`None`: before positions were recorded, so before any type change);
    `kept` is an ending already made, which stays while the authorization names
    the same provider.
    """
    if kept is not None and kept.provider_id == provider.provider_id:
        return kept
    if provider.status == "terminated":
        return Ending(
            provider.local_day(provider.status_since),
            EndingReason.provider_terminated,
            provider.provider_id,
        )
    changed, changed_at = provider.type_changed_sequence, provider.type_changed_at
    known_before = first_sequence is None or (changed is not None and first_sequence < changed)
    if changed is not None and changed_at is not None and known_before:
        return Ending(
            provider.local_day(changed_at), EndingReason.provider_type_changed, provider.provider_id
        )
    return None
