"""A shutdown never hangs on a task that ignores its cancel (architecture:
services stop cleanly on SIGTERM, keeping their data)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from shared.tasks import cancel_and_wait, raise_if_cancelling, within

log = logging.getLogger("ccats.test.tasks")


async def _stubborn(stop: asyncio.Event) -> None:
    """Swallows every cancel, as a library racing `wait_for` on 3.11 can."""
    while not stop.is_set():
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            continue


async def test_a_task_that_swallows_its_cancel_is_left_behind_in_bounded_time(caplog) -> None:
    caplog.set_level(logging.WARNING, logger=log.name)
    stop = asyncio.Event()
    task = asyncio.create_task(_stubborn(stop), name="stubborn")
    await asyncio.sleep(0.05)  # running, not merely scheduled
    loop = asyncio.get_running_loop()
    started = loop.time()
    await cancel_and_wait([task], log=log, grace=0.1)
    assert loop.time() - started < 2.0
    assert "stubborn" in caplog.text
    stop.set()
    await task


async def test_well_behaved_tasks_stop_at_once() -> None:
    tasks = [asyncio.create_task(asyncio.sleep(60)) for _ in range(3)]
    await cancel_and_wait(tasks, log=log, grace=5.0)
    assert all(task.cancelled() for task in tasks)


async def test_a_loop_honours_a_cancel_a_library_swallowed() -> None:
    turns = 0

    async def loop() -> None:
        nonlocal turns
        while True:
            raise_if_cancelling()
            turns += 1
            with contextlib.suppress(asyncio.CancelledError):  # as a library on 3.11 may
                await asyncio.sleep(0.01)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    assert task.cancelled()


async def test_a_shutdown_step_that_never_ends_is_given_up(caplog) -> None:
    caplog.set_level(logging.WARNING, logger=log.name)
    never = asyncio.Event()
    await within(never.wait(), what="broker stop", log=log, grace=0.1)
    assert "broker stop did not finish" in caplog.text
