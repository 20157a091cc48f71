"""A pool of its own for the sign-in path's one read (ID-4).

The kernel's engine pings each connection it hands out and wraps every use in a
transaction: BEGIN, the query, ROLLBACK, four round trips for one SELECT. A kiosk
sign-in is one read-only statement, so it runs in autocommit on connections that
are not pinged (a connection lost with the database is dropped by the pool on its
first error). Measured alone: about 940 reads/s and 675 µs of CPU each through the
kernel's engine, about 2,900/s and 310 µs here (benchmarks/signin_results.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.db import sqlalchemy_url

POOL_SIZE = 10
RECYCLE_SECONDS = 1800


def read_engine(database_url: str) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
        pool_pre_ping=False,
        pool_recycle=RECYCLE_SECONDS,
        isolation_level="AUTOCOMMIT",
    )


def closing(engine: AsyncEngine) -> Callable[[], Awaitable[None]]:
    """A worker that holds the pool for the service's life and closes it at the end."""

    async def hold() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await engine.dispose()

    return hold
