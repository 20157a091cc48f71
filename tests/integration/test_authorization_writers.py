"""Which batches of eligibility records may apply at the same time, across
replicas (AUTH-1, AUTH-3): batches of one kind side by side unless they share a
record; a case or provider never while authorizations are being announced from
it. A batch that must wait is seen here waiting: PostgreSQL's `lock_timeout`
turns the wait into an error (SQLSTATE 55P03) instead of a pause."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from psycopg.errors import LockNotAvailable
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.authorization.repository import lock_records, record_keys
from shared.db import async_engine


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = async_engine(database_url)
    yield engine
    await engine.dispose()


async def holding(engine: AsyncEngine, kind: str, ids: list[str]) -> AsyncConnection:
    """An open transaction that applies `ids` of `kind` (a batch in another replica)."""
    conn = await engine.connect()
    await conn.begin()
    await lock_records(conn, kind, ids)
    return conn


async def can_apply(engine: AsyncEngine, kind: str, ids: list[str]) -> bool:
    """Whether a batch of `ids` could start now, rather than wait."""
    async with engine.connect() as conn, conn.begin():
        await conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
        try:
            await lock_records(conn, kind, ids)
        except OperationalError as exc:
            assert isinstance(exc.orig, LockNotAvailable)
            return False
        return True


@pytest.mark.parametrize(
    ("held", "other", "together"),
    [
        (("authorization", ["AU-1", "AU-2"]), ("authorization", ["AU-3"]), True),
        (("authorization", ["AU-1", "AU-2"]), ("authorization", ["AU-2", "AU-9"]), False),
        (("case", ["C-1"]), ("case", ["C-2", "C-3"]), True),
        (("case", ["C-1"]), ("case", ["C-1"]), False),
        (("authorization", ["AU-1"]), ("case", ["C-1"]), False),
        (("case", ["C-1"]), ("authorization", ["AU-1"]), False),
        (("provider", ["P-1"]), ("authorization", ["AU-1"]), False),
        (("provider", ["P-1"]), ("case", ["C-1"]), False),
        (("provider", ["P-1"]), ("provider", ["P-2"]), False),
        (("authorization", ["AU-1"]), ("provider", ["P-1"]), False),
    ],
)
async def test_which_batches_apply_side_by_side(
    engine: AsyncEngine,
    held: tuple[str, list[str]],
    other: tuple[str, list[str]],
    together: bool,
) -> None:
    # AUTH-1: one record's versions one batch at a time, in the order of their locks;
    # AUTH-3: an authorization is never announced from a provider or case being changed
    first = await holding(engine, *held)
    try:
        assert await can_apply(engine, *other) is together
    finally:
        await first.rollback()
        await first.close()
    assert await can_apply(engine, *other)  # once the first batch ends, the other goes


def test_lock_keys_are_taken_in_one_order_without_repeats() -> None:
    # AUTH-1: every batch locks its records in ascending key order, so none deadlock
    keys = record_keys(["AU-3", "AU-1", "AU-2", "AU-1"])
    assert keys == sorted(set(keys))
    assert len(keys) == 3
    assert all(-(2**31) <= key < 2**31 for key in keys)
