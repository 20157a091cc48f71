"""Calls that arrive while a batch is under way are run together in the next one.

A hot request path (a tap) makes the same small call for every request: a read,
a question to another service. Each call costs a round trip and its fixed
overhead, most of it the same for one item as for a hundred. `Coalescer` gathers
the calls made while `batches` of them are in flight and runs them as one: under
light load a call runs at once, alone; under heavy load each batch takes
everything that waited, so the cost per call falls as the load grows. A
`linger` (0 by default) holds the first call after an idle moment that long, so
that at middling rates, where batches would hold one call each, the calls just
behind it share its batch; a batch that follows another is never held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from shared.tasks import cancel_and_wait, raise_if_cancelling

T = TypeVar("T")
R = TypeVar("R")

BatchCall = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]
"""Runs many items at once: one result per item, in order, or the exception that
item alone must raise."""


class Coalescer(Generic[T, R]):
    """`await coalescer(item)`: the item's result, computed in a batch with the
    items that waited beside it; see the module's docstring."""

    def __init__(
        self,
        run: BatchCall[T, R],
        *,
        name: str,
        log: logging.Logger,
        max_batch: int = 200,
        batches: int = 1,
        linger_seconds: float = 0.0,
    ) -> None:
        self._run = run
        self._linger = linger_seconds
        self._name = name
        self._log = log
        self._max_batch = max_batch
        self._batches = batches
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._runners: set[asyncio.Task[None]] = set()

    async def __call__(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if len(self._runners) < self._batches:
            runner = asyncio.create_task(self._run_waiting(), name=self._name)
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        return await done

    async def close(self) -> None:
        """Stop: batches under way are cancelled and their callers told so."""
        await cancel_and_wait(set(self._runners), log=self._log, grace=1.0)
        for _, done in self._waiting:
            if not done.done():
                done.set_exception(ConnectionError(f"{self._name} is stopping"))
        self._waiting = []

    async def _run_waiting(self) -> None:
        if self._linger > 0:  # from idle: let the calls just behind join the first batch
            await asyncio.sleep(self._linger)
        while self._waiting:
            raise_if_cancelling()
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            live = [(item, done) for item, done in batch if not done.done()]
            if not live:
                continue
            try:
                results = await self._run([item for item, _ in live])
            except asyncio.CancelledError:
                for _, done in live:
                    if not done.done():
                        done.set_exception(ConnectionError(f"{self._name} is stopping"))
                raise
            except Exception as exc:
                self._fail(live, exc)
                continue
            if len(results) != len(live):
                self._fail(live, RuntimeError(f"{self._name}: one result per item expected"))
                continue
            for (_, done), result in zip(live, results, strict=True):
                if done.done():
                    continue
                with contextlib.suppress(asyncio.InvalidStateError):
                    if isinstance(result, BaseException):
                        done.set_exception(result)
                    else:
                        done.set_result(result)

    @staticmethod
    def _fail(batch: list[tuple[T, asyncio.Future[R]]], exc: BaseException) -> None:
        for _, done in batch:
            if not done.done():
                done.set_exception(exc)
