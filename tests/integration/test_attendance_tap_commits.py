"""Taps written by group commit, against the real NATS and PostgreSQL: a tap in a
batch is kept or refused on its own, a tap is answered only once stored, taps go
on after the database drops its connections, and a tap is one trace (ATT-1)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import func, select, text

from services.attendance import records, store
from services.attendance.tap_commits import TapCommitter
from shared.db import async_engine, hot_engine
from shared.settings import Settings
from tests.attendance_world import MONDAY, World, attendance_world, local

pytestmark = pytest.mark.integration


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


async def count(settings: Settings, table: Any) -> int:
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    finally:
        await engine.dispose()


def a_tap(child_id: str, **changes: Any) -> records.Record:
    fields: dict[str, Any] = {
        "provider_id": "CO-1",
        "child_id": child_id,
        "case_id": "CASE-1",
        "authorization_id": "AUTH-1",
        "direction": "in",
        "occurred_at": datetime(2026, 11, 9, 15, tzinfo=UTC),
        "local_date": MONDAY,
        "channel": "kiosk",
        "status": "confirmed",
        "recorded_at": datetime(2026, 11, 9, 15, tzinfo=UTC),
        "device_id": "KIOSK-1",
        "person_id": "PARENT-1",
    }
    return records.original(**{**fields, **changes})


@pytest.fixture
async def committer(settings: Settings) -> AsyncIterator[TapCommitter]:
    engine = hot_engine(settings.database_url, pool_size=2)
    woken: list[bool] = []
    committing = TapCommitter(engine, lambda: woken.append(True), logging.getLogger("test"))
    try:
        yield committing
    finally:
        await committing.close()
        await engine.dispose()


async def test_a_tap_that_cannot_be_stored_does_not_fail_the_taps_beside_it(
    committer: TapCommitter, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:  # ATT-1: never lost; a bad tap fails alone
    good = [a_tap(f"CH-{n}") for n in range(5)]
    bad = a_tap("CH-BAD", direction=None)  # refused by the table: no direction
    writes = [(str(uuid4()), r) for r in [*good[:2], bad, *good[2:]]]
    answers = await asyncio.gather(
        *(
            committer.commit(event_id, "kiosk.CO-1.tap", [r], {"ok": True, "id": r.record_id})
            for event_id, r in writes
        ),
        return_exceptions=True,
    )
    assert "a batch of 6 taps failed; writing each alone" in caplog.text  # one batch, first
    failed = [a for a in answers if isinstance(a, BaseException)]
    assert len(failed) == 1
    assert [a["id"] for a in answers if isinstance(a, dict)] == [r.record_id for r in good]
    assert await count(settings, store.records) == 5
    assert await count(settings, store.outbox) == 5  # one AttendanceRecorded each
    assert await count(settings, store.request_replies) == 5  # a resent bad tap is judged anew


async def test_the_same_tap_twice_in_one_batch_is_stored_once_and_answered_alike(
    committer: TapCommitter, settings: Settings
) -> None:  # ATT-1: the same event_id returns the first answer
    event_id = str(uuid4())
    first, second = a_tap("CH-1"), a_tap("CH-1")
    answers = await asyncio.gather(
        committer.commit(event_id, "kiosk.CO-1.tap", [first], {"ok": True, "id": first.record_id}),
        committer.commit(
            event_id, "kiosk.CO-1.tap", [second], {"ok": True, "id": second.record_id}
        ),
    )
    assert answers == [{"ok": True, "id": first.record_id}] * 2
    assert await count(settings, store.records) == 1


async def test_an_event_id_used_by_another_request_is_refused(
    committer: TapCommitter, settings: Settings
) -> None:  # ATT-1: an event_id names one request
    event_id = str(uuid4())
    tap = a_tap("CH-1")
    await committer.commit(event_id, "kiosk.CO-1.tap", [tap], {"ok": True})
    with pytest.raises(Exception, match="already used for another request"):
        await committer.commit(event_id, "kiosk.CO-2.tap", [a_tap("CH-2")], {"ok": True})
    assert await count(settings, store.records) == 1


async def test_taps_go_on_after_the_database_drops_every_connection(
    world: World, settings: Settings
) -> None:  # ATT-1: a restart of PostgreSQL loses no tap and refuses none after it
    await world.provider()
    await world.family()
    assert (await world.tap(direction="in", at=local(MONDAY, 8)))["ok"]
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            dropped = await conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            assert dropped.scalar_one() > 0
    finally:
        await engine.dispose()
    answer = await world.tap(direction="out", at=local(MONDAY, 8, 30))
    assert answer["ok"], answer
    assert await count(settings, store.records) == 2


async def test_a_tap_is_one_trace_through_attendance_and_identity(
    world: World, settings: Settings
) -> None:  # architecture rule 7: one kiosk tap, one trace
    await world.provider()
    await world.family()
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    tap = {
        "event_id": str(uuid4()),
        "device_id": "KIOSK-1",
        "pin": "48151623",
        "child_ids": ["CH-1"],
        "direction": "in",
        "occurred_at": local(MONDAY, 8).isoformat(),
    }
    reply = await world.nc.request(
        "kiosk.CO-1.tap",
        json.dumps(tap).encode(),
        timeout=10,
        headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"},
    )
    assert json.loads(reply.data)["ok"]
    assert world.identity.traceparents[-1].split("-")[1] == trace_id
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            staged = (await conn.execute(select(store.outbox.c.traceparent))).scalar_one()
    finally:
        await engine.dispose()
    assert staged.split("-")[1] == trace_id
