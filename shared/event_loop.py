"""The event loop a service runs on: uvloop (libuv) where it is installed.

A service's hot paths are mostly socket reads and writes and the loop's own
bookkeeping (NATS messages, PostgreSQL round trips): measured with the standard
loop, a third of a busy service's CPU (benchmarks/taps_results.md). uvloop
does the same work in C. Where it is missing (it does not build on Windows), the
standard loop runs everything the same, only slower.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """A new loop of the fastest kind available, for `asyncio.Runner`."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop
