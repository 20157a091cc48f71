"""The kernel's `Coalescer`: calls that arrive while a batch is under way share the
next one, each caller gets its own result or its own refusal, and nothing waits
for a timer (the tap path's reads and credential checks, ATT-1, ID-4)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from shared.coalesce import Coalescer

LOG = logging.getLogger("test")


class Doubler:
    """Doubles numbers a batch at a time; a negative number is refused alone."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(items)
        await self.gate.wait()
        if 13 in items:
            raise ConnectionError("the database went away")
        return [ValueError(f"{n} is negative") if n < 0 else 2 * n for n in items]


async def test_a_call_alone_runs_at_once() -> None:
    run = Doubler()
    double = Coalescer(run, name="doubler", log=LOG)
    assert await double(4) == 8
    assert run.batches == [[4]]


async def test_calls_made_while_a_batch_is_under_way_share_the_next() -> None:
    run = Doubler()
    run.gate.clear()
    double = Coalescer(run, name="doubler", log=LOG)
    first = asyncio.ensure_future(double(1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(double(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    run.gate.set()
    assert await asyncio.gather(first, *rest) == [2, 4, 6, 8]
    assert run.batches == [[1], [2, 3, 4]]


async def test_a_batch_is_never_larger_than_its_limit() -> None:
    run = Doubler()
    double = Coalescer(run, name="doubler", log=LOG, max_batch=3)
    assert await asyncio.gather(*(double(n) for n in range(8))) == [2 * n for n in range(8)]
    assert max(len(b) for b in run.batches) <= 3


async def test_a_refusal_goes_to_its_caller_alone() -> None:
    run = Doubler()
    double = Coalescer(run, name="doubler", log=LOG)
    results = await asyncio.gather(double(1), double(-1), double(2), return_exceptions=True)
    assert results[0] == 2 and results[2] == 4
    assert isinstance(results[1], ValueError)


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_runs() -> None:
    run = Doubler()
    double = Coalescer(run, name="doubler", log=LOG)
    results = await asyncio.gather(double(13), double(5), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await double(6) == 12


async def test_calls_waiting_at_close_are_told_it_is_stopping() -> None:
    run = Doubler()
    run.gate.clear()
    double = Coalescer(run, name="doubler", log=LOG)
    waiting = [asyncio.ensure_future(double(n)) for n in (1, 2)]
    await asyncio.sleep(0)
    await double.close()
    for call in waiting:
        with pytest.raises(ConnectionError, match="stopping"):
            await call


async def test_with_a_linger_the_calls_just_behind_share_the_first_batch() -> None:
    run = Doubler()
    double = Coalescer(run, name="doubler", log=LOG, linger_seconds=0.05)
    first = asyncio.ensure_future(double(1))
    await asyncio.sleep(0.01)  # a moment later, still within the linger
    assert await asyncio.gather(first, double(2)) == [2, 4]
    assert run.batches == [[1, 2]]
