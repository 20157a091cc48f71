"""Races on one record or one request, against the real NATS and PostgreSQL:
a tap is never doubled, a record never replaced twice (ATT-1, ATT-5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import func, select

from services.attendance import store
from shared.db import async_engine
from shared.settings import Settings
from tests.attendance_world import MONDAY, World, attendance_world, local

pytestmark = pytest.mark.integration


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


async def stored_rows(settings: Settings) -> int:
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(select(func.count()).select_from(store.records))
            ).scalar_one()
    finally:
        await engine.dispose()


async def test_the_same_tap_sent_ten_times_at_once_is_recorded_once(
    world: World, settings: Settings
) -> None:  # ATT-1
    await world.provider()
    await world.family()
    event_id = str(uuid4())
    replies = await asyncio.gather(
        *(world.tap(at=local(MONDAY, 8), event_id=event_id) for _ in range(10))
    )
    assert all(r["ok"] for r in replies)
    assert len({r["records"][0]["record_id"] for r in replies}) == 1
    assert await stored_rows(settings) == 1


async def test_two_answers_racing_on_one_pending_record_one_wins(
    world: World, settings: Settings
) -> None:  # ATT-2, ATT-5: the record is replaced once, the loser is told
    await world.provider()
    await world.family()
    recorded = await world.provider_record("in", local(MONDAY, 8))
    answers = await asyncio.gather(
        world.resolve(recorded["record_id"], "approve"),
        world.resolve(recorded["record_id"], "delete"),
        world.resolve(recorded["record_id"], "modify", local(MONDAY, 8, 10)),
    )
    winners = [a for a in answers if a["ok"]]
    losers = [a["error"]["code"] for a in answers if not a["ok"]]
    assert len(winners) == 1 and losers == ["record_not_pending", "record_not_pending"]
    assert await stored_rows(settings) == 2
    history = await world.history(recorded["record_id"])
    assert history["current"] == winners[0]["record_id"]


async def test_many_taps_of_many_children_at_once_are_all_kept(
    world: World, settings: Settings
) -> None:  # ATT-1
    await world.provider()
    for n in range(8):
        await world.family(child_id=f"CH-{n}", authorization_id=f"AUTH-{n}")
    replies = await asyncio.gather(
        *(world.tap(f"CH-{n}", at=local(MONDAY, 8, n)) for n in range(8)),
        *(world.tap(f"CH-{n}", direction="out", at=local(MONDAY, 8, 30 + n)) for n in range(8)),
    )
    assert all(r["ok"] for r in replies)
    assert await stored_rows(settings) == 16
    board = await world.board(MONDAY)
    assert all(c["errors"] == [] and len(c["pairs"]) == 1 for c in board["children"])
