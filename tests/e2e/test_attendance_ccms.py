"""Days from a provider's own software, the approved CCMS route (ATT-1, AUTH-2,
BILL-2), through the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
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


async def send(world: World, *records: dict, provider_id: str = "AZ-1", event_id: str = ""):
    return await world.ask(
        f"provider.{provider_id}.attendance.import",
        {
            "event_id": event_id or str(uuid4()),
            "operator_id": "OP-1",
            "source": "BrightWheel 4.2",
            "records": list(records),
        },
    )


def day(
    key: str,
    when: date,
    check_in: str = "07:30",
    check_out: str | None = "17:00",
    child_id: str = "CH-1",
    **extra: str,
) -> dict:
    record = {"record_key": key, "child_id": child_id, "date": when.isoformat(), "in": check_in}
    if check_out:
        record["out"] = check_out
    return {**record, **extra}


async def ready(world: World) -> None:
    await world.provider("AZ-1", program="arizona", timezone=PHOENIX)
    await world.family(provider_id="AZ-1")
    world.clock.set(local(MONDAY + timedelta(days=3), 12, tz=PHOENIX))


async def test_accepted_days_are_confirmed_and_announced_like_any_attendance(
    world: World,
) -> None:  # ATT-1
    await ready(world)
    reply = await send(
        world, day("K-1", MONDAY), day("K-2", MONDAY + timedelta(days=1), "08:00", None)
    )
    assert reply == {"ok": True, "accepted": ["K-1", "K-2"], "refused": []}
    events = await world.events_eventually("attendance.recorded", 3)
    assert {e["channel"] for e in events} == {"ccms"} and {e["status"] for e in events} == {
        "confirmed"
    }
    [pair] = (await world.board(MONDAY, "AZ-1"))["children"][0]["pairs"]
    assert pair["check_in"]["local_time"] == "07:30" and pair["check_out"]["local_time"] == "17:00"
    history = await world.history(pair["check_in"]["record_id"], "AZ-1")
    assert history["history"][0]["source"] == "BrightWheel 4.2"


async def test_each_record_key_is_applied_once_ever(world: World) -> None:  # ATT-1
    await ready(world)
    event_id = str(uuid4())
    first = await send(world, day("K-1", MONDAY), event_id=event_id)
    assert await send(world, day("K-1", MONDAY), event_id=event_id) == first  # a resend
    later = await send(world, day("K-1", MONDAY, "07:00"), day("K-3", MONDAY + timedelta(days=1)))
    assert later["accepted"] == ["K-3"]
    assert later["refused"] == [{"record_key": "K-1", "code": "record_key_used"}]
    assert len((await world.board(MONDAY, "AZ-1"))["children"][0]["pairs"]) == 1


async def test_refused_days_come_back_with_their_codes(world: World) -> None:  # AUTH-2, ATT-4
    await ready(world)
    reply = await send(
        world,
        day("K-ok", MONDAY),
        day("K-stranger", MONDAY, child_id="CH-404"),
        day("K-before", date(2026, 10, 30)),  # the authorization starts on 1 November
        day("K-backwards", MONDAY + timedelta(days=1), "17:00", "08:00"),
        day("K-future", MONDAY + timedelta(days=5)),
        day("K-case", MONDAY + timedelta(days=2), case_id="CASE-OTHER"),
    )
    assert reply["accepted"] == ["K-ok"]
    assert {r["record_key"]: r["code"] for r in reply["refused"]} == {
        "K-stranger": "not_authorized",
        "K-before": "not_authorized",
        "K-backwards": "out_of_sequence",
        "K-future": "time_in_future",
        "K-case": "not_authorized",
    }


async def test_any_day_of_a_month_not_yet_submitted_is_taken(world: World) -> None:  # BILL-2
    await world.provider("AZ-1", program="arizona", timezone=PHOENIX)
    await world.family(provider_id="AZ-1", start_date="2026-09-01")
    world.clock.set(local(MONDAY, 12, tz=PHOENIX))
    await world.month_submitted("AZ-1", "2026-09", "CH-1")
    reply = await send(world, day("K-sep", date(2026, 9, 15)), day("K-oct", date(2026, 10, 2)))
    assert reply["accepted"] == ["K-oct"]  # five weeks back: no tap limit for the software
    assert reply["refused"] == [{"record_key": "K-sep", "code": "already_submitted"}]


async def test_two_cases_the_software_must_name_the_case(world: World) -> None:  # ATT-6
    await ready(world)
    await world.family(
        provider_id="AZ-1",
        case_id="CASE-2",
        person_id="DAD",
        pin="73914682",
        authorization_id="AUTH-2",
    )
    reply = await send(
        world, day("K-1", MONDAY), day("K-2", MONDAY + timedelta(days=1), case_id="CASE-2")
    )
    assert reply["accepted"] == ["K-2"]
    assert reply["refused"] == [{"record_key": "K-1", "code": "case_required"}]


async def test_a_terminated_provider_takes_nothing(world: World) -> None:  # AUTH-3
    await world.provider("AZ-1", program="arizona", timezone=PHOENIX, status="terminated")
    await world.family(provider_id="AZ-1")
    reply = await send(world, day("K-1", MONDAY))
    assert reply["error"]["code"] == "provider_not_active"
