"""Absences: reported ones, Z-days and their exceptions (ATT-7), and the count
toward the absence standard (ATT-8), through the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.attendance_world import (
    CHICAGO,
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


def tx(day: date, hour: int, minute: int = 0) -> datetime:
    return local(day, hour, minute, tz=CHICAGO)


async def texas_child(world: World, **authorization: object) -> None:
    await world.provider("TX-1", program="texas", timezone=CHICAGO)
    await world.family(provider_id="TX-1", **authorization)


async def report(world: World, child_id: str, day: date, *, parent: str | None = None) -> dict:
    body = {
        "event_id": str(uuid4()),
        "child_id": child_id,
        "date": day.isoformat(),
        "reason": "fever",
    }
    if parent:
        return await world.ask(f"parent.{parent}.absence.report", {**body, "provider_id": "TX-1"})
    return await world.ask("provider.TX-1.absence.report", {**body, "operator_id": "OP-1"})


async def test_a_provider_or_a_parent_reports_an_absence_with_a_reason(
    world: World,
) -> None:  # ATT-7
    await texas_child(world)
    by_provider = await report(world, "CH-1", MONDAY)
    by_parent = await report(world, "CH-1", MONDAY + timedelta(days=1), parent="PARENT-1")
    assert by_provider["ok"] and by_parent["ok"] and by_provider["counts_as_absence"]
    events = await world.events_eventually("attendance.absence", 2)
    assert {(e["date"], e["kind"], e["reason"]) for e in events} == {
        (MONDAY.isoformat(), "reported", "fever"),
        ((MONDAY + timedelta(days=1)).isoformat(), "reported", "fever"),
    }
    board = await world.board(MONDAY, "TX-1")
    assert board["children"][0]["absences"][0]["kind"] == "reported"


async def test_an_absence_needs_an_authorized_day_and_no_attendance(world: World) -> None:  # ATT-7
    await texas_child(world)
    world.clock.set(tx(MONDAY, 9))
    assert (await world.tap(at=tx(MONDAY, 8), provider_id="TX-1"))["ok"]
    assert (await report(world, "CH-1", MONDAY))["error"]["code"] == "attendance_exists"
    assert (await report(world, "CH-1", date(2026, 10, 1)))["error"]["code"] == "not_authorized"
    await world.case("CASE-9", "STRANGER")
    stranger = await report(world, "CH-1", MONDAY, parent="STRANGER")
    assert stranger["error"]["code"] == "not_your_child"


async def test_approving_a_day_reported_absent_is_refused(world: World) -> None:  # ATT-2
    await texas_child(world)
    world.clock.set(tx(MONDAY, 18))
    await report(world, "CH-1", MONDAY, parent="PARENT-1")
    # the bus driver's sheet says otherwise; the provider keys it anyway
    recorded = await world.provider_record("in", tx(MONDAY, 8), provider_id="TX-1")
    refused = await world.resolve(recorded["record_id"], "approve")
    assert refused["error"]["code"] == "absence_reported"
    assert (await world.resolve(recorded["record_id"], "delete"))["ok"]


async def test_an_authorized_care_day_with_nothing_reported_is_a_zday(
    world: World,
) -> None:  # ATT-7
    await texas_child(world)
    world.clock.set(tx(MONDAY + timedelta(days=1), 1))
    closed = await world.close_day(MONDAY, "TX-1")
    assert closed["closed"][0]["zdays"] == 1
    [zday] = await world.events_eventually("attendance.absence", 1)
    assert zday["kind"] == "zday" and zday["counts_as_absence"] is True
    assert zday["authorization_id"] == "AUTH-1"
    again = await world.close_day(MONDAY, "TX-1")
    assert again["closed"][0]["zdays"] == 0
    sunday = MONDAY - timedelta(days=1)  # not a care day of the schedule
    assert (await world.close_day(sunday, "TX-1"))["closed"][0]["zdays"] == 0


async def test_no_zday_where_the_child_came_or_was_reported_absent(world: World) -> None:  # ATT-7
    await texas_child(world)
    await world.family(provider_id="TX-1", child_id="CH-2", authorization_id="AUTH-2")
    world.clock.set(tx(MONDAY, 9))
    await world.tap("CH-1", at=tx(MONDAY, 8), provider_id="TX-1")
    await report(world, "CH-2", MONDAY)
    world.clock.set(tx(MONDAY + timedelta(days=1), 1))
    assert (await world.close_day(MONDAY, "TX-1"))["closed"][0]["zdays"] == 0


async def test_colorado_has_no_zdays(world: World) -> None:  # ATT-7
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY + timedelta(days=1), 1))
    assert (await world.close_day(MONDAY))["closed"][0]["zdays"] == 0


async def test_a_documented_outage_or_a_lost_card_zday_is_not_counted(
    world: World,
) -> None:  # ATT-7, ID-9
    await texas_child(world)
    world.clock.set(tx(MONDAY, 10))
    outage = await world.ask(
        "provider.TX-1.outage.report",
        {
            "event_id": str(uuid4()),
            "operator_id": "OP-1",
            "date": MONDAY.isoformat(),
            "reason": "the point of service machine was down",
            "system": "device",
        },
    )
    assert outage == {"ok": True}
    tuesday = MONDAY + timedelta(days=1)
    lost = await world.ask(
        "ops.attendance.lost_card",
        {"event_id": str(uuid4()), "person_id": "PARENT-1", "date": tuesday.isoformat()},
    )
    assert lost == {"ok": True}
    world.clock.set(tx(tuesday + timedelta(days=1), 1))
    await world.close_day(MONDAY, "TX-1")
    await world.close_day(tuesday, "TX-1")
    events = await world.events_eventually("attendance.absence", 2)
    assert [(e["date"], e["counts_as_absence"]) for e in events] == [
        (MONDAY.isoformat(), False),
        (tuesday.isoformat(), False),
    ]
    reasons = {
        a["reason"] for c in (await world.board(tuesday, "TX-1"))["children"] for a in c["absences"]
    }
    assert reasons == {"lost_card"}


async def test_a_card_reported_lost_to_identity_excuses_that_days_zday(
    world: World,
) -> None:  # ID-9, ATT-7: no operator in between
    await texas_child(world)
    tuesday = MONDAY + timedelta(days=1)
    late_evening = tx(tuesday, 23, 30)  # already Wednesday in UTC
    assert await world.card_reported_lost("PARENT-1", late_evening) == tuesday
    world.clock.set(tx(tuesday + timedelta(days=1), 1))
    await world.close_day(MONDAY, "TX-1")
    await world.close_day(tuesday, "TX-1")
    events = await world.events_eventually("attendance.absence", 2)
    assert [(e["date"], e["counts_as_absence"]) for e in events] == [
        (MONDAY.isoformat(), True),  # before the card was lost: a Z-day that counts
        (tuesday.isoformat(), False),
    ]


async def test_the_lost_card_allowance_runs_out(world: World) -> None:  # ATT-7, ID-9
    await texas_child(
        world, schedule={"kind": "fixed", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    )
    await world.ask(
        "ops.attendance.lost_card",
        {"event_id": str(uuid4()), "person_id": "PARENT-1", "date": "2026-11-02"},
    )
    world.clock.set(tx(MONDAY, 1))
    for offset in range(6):  # texas allows 5 days
        await world.close_day(date(2026, 11, 2) + timedelta(days=offset), "TX-1")
    events = await world.events_eventually("attendance.absence", 6)
    assert [e["counts_as_absence"] for e in events] == [False] * 5 + [True]


async def test_passing_the_standard_is_announced_once_leaving_out_excepted_days(
    world: World,
) -> None:  # ATT-8: more than 65 counted absences in the eligibility period
    await texas_child(
        world,
        start_date="2026-01-01",
        end_date="2026-12-31",
        absence_exceptions=[{"kind": "chronic_illness", "from": "2026-01-01", "to": "2026-01-10"}],
    )
    world.clock.set(tx(date(2026, 12, 1), 9))
    weekdays = [
        d for d in (date(2026, 1, 1) + timedelta(days=n) for n in range(200)) if d.weekday() < 5
    ]
    excused = len([d for d in weekdays if d <= date(2026, 1, 10)])
    for day in weekdays[: 65 + excused]:
        assert (await report(world, "CH-1", day))["ok"]
    assert await world.events("attendance.absence_standard_exceeded") == []
    await report(world, "CH-1", weekdays[65 + excused])
    [exceeded] = await world.events_eventually("attendance.absence_standard_exceeded", 1)
    assert exceeded["count"] == 66 and exceeded["standard"] == 65
    assert exceeded["case_id"] == "CASE-1"
    assert (exceeded["period_start"], exceeded["period_end"]) == ("2026-01-01", "2026-12-31")
    await report(world, "CH-1", weekdays[66 + excused])
    assert len(await world.events("attendance.absence_standard_exceeded")) == 1


async def test_protective_services_absences_never_count(world: World) -> None:  # ATT-8
    await texas_child(
        world, start_date="2026-01-01", end_date="2026-12-31", protective_services=True
    )
    world.clock.set(tx(date(2026, 12, 1), 9))
    weekdays = [
        d for d in (date(2026, 1, 1) + timedelta(days=n) for n in range(120)) if d.weekday() < 5
    ]
    for day in weekdays[:67]:
        assert (await report(world, "CH-1", day))["ok"]
    assert await world.events("attendance.absence_standard_exceeded") == []
