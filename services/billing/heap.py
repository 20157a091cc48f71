"""Computing a month without the cycle collector running through it.

A large provider's month is hundreds of thousands of small objects (records, marks,
pairs, days, claim items), all alive until the claim is built. Python's cycle
collector is triggered by allocations and scans every young object that survives
again and again while they are built, with nothing to free: these values hold no
reference cycles and are freed by reference counting.

A stretch may await the month's reads: other tasks of the process then run with the
collector paused as well, which only delays the collection of cycles by that long
(reference counting frees everything else as usual). The stretch that paused the
collector resumes it, so overlapping stretches always end with it running again.
Without the collector in the way, month close and claims took about a fifth less
time (benchmarks/billing_results.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
