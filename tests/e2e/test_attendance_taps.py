"""Taps from a kiosk, the phone app and a phone call, through the contract
(ATT-1, AUTH-2, AUTH-3, ATT-6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.attendance_world import MONDAY, World, attendance_world, local

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    async with attendance_world(nc, settings) as running_world:
        yield running_world


async def test_a_kiosk_tap_records_who_where_how_and_when(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    reply = await world.tap(direction="in", at=local(MONDAY, 8, 5))
    assert reply["ok"], reply
    [record] = reply["records"]
    assert record["child_id"] == "CH-1" and record["status"] == "confirmed"
    [event] = await world.events_eventually("attendance.recorded", 1)
    assert event["record_id"] == record["record_id"]
    assert event["channel"] == "kiosk" and event["device_id"] == "KIOSK-1"
    assert event["person_id"] == "PARENT-1" and event["case_id"] == "CASE-1"
    assert event["direction"] == "in"
    assert datetime.fromisoformat(event["occurred_at"]) == local(MONDAY, 8, 5)


async def test_the_app_and_the_phone_are_channels_of_their_own(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    assert (await world.tap(at=local(MONDAY, 8), channel="app", device_id="QR-CO-1"))["ok"]
    assert (await world.tap(direction="out", at=local(MONDAY, 9), channel="ivr"))["ok"]
    events = await world.events_eventually("attendance.recorded", 2)
    assert sorted(e["channel"] for e in events) == ["app", "ivr"]
    board = await world.board(MONDAY)
    [pair] = board["children"][0]["pairs"]
    assert pair["check_in"]["channel"] == "app" and pair["check_out"]["channel"] == "ivr"


async def test_a_resent_event_id_returns_the_first_answer_and_records_nothing(
    world: World,
) -> None:  # ATT-1
    await world.provider()
    await world.family()
    event_id = str(uuid4())
    first = await world.tap(at=local(MONDAY, 8), event_id=event_id)
    again = await world.tap(at=local(MONDAY, 8), event_id=event_id)
    assert first["ok"] and again == first
    board = await world.board(MONDAY)
    assert len(board["children"][0]["pairs"]) == 1
    assert len(await world.events_eventually("attendance.recorded", 1)) == 1
    assert world.identity.asked == 1  # the PIN is not checked again either


async def test_a_child_with_no_authorization_that_day_is_not_authorized(
    world: World,
) -> None:  # AUTH-2
    await world.provider()
    await world.family(start_date="2026-11-10")  # starts the day after
    reply = await world.tap(at=local(MONDAY, 8))
    assert reply["error"]["code"] == "not_authorized"
    assert (await world.board(MONDAY))["children"] == []


async def test_a_cancelled_authorization_or_another_providers_child_is_refused(
    world: World,
) -> None:  # AUTH-2
    await world.provider()
    await world.provider("CO-2")
    await world.family(status="cancelled")
    assert (await world.tap(at=local(MONDAY, 8)))["error"]["code"] == "not_authorized"
    reply = await world.tap(at=local(MONDAY, 8), provider_id="CO-2")
    assert reply["error"]["code"] == "pin_invalid"  # valid elsewhere, not here (ID-4)


async def test_a_late_offline_tap_keeps_when_it_happened(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY, 9) + timedelta(days=2))  # the kiosk comes back online
    reply = await world.tap(direction="in", at=local(MONDAY, 8))
    assert reply["ok"], reply
    [event] = await world.events_eventually("attendance.recorded", 1)
    assert datetime.fromisoformat(event["occurred_at"]) == local(MONDAY, 8)
    assert (await world.board(MONDAY))["children"][0]["pairs"][0]["check_in"]["local_time"] == (
        "08:00"
    )


async def test_a_tap_older_than_the_packs_limit_is_refused_with_a_code(
    world: World,
) -> None:  # ATT-1: colorado allows 72 hours
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY, 9) + timedelta(hours=73))
    reply = await world.tap(at=local(MONDAY, 8))
    assert reply["error"]["code"] == "tap_too_late"
    assert (await world.board(MONDAY))["children"] == []


async def test_an_out_of_order_late_tap_pairs_with_the_other_by_time(
    world: World,
) -> None:  # ATT-1, ATT-4: the check-out arrives before the morning's check-in
    await world.provider()
    await world.family()
    world.clock.set(local(MONDAY, 17, 30))
    assert (await world.tap(direction="out", at=local(MONDAY, 17)))["ok"]
    before = await world.board(MONDAY)
    assert before["children"][0]["errors"] == ["incomplete_pair"]
    world.clock.set(local(MONDAY, 20))
    assert (await world.tap(direction="in", at=local(MONDAY, 7, 45), device_id="KIOSK-2"))["ok"]
    after = (await world.board(MONDAY))["children"][0]
    assert after["errors"] == []
    [pair] = after["pairs"]
    assert pair["check_in"]["local_time"] == "07:45" and pair["check_out"]["local_time"] == "17:00"
    assert pair["minutes"] == 9 * 60 + 15


async def test_a_tap_in_the_future_is_refused(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    reply = await world.tap(at=local(MONDAY, 12))  # the clock says 9:00
    assert reply["error"]["code"] == "time_in_future"


async def test_a_provider_on_hold_keeps_taps_flagged(world: World) -> None:  # AUTH-3
    await world.provider(status="hold")  # colorado: on_hold_tap = record_flagged
    await world.family()
    assert (await world.tap(at=local(MONDAY, 8)))["ok"]
    mark = (await world.board(MONDAY))["children"][0]["pairs"][0]["check_in"]
    assert mark["flagged"] is True


async def test_a_terminated_provider_takes_no_taps(world: World) -> None:  # AUTH-3
    await world.provider(status="terminated")
    await world.family()
    assert (await world.tap(at=local(MONDAY, 8)))["error"]["code"] == "provider_not_active"


async def test_an_unknown_provider_takes_no_taps(world: World) -> None:  # AUTH-3
    await world.family(provider_id="NOWHERE")
    reply = await world.tap(at=local(MONDAY, 8), provider_id="NOWHERE")
    assert reply["error"]["code"] == "provider_not_active"


async def test_a_wrong_pin_or_a_locked_device_records_nothing(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    assert (await world.tap(at=local(MONDAY, 8), pin="99999999"))["error"]["code"] == (
        "pin_invalid"
    )
    world.identity.locked_devices.add("KIOSK-9")
    reply = await world.tap(at=local(MONDAY, 8), device_id="KIOSK-9")
    assert reply["error"]["code"] == "device_locked"
    assert "48151623" not in str(reply)
    assert (await world.board(MONDAY))["children"] == []


async def test_a_child_the_adult_may_not_sign_for_is_refused_whole(
    world: World,
) -> None:  # ATT-1: never misattributed, never half-applied
    await world.provider()
    await world.family()
    await world.family(
        child_id="CH-2",
        case_id="CASE-2",
        person_id="OTHER",
        pin="26159371",
        authorization_id="AUTH-2",
    )
    reply = await world.tap("CH-1", "CH-2", at=local(MONDAY, 8))
    assert reply["error"]["code"] == "not_authorized"
    assert (await world.board(MONDAY))["children"] == []


async def test_one_tap_checks_in_every_child_named(world: World) -> None:  # ATT-1
    await world.provider()
    await world.family()
    await world.family(child_id="CH-2", authorization_id="AUTH-2")
    reply = await world.tap("CH-1", "CH-2", at=local(MONDAY, 8))
    assert sorted(r["child_id"] for r in reply["records"]) == ["CH-1", "CH-2"]
    assert len({r["record_id"] for r in reply["records"]}) == 2


async def test_two_cases_a_tap_goes_to_the_signing_adults_case(world: World) -> None:  # ATT-6
    await world.provider()
    await world.family(
        case_id="CASE-MOM", person_id="MOM", pin="48151623", authorization_id="AUTH-MOM"
    )
    await world.family(
        case_id="CASE-DAD", person_id="DAD", pin="73914682", authorization_id="AUTH-DAD"
    )
    world.clock.set(local(MONDAY, 18))
    assert (await world.tap(at=local(MONDAY, 8), pin="73914682"))["ok"]
    assert (await world.tap(direction="out", at=local(MONDAY, 17), pin="48151623"))["ok"]
    events = await world.events_eventually("attendance.recorded", 2)
    cases = {e["direction"]: (e["case_id"], e["person_id"]) for e in events}
    assert cases == {"in": ("CASE-DAD", "DAD"), "out": ("CASE-MOM", "MOM")}


async def test_a_request_that_is_not_the_contracts_is_refused_with_its_fields(
    world: World,
) -> None:  # ATT-1
    await world.provider()
    reply = await world.ask("kiosk.CO-1.tap", {"pin": "48151623", "child_ids": []})
    assert reply["error"]["code"] == "invalid_request"
    assert "48151623" not in reply["error"]["message"]
