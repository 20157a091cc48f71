"""The monthly attendance record and its attestation by provider and parent
(ATT-9), through the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.attendance_world import (
    MONDAY,
    World,
    attendance_world,
    local,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


async def one_day_in_care(world: World) -> None:
    await world.provider("CA-1", program="california", timezone="America/Los_Angeles")
    await world.family(provider_id="CA-1")
    la = "America/Los_Angeles"
    world.clock.set(local(MONDAY, 18, tz=la))
    await world.tap(at=local(MONDAY, 7, 45, tz=la), provider_id="CA-1")
    await world.tap(direction="out", at=local(MONDAY, 16, 15, tz=la), provider_id="CA-1")


async def attest(world: World, *, parent: bool = False, month: str = "2026-11") -> dict:
    body = {"event_id": str(uuid4()), "child_id": "CH-1", "month": month}
    if parent:
        return await world.ask("parent.PARENT-1.month.attest", {**body, "provider_id": "CA-1"})
    return await world.ask("provider.CA-1.month.attest", {**body, "operator_id": "OP-1"})


async def test_the_monthly_record_lists_each_day_with_actual_times(world: World) -> None:  # ATT-9
    await one_day_in_care(world)
    record = await world.ask("provider.CA-1.month.record", {"child_id": "CH-1", "month": "2026-11"})
    assert record["ok"], record
    [day] = record["days"]
    assert day["date"] == MONDAY.isoformat() and day["hours"] == 8.5
    assert day["pairs"][0]["check_in"] == "07:45" and day["pairs"][0]["check_out"] == "16:15"
    assert record["attestations"] == [] and record["attested"] is False
    mine = await world.ask(
        "parent.PARENT-1.month.record",
        {"provider_id": "CA-1", "child_id": "CH-1", "month": "2026-11"},
    )
    assert mine["days"] == record["days"]
    await world.case("CASE-9", "STRANGER")
    other = await world.ask(
        "parent.STRANGER.month.record",
        {"provider_id": "CA-1", "child_id": "CH-1", "month": "2026-11"},
    )
    assert other["error"]["code"] == "not_your_child"


async def test_provider_and_parent_attest_at_month_end(world: World) -> None:  # ATT-9
    await one_day_in_care(world)
    assert (await attest(world))["error"]["code"] == "month_not_closed"
    world.clock.set(local(date(2026, 12, 1), 10, tz="America/Los_Angeles"))
    assert await attest(world) == {"ok": True}
    assert await attest(world, parent=True) == {"ok": True}
    assert await attest(world, parent=True) == {"ok": True}  # once per role
    events = await world.events_eventually("attendance.month_attested", 2)
    assert {(e["by_role"], e["by"]) for e in events} == {
        ("provider", "OP-1"),
        ("parent", "PARENT-1"),
    }
    record = await world.ask("provider.CA-1.month.record", {"child_id": "CH-1", "month": "2026-11"})
    assert record["attested"] is True
    assert [a["by_role"] for a in record["attestations"]] == ["parent", "provider"]


async def test_a_month_with_pending_records_or_errors_is_not_attested(
    world: World,
) -> None:  # ATT-9
    await one_day_in_care(world)
    la = "America/Los_Angeles"
    tuesday = MONDAY + timedelta(days=1)
    world.clock.set(local(tuesday, 9, tz=la))
    recorded = await world.provider_record("in", local(tuesday, 8, tz=la), provider_id="CA-1")
    world.clock.set(local(date(2026, 12, 1), 10, tz=la))
    assert (await attest(world))["error"]["code"] == "records_pending"
    world.clock.set(local(tuesday, 20, tz=la))
    assert (await world.resolve(recorded["record_id"], "approve"))["ok"]
    world.clock.set(local(date(2026, 12, 1), 10, tz=la))
    assert (await attest(world))["error"]["code"] == "month_not_attestable"  # no check-out
