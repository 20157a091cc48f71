"""Copies of other services' records: the newest version wins (AUTH-1)."""

from __future__ import annotations


def is_newer(current: int | None, incoming: int) -> bool:
    """A version not seen yet and newer than the one held; repeats and late pushes
    of older versions change nothing."""
    return current is None or incoming > current
