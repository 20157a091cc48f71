"""Closing the day: automatic check-outs at 11:59 pm local (ATT-3), the day's
errors (ATT-4), through `ops.attendance.close_day`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient

from services.attendance.handlers import jobs
from shared.settings import Settings
from tests.attendance_world import (
    CHICAGO,
    MONDAY,
    PHOENIX,
    World,
    attendance_world,
    local,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


async def checked_in(world: World, day: date = MONDAY, tz: str = "America/Denver", **provider):
    await world.provider(timezone=tz, **provider)
    await world.family(start_date="2026-01-01")
    world.clock.set(local(day, 9, tz=tz))
    reply = await world.tap(at=local(day, 8, tz=tz))
    assert reply["ok"], reply
    return reply


async def test_a_child_still_in_is_checked_out_at_1159_pm_as_pending(world: World) -> None:  # ATT-3
    await checked_in(world)
    world.clock.set(local(MONDAY + timedelta(days=1), 0, 5))
    closed = await world.close_day(MONDAY)
    assert closed["closed"] == [{"provider_id": "CO-1", "checked_out": 1, "zdays": 0, "errors": []}]
    [missing] = await world.events_eventually("attendance.checkout_missing", 1)
    assert missing["child_id"] == "CH-1" and missing["date"] == MONDAY.isoformat()
    [pending] = await world.pending()
    assert pending["record_id"] == missing["record_id"] and pending["automatic"] is True
    assert datetime.fromisoformat(pending["occurred_at"]) == local(MONDAY, 23, 59)
    assert datetime.fromisoformat(pending["deadline"]) == local(MONDAY + timedelta(days=10), 0)
    [pair] = (await world.board(MONDAY))["children"][0]["pairs"]
    assert pair["status"] == "pending" and pair["error"] is None
    assert pair["check_out"]["automatic"] is True and pair["check_out"]["local_time"] == "23:59"

    again = await world.close_day(MONDAY)  # idempotent for a date
    assert again["closed"][0]["checked_out"] == 0
    assert len(await world.events("attendance.checkout_missing")) == 1


async def test_the_parent_must_give_the_real_time_before_approving(world: World) -> None:  # ATT-3
    await checked_in(world)
    world.clock.set(local(MONDAY + timedelta(days=1), 7))
    await world.close_day(MONDAY)
    [pending] = await world.pending()
    refused = await world.resolve(pending["record_id"], "approve")
    assert refused["error"]["code"] == "checkout_time_required"
    modified = await world.resolve(pending["record_id"], "modify", local(MONDAY, 17, 40))
    assert modified["ok"] and modified["status"] == "confirmed"
    [pair] = (await world.board(MONDAY))["children"][0]["pairs"]
    assert pair["check_out"]["local_time"] == "17:40" and pair["status"] == "confirmed"
    assert pair["check_out"]["automatic"] is False


async def test_a_day_not_yet_at_1159_pm_is_not_closed(world: World) -> None:  # ATT-3
    await checked_in(world)
    world.clock.set(local(MONDAY, 23, 58))
    closed = await world.close_day(MONDAY)
    assert closed["closed"] == [] and closed["not_ended"] == ["CO-1"]
    assert await world.pending() == []


async def test_arizona_checks_out_at_1159_pm_mst_in_summer(world: World) -> None:  # ATT-3
    summer = date(2026, 7, 15)
    await checked_in(world, summer, PHOENIX, program="arizona")
    world.clock.set(local(summer + timedelta(days=1), 6, tz=PHOENIX))
    await world.close_day(summer)
    [pending] = await world.pending()
    moment = datetime.fromisoformat(pending["occurred_at"]).astimezone(UTC)
    assert moment == datetime(2026, 7, 16, 6, 59, tzinfo=UTC)  # no daylight time in Phoenix


async def test_the_night_clocks_fall_back_the_check_out_is_1159_pm_standard_time(
    world: World,
) -> None:  # ATT-3: 1 November 2026 is 25 hours long in Denver
    fall_back = date(2026, 11, 1)
    await world.provider()
    await world.family(start_date="2026-10-01")
    world.clock.set(local(fall_back, 9))
    assert (await world.tap(at=local(fall_back, 0, 30)))["ok"]  # still daylight time
    world.clock.set(local(fall_back + timedelta(days=1), 1))
    await world.close_day(fall_back)
    [pending] = await world.pending()
    moment = datetime.fromisoformat(pending["occurred_at"]).astimezone(UTC)
    assert moment == datetime(2026, 11, 2, 6, 59, tzinfo=UTC)  # 23:59 MST
    [pair] = (await world.board(fall_back))["children"][0]["pairs"]
    assert pair["minutes"] == 24 * 60 + 29  # 0:30 MDT to 23:59 MST: the hour is counted


async def test_the_nightly_schedule_closes_each_providers_own_day(world: World) -> None:  # ATT-3
    await world.provider()  # Denver
    await world.provider("TX-1", program="texas", timezone=CHICAGO)
    await world.family()
    await world.family(provider_id="TX-1", child_id="CH-7", authorization_id="AUTH-7")
    world.clock.set(local(MONDAY, 9))
    assert (await world.tap(at=local(MONDAY, 8)))["ok"]
    assert (await world.tap("CH-7", at=local(MONDAY, 9, tz=CHICAGO), provider_id="TX-1"))["ok"]
    at_half_past_midnight_in_chicago = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)
    await jobs.close_ended_days(
        world.system.runtimes["attendance"], at_half_past_midnight_in_chicago
    )
    [missing] = await world.events_eventually("attendance.checkout_missing", 1)
    assert missing["provider_id"] == "TX-1"  # still 11:30 pm in Denver
    await jobs.close_ended_days(
        world.system.runtimes["attendance"], at_half_past_midnight_in_chicago + timedelta(hours=1)
    )
    missing = await world.events_eventually("attendance.checkout_missing", 2)
    assert sorted(m["provider_id"] for m in missing) == ["CO-1", "TX-1"]


async def test_the_days_errors_are_announced_once_for_the_provider(world: World) -> None:  # ATT-4
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY, 18))
    assert (await world.tap(direction="out", at=local(MONDAY, 17)))["ok"]
    world.clock.set(local(MONDAY + timedelta(days=1), 2))
    closed = await world.close_day(MONDAY)
    assert closed["closed"][0]["errors"] == ["incomplete_pair"]
    await world.close_day(MONDAY)
    [event] = await world.events_eventually("attendance.errors_unresolved", 1)
    assert event["provider_id"] == "CO-1" and event["date"] == MONDAY.isoformat()
    assert event["errors"] == [{"child_id": "CH-1", "code": "incomplete_pair"}]
