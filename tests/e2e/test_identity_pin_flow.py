"""The SET PIN flow through the contract: a case pushed, a link issued, a PIN set, a
kiosk sign-in at the child's provider and nowhere else, the device lock, and a
reminder with a new link after 24 hours (ID-1..ID-4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract import subjects
from shared.settings import Settings
from tests.identity_world import (
    GOOD_PIN,
    OTHER_PIN,
    adult,
    ask,
    authorization,
    case,
    code,
    events_on,
    newest_link,
    provider,
    publish,
    set_pin,
    settle,
    signin,
)
from tests.running import RunningSystem, eventually, running

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)  # a Monday, 8:00 in Denver


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def identity(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> AsyncIterator[RunningSystem]:
    async with running(settings, ("identity",), clock=clock) as system:
        yield system


async def family(nc: NatsClient) -> None:
    """Maria and Jose on case C-1; Sofia authorized at CO-1; CO-2 is another provider."""
    for provider_id in ("CO-1", "CO-2"):
        await publish(nc, subjects.PROVIDER_CHANGED, provider(provider_id, occurred_at=START))
    await publish(
        nc,
        subjects.AUTHORIZATION_CHANGED,
        authorization(
            "AU-1", case_id="C-1", child_id="CH-1", provider_id="CO-1", occurred_at=START
        ),
    )
    await publish(
        nc,
        subjects.ELIGIBILITY_CASE,
        case("C-1", [adult("A-1", "Maria", language="es"), adult("A-2", "Jose")]),
    )
    await settle(nc)


async def test_case_link_pin_and_signin_at_the_childs_provider_only(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-3, ID-1, ID-2, ID-4
    await family(nc)

    link = await newest_link(nc, "A-1")  # ID-3: the first time an adult appears
    assert link["reminder"] is False
    assert link["first_name"] == "Maria"
    assert link["email"] == "a-1@example.org"
    assert link["language"] == "es"
    assert datetime.fromisoformat(link["expires_at"]) == START + timedelta(hours=24)

    assert code(await set_pin(nc, link["link_token"], "12345678")) == "pin_sequential"  # ID-1
    assert code(await set_pin(nc, link["link_token"], GOOD_PIN, OTHER_PIN)) == "pin_mismatch"
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}
    assert code(await set_pin(nc, link["link_token"], OTHER_PIN)) == "link_used"  # ID-3: once

    pin_set = await eventually(lambda: events_on(nc, "identity.pin_set"))  # once relayed
    assert [e["person_id"] for e in pin_set] == ["A-1"]
    assert GOOD_PIN not in str(pin_set)

    here = await signin(nc, "CO-1", GOOD_PIN)  # ID-4
    assert here == {
        "ok": True,
        "adult": {"person_id": "A-1", "first_name": "Maria"},
        "children": [{"child_id": "CH-1", "first_name": "Sofia", "checked_in": False}],
    }
    elsewhere = await signin(nc, "CO-2", GOOD_PIN)  # ID-4: no child at CO-2
    wrong = await signin(nc, "CO-2", OTHER_PIN, device="kiosk-2")
    assert code(elsewhere) == code(wrong) == "pin_invalid"
    assert elsewhere["error"]["message"] == wrong["error"]["message"]


async def test_a_pin_in_use_is_refused_without_saying_whose(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-2
    await family(nc)
    maria = await newest_link(nc, "A-1")
    jose = await newest_link(nc, "A-2")
    assert await set_pin(nc, maria["link_token"], GOOD_PIN) == {"ok": True}

    refused = await set_pin(nc, jose["link_token"], GOOD_PIN)
    assert code(refused) == "pin_in_use"
    assert "A-1" not in str(refused) and "Maria" not in str(refused)
    assert await set_pin(nc, jose["link_token"], OTHER_PIN) == {"ok": True}
    assert (await signin(nc, "CO-1", OTHER_PIN))["adult"]["person_id"] == "A-2"


async def test_five_failures_lock_the_device_for_fifteen_minutes(
    identity: RunningSystem, nc: NatsClient, clock: FixedClock
) -> None:  # ID-2: numbers from the colorado pack (5 in 15 minutes, locked 15)
    await family(nc)
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    for attempt in range(5):
        clock.advance(timedelta(minutes=2))
        assert code(await signin(nc, "CO-1", OTHER_PIN, device="K-1")) == "pin_invalid", attempt
    assert code(await signin(nc, "CO-1", GOOD_PIN, device="K-1")) == "device_locked"
    assert (await signin(nc, "CO-1", GOOD_PIN, device="K-2"))["ok"]  # another device is free
    assert code(await signin(nc, "CO-1", GOOD_PIN, device="K-1")) == "device_locked"

    clock.advance(timedelta(minutes=15))
    assert (await signin(nc, "CO-1", GOOD_PIN, device="K-1"))["ok"]


async def test_a_success_does_not_reset_another_devices_count(
    identity: RunningSystem, nc: NatsClient, clock: FixedClock
) -> None:  # ID-2
    await family(nc)
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    for _ in range(4):
        assert code(await signin(nc, "CO-1", OTHER_PIN, device="K-1")) == "pin_invalid"
    assert (await signin(nc, "CO-1", GOOD_PIN, device="K-2"))["ok"]
    assert (await signin(nc, "CO-1", GOOD_PIN, device="K-1"))["ok"]  # 4 failures: not locked
    assert code(await signin(nc, "CO-1", OTHER_PIN, device="K-1")) == "pin_invalid"
    assert code(await signin(nc, "CO-1", GOOD_PIN, device="K-1")) == "device_locked"


async def test_an_expired_link_gets_a_reminder_with_a_new_link(
    identity: RunningSystem, nc: NatsClient, clock: FixedClock
) -> None:  # ID-3
    await family(nc)
    first = await newest_link(nc, "A-1")
    clock.advance(timedelta(hours=25))
    as_of = clock.now().isoformat()

    answer = await ask(nc, subjects.OPS_REMIND_LINKS, {"as_of": as_of})
    assert answer == {"ok": True, "reminded": 2}  # Maria and Jose
    again = await ask(nc, subjects.OPS_REMIND_LINKS, {"as_of": as_of})
    assert again == {"ok": True, "reminded": 0}  # the same moment twice changes nothing

    reminder = await newest_link(nc, "A-1", count=2)
    assert reminder["reminder"] is True
    assert reminder["link_token"] != first["link_token"]
    assert code(await set_pin(nc, first["link_token"], GOOD_PIN)) == "link_expired"
    assert await set_pin(nc, reminder["link_token"], GOOD_PIN) == {"ok": True}
    assert (await signin(nc, "CO-1", GOOD_PIN))["ok"]


async def test_an_unknown_link_is_refused(identity: RunningSystem, nc: NatsClient) -> None:
    # ID-3
    assert code(await set_pin(nc, "no-such-token", GOOD_PIN)) == "link_unknown"
