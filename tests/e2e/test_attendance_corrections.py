"""The day board (ATT-4) and a provider's corrections with their history (ATT-5),
through the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.attendance_world import (
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


async def correct(world: World, record_id: str, at: datetime, provider_id: str = "AZ-1"):
    return await world.ask(
        f"provider.{provider_id}.attendance.correct",
        {
            "event_id": str(uuid4()),
            "operator_id": "OP-7",
            "record_id": record_id,
            "occurred_at": at.isoformat(),
            "reason": "the parent forgot to sign out; the sheet says 17:10",
        },
    )


async def arizona_child(world: World) -> None:
    await world.provider("AZ-1", program="arizona", timezone=PHOENIX)
    await world.family(provider_id="AZ-1")


def az(day: date, hour: int, minute: int = 0) -> datetime:
    return local(day, hour, minute, tz=PHOENIX)


async def test_the_board_shows_pairs_statuses_and_errors(world: World) -> None:  # ATT-4
    await world.provider()
    await world.family()
    await world.family(child_id="CH-2", authorization_id="AUTH-2")
    await world.family(child_id="CH-3", authorization_id="AUTH-3")
    world.clock.set(local(MONDAY, 18))
    await world.tap("CH-1", at=local(MONDAY, 8))
    await world.tap("CH-1", direction="out", at=local(MONDAY, 16))
    await world.tap("CH-2", direction="out", at=local(MONDAY, 7))  # an out before its in
    await world.tap("CH-2", at=local(MONDAY, 9))
    await world.provider_record("out", local(MONDAY, 12), child_id="CH-3")  # no in at all
    board = {c["child_id"]: c for c in (await world.board(MONDAY))["children"]}
    assert board["CH-1"]["errors"] == [] and board["CH-1"]["pairs"][0]["status"] == "confirmed"
    assert board["CH-1"]["pairs"][0]["minutes"] == 8 * 60
    assert board["CH-2"]["errors"] == ["out_of_sequence"]  # red
    assert board["CH-3"]["errors"] == ["incomplete_pair"]  # yellow: 12:00 out has no in
    assert [p["status"] for p in board["CH-3"]["pairs"]] == ["pending"]
    assert board["CH-1"]["case_ids"] == ["CASE-1"]


async def test_an_open_check_in_is_an_error_only_once_the_day_has_ended(
    world: World,
) -> None:  # ATT-4
    await world.provider()
    await world.family()
    await world.tap(at=local(MONDAY, 8))
    during = await world.board(MONDAY)
    assert during["day_ended"] is False and during["children"][0]["errors"] == []
    world.clock.set(local(MONDAY + timedelta(days=1), 0, 1))
    after = await world.board(MONDAY)
    assert after["day_ended"] is True and after["children"][0]["errors"] == ["incomplete_pair"]


async def test_a_correction_is_a_new_row_with_who_when_and_why(world: World) -> None:  # ATT-5
    await arizona_child(world)
    world.clock.set(az(MONDAY, 23, 30))
    recorded = await world.provider_record("out", az(MONDAY, 23), provider_id="AZ-1")
    fixed = await correct(world, recorded["record_id"], az(MONDAY, 17, 10))
    assert fixed["ok"] and fixed["status"] == "pending"
    assert fixed["deadline"] == recorded["deadline"]  # the parent's window is unchanged
    history = await world.history(recorded["record_id"], "AZ-1")
    first, second = history["history"]
    assert first["record_id"] == recorded["record_id"] and first["change"] is None
    assert second["replaces"] == recorded["record_id"] and second["change"] == "corrected"
    assert second["by"] == "OP-7" and "17:10" in second["reason"]
    assert datetime.fromisoformat(first["occurred_at"]) == az(MONDAY, 23)  # the old time kept
    assert datetime.fromisoformat(second["occurred_at"]) == az(MONDAY, 17, 10)
    assert (await world.history(fixed["record_id"], "AZ-1")) == history  # from any row
    [changed] = await world.events_eventually("attendance.changed", 1)
    assert changed["change"] == "corrected" and changed["by"] == "OP-7"
    stale = await correct(world, recorded["record_id"], az(MONDAY, 17, 20))
    assert stale["error"]["code"] == "record_superseded"


async def test_arizona_refuses_a_correction_once_the_next_care_day_started(
    world: World,
) -> None:  # ATT-5
    await arizona_child(world)
    world.clock.set(az(MONDAY, 18))
    recorded = await world.provider_record("out", az(MONDAY, 17), provider_id="AZ-1")
    tuesday = MONDAY + timedelta(days=1)
    world.clock.set(az(tuesday, 7, 55))
    assert (await world.tap(at=az(tuesday, 7, 50), provider_id="AZ-1"))["ok"]
    refused = await correct(world, recorded["record_id"], az(MONDAY, 17, 30))
    assert refused["error"]["code"] == "outside_correction_window"
    history = await world.history(recorded["record_id"], "AZ-1")
    assert len(history["history"]) == 1  # nothing changed


async def test_a_record_the_parent_signed_is_not_the_providers(world: World) -> None:  # ATT-5
    await arizona_child(world)
    world.clock.set(az(MONDAY, 18))
    tapped = await world.tap(at=az(MONDAY, 8), provider_id="AZ-1")
    refused = await correct(world, tapped["records"][0]["record_id"], az(MONDAY, 7, 30))
    assert refused["error"]["code"] == "record_signed_by_parent"


async def test_a_submitted_month_is_not_corrected_in_place(world: World) -> None:  # ATT-5, BILL-2
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY, 18))
    recorded = await world.provider_record("out", local(MONDAY, 17))
    await world.month_submitted("CO-1", "2026-11", "CH-1")
    refused = await correct(world, recorded["record_id"], local(MONDAY, 17, 5), "CO-1")
    assert refused["error"]["code"] == "outside_correction_window"


async def test_a_correction_stays_on_the_records_day_and_provider(world: World) -> None:  # ATT-5
    await arizona_child(world)
    world.clock.set(az(MONDAY + timedelta(days=1), 6))
    recorded = await world.provider_record("out", az(MONDAY, 17), provider_id="AZ-1")
    moved = await correct(world, recorded["record_id"], az(MONDAY + timedelta(days=1), 5))
    assert moved["error"]["code"] == "not_same_day"
    await world.provider("CO-1")
    elsewhere = await correct(world, recorded["record_id"], az(MONDAY, 17, 5), "CO-1")
    assert elsewhere["error"]["code"] == "not_found"
