"""Records a provider makes on the parent's behalf, and the parent's answer
(ATT-2, ATT-5, ATT-6), through the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.attendance_world import MONDAY, World, attendance_world, local

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


FRIDAY = date(2026, 11, 13)


async def bus_arrival(world: World, day: date = MONDAY) -> dict:
    """The provider checks a child in who came by bus."""
    await world.provider()
    await world.family()
    world.clock.set(local(day, 9))
    reply = await world.provider_record("in", local(day, 8, 30))
    assert reply["ok"], reply
    return reply


async def test_a_provider_record_is_pending_for_nine_days_weekends_included(
    world: World,
) -> None:  # ATT-2
    reply = await bus_arrival(world, FRIDAY)
    assert reply["status"] == "pending"
    deadline = datetime.fromisoformat(reply["deadline"])
    assert deadline == local(date(2026, 11, 23), 0)  # the end of Sunday the 22nd, 9 days on
    [event] = await world.events_eventually("attendance.pending", 1)
    assert event["record_id"] == reply["record_id"] and event["status"] == "pending"
    assert event["channel"] == "provider" and event["operator_id"] == "OP-1"
    assert datetime.fromisoformat(event["deadline"]) == deadline
    [waiting] = await world.pending()
    assert waiting["record_id"] == reply["record_id"]
    assert datetime.fromisoformat(waiting["deadline"]) == deadline


async def test_the_parent_approves_and_the_history_keeps_both_rows(world: World) -> None:  # ATT-2
    reply = await bus_arrival(world)
    world.clock.set(local(MONDAY, 17))
    approved = await world.resolve(reply["record_id"], "approve")
    assert approved["ok"] and approved["status"] == "confirmed"
    assert await world.pending() == []
    history = await world.history(reply["record_id"])
    assert [h["status"] for h in history["history"]] == ["pending", "confirmed"]
    assert history["history"][1]["change"] == "approved"
    assert history["history"][1]["by"] == "PARENT-1"
    assert history["current"] == approved["record_id"]
    [changed] = await world.events_eventually("attendance.changed", 1)
    assert changed["replaces"] == reply["record_id"] and changed["change"] == "approved"


async def test_the_parent_modifies_with_the_real_time(world: World) -> None:  # ATT-2
    reply = await bus_arrival(world)
    modified = await world.resolve(reply["record_id"], "modify", local(MONDAY, 8, 50))
    assert modified["ok"] and modified["status"] == "confirmed"
    pair = (await world.board(MONDAY))["children"][0]["pairs"][0]
    assert pair["check_in"]["local_time"] == "08:50" and pair["check_in"]["status"] == "confirmed"


async def test_a_modified_time_stays_on_the_records_day(world: World) -> None:  # ATT-2
    reply = await bus_arrival(world)
    world.clock.set(local(MONDAY + timedelta(days=1), 9))
    refused = await world.resolve(
        reply["record_id"], "modify", local(MONDAY + timedelta(days=1), 8)
    )
    assert refused["error"]["code"] == "not_same_day"


async def test_the_parent_deletes_a_day_the_child_was_not_there(world: World) -> None:  # ATT-2
    reply = await bus_arrival(world)
    deleted = await world.resolve(reply["record_id"], "delete")
    assert deleted["status"] == "deleted"
    assert (await world.board(MONDAY))["children"][0]["pairs"] == []
    history = await world.history(deleted["record_id"])
    assert [h["status"] for h in history["history"]] == ["pending", "deleted"]
    again = await world.resolve(reply["record_id"], "approve")
    assert again["error"]["code"] == "record_not_pending"


async def test_another_adult_cannot_see_or_resolve_the_record(world: World) -> None:  # ATT-2
    reply = await bus_arrival(world)
    await world.case("CASE-9", "STRANGER")
    assert await world.pending("STRANGER") == []
    refused = await world.resolve(reply["record_id"], "approve", person="STRANGER")
    assert refused["error"]["code"] == "not_found"


async def test_after_the_deadline_the_record_expires_and_stays_on_record(
    world: World,
) -> None:  # ATT-2
    reply = await bus_arrival(world, FRIDAY)
    deadline = datetime.fromisoformat(reply["deadline"])
    early = await world.ask(
        "ops.attendance.expire_pending", {"as_of": (deadline - timedelta(minutes=1)).isoformat()}
    )
    assert early == {"ok": True, "expired": 0}
    world.clock.set(deadline + timedelta(minutes=5))
    assert (await world.resolve(reply["record_id"], "approve"))["error"]["code"] == (
        "pending_expired"
    )
    expired = await world.ask("ops.attendance.expire_pending", {"as_of": deadline.isoformat()})
    assert expired == {"ok": True, "expired": 1}
    again = await world.ask("ops.attendance.expire_pending", {"as_of": deadline.isoformat()})
    assert again == {"ok": True, "expired": 0}
    assert await world.pending() == []
    [pair] = (await world.board(FRIDAY))["children"][0]["pairs"]
    assert pair["status"] == "expired"
    [changed] = await world.events_eventually("attendance.changed", 1)
    assert changed["status"] == "expired" and changed["change"] == "expired"
    assert changed["by"] == "system"
    history = await world.history(reply["record_id"])
    assert [h["status"] for h in history["history"]] == ["pending", "expired"]


async def test_the_parent_is_reminded_two_days_before_once(world: World) -> None:  # ATT-2, NOT-2
    reply = await bus_arrival(world, FRIDAY)
    deadline = datetime.fromisoformat(reply["deadline"])
    too_soon = deadline - timedelta(days=3)
    assert (await world.ask("ops.attendance.remind_pending", {"as_of": too_soon.isoformat()}))[
        "reminded"
    ] == 0
    due = deadline - timedelta(days=2)
    first = await world.ask("ops.attendance.remind_pending", {"as_of": due.isoformat()})
    second = await world.ask("ops.attendance.remind_pending", {"as_of": due.isoformat()})
    assert first["reminded"] == 1 and second["reminded"] == 0
    [reminder] = await world.events_eventually("attendance.pending_deadline_approaching", 1)
    assert reminder["record_id"] == reply["record_id"] and reminder["days_left"] == 2


async def test_two_cases_a_provider_record_must_name_the_case(world: World) -> None:  # ATT-6
    await world.provider()
    await world.family(case_id="CASE-MOM", person_id="MOM", authorization_id="AUTH-MOM")
    await world.family(
        case_id="CASE-DAD", person_id="DAD", pin="73914682", authorization_id="AUTH-DAD"
    )
    ambiguous = await world.provider_record("in", local(MONDAY, 8, 30))
    assert ambiguous["error"]["code"] == "case_required"
    named = await world.provider_record("in", local(MONDAY, 8, 30), case_id="CASE-DAD")
    assert named["ok"]
    assert [r["record_id"] for r in await world.pending("DAD")] == [named["record_id"]]
    assert await world.pending("MOM") == []


async def test_a_provider_record_needs_an_authorization_that_day(world: World) -> None:  # AUTH-2
    await world.provider()
    await world.family(end_date="2026-11-08")
    reply = await world.provider_record("in", local(MONDAY, 8, 30))
    assert reply["error"]["code"] == "not_authorized"


async def test_a_paper_sheet_keyed_after_an_outage_is_pending_too(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY + timedelta(days=6), 10))  # a week later, past the tap limit
    reply = await world.provider_record("in", local(MONDAY, 8), channel="paper")
    assert reply["ok"] and reply["status"] == "pending"
    [event] = await world.events_eventually("attendance.recorded", 1)
    assert event["channel"] == "paper"
