"""Database engine and the one-schema-per-service helpers (architecture rule 1)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """A libpq URL (`postgresql://...?host=/socket/dir`) as SQLAlchemy's psycopg 3 URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername != "postgresql+psycopg":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parsed.drivername!r}")
    return parsed.render_as_string(hide_password=False)


def async_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """The engine a service uses; each connection lives in the service's schema."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=5,
        pool_pre_ping=True,
        hide_parameters=True,  # a failing statement's error must not carry a PIN hash or token
    )


T = TypeVar("T")
HOT_POOL_SIZE = 10
HOT_RECYCLE_SECONDS = 1800


def hot_engine(url: str, *, pool_size: int = HOT_POOL_SIZE, autocommit: bool = True) -> AsyncEngine:
    """An engine for a hot path: no ping, a fixed pool, autocommit by default.

    The service engine pings every connection it hands out and wraps each use
    in BEGIN ... ROLLBACK: four round trips for one SELECT. Here, in autocommit,
    a statement is its own transaction (atomic, and durable when it returns);
    with `autocommit=False`, `begin()` groups statements as usual. The pool
    does not overflow: a burst waits for a connection rather than opening one
    (a PostgreSQL backend is a process) for each request and closing it after.
    A connection the database dropped fails its next statement once; SQLAlchemy
    then invalidates the pool, and the caller may retry (`retry_once_if_dropped`).
    """
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_recycle=HOT_RECYCLE_SECONDS,
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
        hide_parameters=True,
    )


async def retry_once_if_dropped(statement: Callable[[], Awaitable[T]]) -> T:
    """Run `statement`; once more if it failed on a connection the database dropped
    (a restart): the pool has been invalidated, so the retry gets a fresh one.

    Only for statements that are safe to run twice (reads, or writes keyed so a
    second run changes nothing)."""
    try:
        return await statement()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return await statement()


def disposed_at_stop(
    engine: AsyncEngine, *first: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[None]]:
    """A worker that holds `engine` for the service's life and closes it at stop,
    after `first` (what uses it: a batcher's `close`, say)."""

    async def hold() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            for close in first:
                await close()
            await engine.dispose()

    return hold


def sync_engine(url: str) -> Engine:
    """For migrations and tools that run outside an event loop."""
    return create_engine(sqlalchemy_url(url), pool_size=1, max_overflow=0, hide_parameters=True)


def service_metadata(schema: str) -> MetaData:
    """Tables of one service, all in its own schema, with stable constraint names."""
    return MetaData(
        schema=schema,
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        },
    )
