"""The credential each program uses, through the contract: arizona sponsors sign in
with their ten-digit phone and PIN (ID-6); texas adults with card and PIN, and a
lost card is void at once and replaced (ID-9)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract import subjects
from shared.settings import Settings
from tests.identity_world import (
    CHICAGO,
    GOOD_PIN,
    PHOENIX,
    adult,
    ask,
    authorization,
    case,
    code,
    newest_link,
    provider,
    publish,
    set_pin,
    settle,
    signin,
)
from tests.running import RunningSystem, eventually, running, stream_messages

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
SPONSOR_PHONE = "6025550101"
CARD = "4000123412341234"


@pytest.fixture
async def world(nc: NatsClient, settings: Settings) -> AsyncIterator[RunningSystem]:
    """Marta, a sponsor at AZ-1 (arizona); Maria, with a card at TX-1 (texas); both have
    set their PIN."""
    async with running(settings, ("identity",), clock=FixedClock(START)) as system:
        await publish(
            nc,
            subjects.PROVIDER_CHANGED,
            provider("AZ-1", program="arizona", timezone=PHOENIX, occurred_at=START),
        )
        await publish(
            nc,
            subjects.PROVIDER_CHANGED,
            provider("TX-1", program="texas", timezone=CHICAGO, occurred_at=START),
        )
        for auth, case_id, child, provider_id in (
            ("AU-1", "C-AZ", "CH-1", "AZ-1"),
            ("AU-2", "C-TX", "CH-2", "TX-1"),
        ):
            await publish(
                nc,
                subjects.AUTHORIZATION_CHANGED,
                authorization(
                    auth,
                    case_id=case_id,
                    child_id=child,
                    provider_id=provider_id,
                    occurred_at=START,
                ),
            )
        await publish(
            nc,
            subjects.ELIGIBILITY_CASE,
            case("C-AZ", [adult("S-1", "Marta", phone=f"+1{SPONSOR_PHONE}")]),
        )
        await publish(
            nc, subjects.ELIGIBILITY_CASE, case("C-TX", [adult("T-1", "Maria", card_number=CARD)])
        )
        await settle(nc)
        for person, pin in (("S-1", GOOD_PIN), ("T-1", "36925814")):
            link = await newest_link(nc, person)
            assert await set_pin(nc, link["link_token"], pin) == {"ok": True}
        yield system


async def test_an_arizona_sponsor_signs_in_with_phone_and_pin(
    world: RunningSystem, nc: NatsClient
) -> None:  # ID-6
    answer = await signin(nc, "AZ-1", GOOD_PIN, phone=SPONSOR_PHONE)
    assert answer["ok"] and answer["adult"]["person_id"] == "S-1"
    assert (await signin(nc, "AZ-1", GOOD_PIN, phone=f"1{SPONSOR_PHONE}"))["ok"]

    assert code(await signin(nc, "AZ-1", GOOD_PIN, phone="6025550199")) == "pin_invalid"
    assert code(await signin(nc, "AZ-1", GOOD_PIN)) == "pin_invalid"  # the phone is needed
    assert code(await signin(nc, "AZ-1", "36925814", phone=SPONSOR_PHONE)) == "pin_invalid"


async def test_a_texas_adult_signs_in_with_card_and_pin(
    world: RunningSystem, nc: NatsClient
) -> None:  # ID-9
    assert (await signin(nc, "TX-1", "36925814", card=CARD))["adult"]["person_id"] == "T-1"
    assert code(await signin(nc, "TX-1", "36925814")) == "pin_invalid"
    assert code(await signin(nc, "TX-1", "36925814", card="4000123412349999")) == "pin_invalid"


async def test_a_lost_card_stops_at_once_and_the_replacement_works(
    world: RunningSystem, nc: NatsClient
) -> None:  # ID-9
    report = await ask(
        nc,
        subjects.parent_subject("T-1", subjects.CARD_REPORT_LOST),
        {"event_id": str(uuid.uuid4())},
    )
    assert report["ok"]
    new_card = report["card_number"]
    assert new_card != CARD and len(new_card) == 16

    assert code(await signin(nc, "TX-1", "36925814", card=CARD)) == "pin_invalid"
    assert (await signin(nc, "TX-1", "36925814", card=new_card))["ok"]

    # the state pushes the case again with the old number: it stays void
    await publish(
        nc,
        subjects.ELIGIBILITY_CASE,
        case("C-TX", [adult("T-1", "Maria", card_number=CARD)], version=2),
    )
    await settle(nc)
    assert code(await signin(nc, "TX-1", "36925814", card=CARD)) == "pin_invalid"
    assert (await signin(nc, "TX-1", "36925814", card=new_card))["ok"]


async def test_a_lost_card_is_announced_without_any_card_number(
    world: RunningSystem, nc: NatsClient
) -> None:  # ID-9, ATT-7: attendance starts the lost-card allowance from this event
    report = await ask(
        nc,
        subjects.parent_subject("T-1", subjects.CARD_REPORT_LOST),
        {"event_id": str(uuid.uuid4())},
    )
    announced = await eventually(
        lambda: stream_messages(nc, "IDENTITY_CARDS", subjects.CARD_REPORTED_LOST)
    )
    assert len(announced) == 1
    body = json.loads(announced[0].data)
    assert body["person_id"] == "T-1"
    assert datetime.fromisoformat(body["occurred_at"]) == START
    raw = announced[0].data.decode()
    assert CARD not in raw and report["card_number"] not in raw


async def test_no_card_to_report_lost(world: RunningSystem, nc: NatsClient) -> None:  # ID-9
    report = await ask(
        nc,
        subjects.parent_subject("S-1", subjects.CARD_REPORT_LOST),
        {"event_id": str(uuid.uuid4())},
    )
    assert code(report) == "card_not_issued"


async def test_an_arizona_sponsor_needs_their_own_phone(
    world: RunningSystem, nc: NatsClient
) -> None:  # ID-6: each sponsor is identified by a unique ten-digit phone number
    def sponsor(phone: str | None) -> dict:
        body = {
            "first_name": "Rosa",
            "last_name": "Diaz",
            "birth_date": "1980-01-01",
            "language": "en",
        }
        return {**body, "phone": phone} if phone else body

    async def add(person: dict) -> dict:
        return await ask(
            nc,
            subjects.parent_subject("S-1", subjects.DELEGATES_ADD),
            {"event_id": str(uuid.uuid4()), "delegate": person, "child_ids": ["CH-1"]},
        )

    assert code(await add(sponsor(None))) == "delegate_phone_required"
    assert code(await add(sponsor(SPONSOR_PHONE))) == "phone_in_use"
    rosa = await add(sponsor("6025550177"))
    assert rosa["ok"] and rosa["card_number"] is None  # arizona issues no cards

    link = await newest_link(nc, rosa["person_id"])
    assert link["phone"] == "6025550177"
    assert await set_pin(nc, link["link_token"], "73519264") == {"ok": True}
    assert (await signin(nc, "AZ-1", "73519264", phone="6025550177"))["ok"]
