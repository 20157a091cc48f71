"""Pure rules of the authorization service: which version wins, what changed."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class VersionOutcome(StrEnum):
    """What an incoming version of a record does (AUTH-1)."""

    applied = "applied"
    """Newer than anything seen: it becomes the current state."""
    duplicate = "duplicate"
    """The version already held: changes nothing."""
    stale = "stale"
    """Older than the version held (an out-of-order push): kept in history only."""


def version_outcome(current: int | None, incoming: int) -> VersionOutcome:
    """The latest version wins, whatever order the pushes arrive in (AUTH-1)."""
    if current is None or incoming > current:
        return VersionOutcome.applied
    if incoming == current:
        return VersionOutcome.duplicate
    return VersionOutcome.stale


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Top-level fields whose value differs; every field for a record seen the first time."""
    ignored = {"version", "event_id"}
    if before is None:
        return sorted(k for k in after if k not in ignored)
    keys = (before.keys() | after.keys()) - ignored
    return sorted(k for k in keys if before.get(k) != after.get(k))
