"""Stopping background work without ever hanging a shutdown.

A task that swallows its cancellation (a library waiting with
`asyncio.wait_for` on Python 3.11 can) must not keep a service, or a test run,
from stopping: we ask, wait a bounded time, ask again, and then name what is
left in the log and go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable

STOP_GRACE_SECONDS = 5.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[object]],
    *,
    log: logging.Logger,
    grace: float = STOP_GRACE_SECONDS,
) -> None:
    """Cancel `tasks` and wait for them, at most about `2 * grace` seconds."""
    pending = {task for task in tasks if not task.done()}
    for attempt in range(2):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=grace)
        if pending and attempt == 0:
            log.warning("tasks ignored a cancel; asking again: %s", _names(pending))
    if pending:
        log.error("tasks did not stop; leaving them behind: %s", _names(pending))


async def within(step: Awaitable[object], *, what: str, log: logging.Logger, grace: float) -> None:
    """Await a shutdown `step`, giving up (and saying so) after `grace` seconds."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        log.error("%s did not finish within %.0f s; going on", what, grace)
        await cancel_and_wait([task], log=log, grace=1.0)
        return
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("%s failed: %s", what, exc)


def raise_if_cancelling() -> None:
    """Honour a cancel that a library swallowed.

    Python 3.11's `wait_for` may drop a cancel that races its result, and
    nats.py turns one into `ConnectionClosedError`; a loop that catches
    `Exception` would then go round for ever. Call this at the top of each turn.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _names(tasks: Iterable[asyncio.Task[object]]) -> str:
    return ", ".join(sorted(task.get_name() for task in tasks))
