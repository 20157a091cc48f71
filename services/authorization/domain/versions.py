"""Which version of a record wins, and what changed (AUTH-1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

NOT_CHANGES = frozenset({"version", "event_id", "revision"})
"""Fields that move with every push and are never reported as a change."""


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


def fold_versions(
    current: Mapping[str, int], incoming: Iterable[tuple[str, int]]
) -> list[VersionOutcome]:
    """The outcome of each push of a batch, received in order, as if applied one by one.

    `current` holds the version of each record before the batch; a push applied
    earlier in the batch is what later pushes of the same record are compared to.
    """
    held = dict(current)
    outcomes: list[VersionOutcome] = []
    for record_id, version in incoming:
        outcome = version_outcome(held.get(record_id), version)
        if outcome is VersionOutcome.applied:
            held[record_id] = version
        outcomes.append(outcome)
    return outcomes


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Top-level fields whose value differs; every field for a record seen the first time."""
    if before is None:
        return list(_every_field(tuple(after)))
    keys = (before.keys() | after.keys()) - NOT_CHANGES
    return sorted(k for k in keys if before.get(k) != after.get(k))


@lru_cache(maxsize=64)
def _every_field(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The changes of a record seen the first time: records of a kind share their
    keys, so a nightly file sorts them once, not once per record."""
    return tuple(sorted(k for k in keys if k not in NOT_CHANGES))
