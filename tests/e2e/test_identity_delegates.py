"""Delegates and secondary cardholders through the contract (ID-5), texas limits:
at most 3, none under 16 unless a parent of the child, never the owner, director
or assistant director of the child's provider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract import subjects
from shared.settings import Settings
from tests.identity_world import (
    CHICAGO,
    GOOD_PIN,
    OTHER_PIN,
    adult,
    ask,
    authorization,
    case,
    code,
    links_for,
    newest_link,
    provider,
    publish,
    set_pin,
    settle,
    signin,
)
from tests.running import RunningSystem, running

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)  # 8:00 in Chicago
STAFF = [
    {"first_name": "Olga", "last_name": "Smith", "role": "owner"},
    {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@sunny.org", "role": "director"},
    {"first_name": "Tom", "last_name": "Lee", "role": "admin"},
]
PARENT_CARD = "4000123412341234"


@pytest.fixture
async def texas(nc: NatsClient, settings: Settings) -> AsyncIterator[RunningSystem]:
    """Maria (P-1) on case C-1 with Sofia (CH-1) and Leo (CH-2) at TX-1; Leo's father
    Luis (P-2, 15) on his own case C-2; Nina (CH-3) is someone else's child."""
    async with running(settings, ("identity",), clock=FixedClock(START)) as system:
        await publish(
            nc,
            subjects.PROVIDER_CHANGED,
            provider("TX-1", program="texas", timezone=CHICAGO, staff=STAFF, occurred_at=START),
        )
        for auth, case_id, child, name in (
            ("AU-1", "C-1", "CH-1", "Sofia"),
            ("AU-2", "C-1", "CH-2", "Leo"),
            ("AU-3", "C-2", "CH-2", "Leo"),
            ("AU-4", "C-3", "CH-3", "Nina"),
        ):
            await publish(
                nc,
                subjects.AUTHORIZATION_CHANGED,
                authorization(
                    auth,
                    case_id=case_id,
                    child_id=child,
                    provider_id="TX-1",
                    first_name=name,
                    occurred_at=START,
                ),
            )
        await publish(
            nc,
            subjects.ELIGIBILITY_CASE,
            case("C-1", [adult("P-1", "Maria", card_number=PARENT_CARD)]),
        )
        await publish(
            nc,
            subjects.ELIGIBILITY_CASE,
            case("C-2", [adult("P-2", "Luis", last_name="Vega", birth_date="2011-03-01")]),
        )
        await publish(nc, subjects.ELIGIBILITY_CASE, case("C-3", [adult("P-3", "Eva")]))
        await settle(nc)
        yield system


def delegate(first: str, last: str = "Diaz", **more: Any) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "birth_date": "1980-01-01",
        "language": "en",
        **more,
    }


async def add(
    nc: NatsClient,
    person: dict[str, Any],
    child_ids: list[str] | None = None,
    parent: str = "P-1",
    event_id: str | None = None,
) -> dict[str, Any]:
    return await ask(
        nc,
        subjects.parent_subject(parent, subjects.DELEGATES_ADD),
        {
            "event_id": event_id or str(uuid.uuid4()),
            "delegate": person,
            "child_ids": child_ids or ["CH-1"],
        },
    )


async def remove(nc: NatsClient, person_id: str, parent: str = "P-1") -> dict[str, Any]:
    return await ask(
        nc,
        subjects.parent_subject(parent, subjects.DELEGATES_REMOVE),
        {"event_id": str(uuid.uuid4()), "person_id": person_id},
    )


async def test_at_most_three_delegates_and_a_removal_frees_a_place(
    texas: RunningSystem, nc: NatsClient
) -> None:  # ID-5 (texas: up to three secondary cardholders)
    added = [await add(nc, delegate(name)) for name in ("Rosa", "Pedro", "Lucia")]
    assert all(reply["ok"] for reply in added)
    assert len({reply["person_id"] for reply in added}) == 3
    assert all(len(reply["card_number"]) == 16 for reply in added)  # secondary cardholders

    assert code(await add(nc, delegate("Carmen"))) == "too_many_delegates"
    assert (await add(nc, delegate("Rosa"), ["CH-1", "CH-2"]))["person_id"] == added[0][
        "person_id"
    ]  # the same delegate for one more child is not a fourth

    assert await remove(nc, added[1]["person_id"]) == {"ok": True}
    assert (await add(nc, delegate("Carmen")))["ok"]
    assert code(await remove(nc, added[1]["person_id"])) == "not_found"


async def test_nobody_under_16_unless_a_parent_of_the_child(
    texas: RunningSystem, nc: NatsClient
) -> None:  # ID-5
    teen = delegate("Ines", birth_date="2011-01-01")  # 15
    assert code(await add(nc, teen)) == "delegate_too_young"

    luis = delegate("Luis", "Vega", birth_date="2011-03-01")  # 15, Leo's father
    assert code(await add(nc, luis, ["CH-1"])) == "delegate_too_young"  # not Sofia's parent
    answer = await add(nc, luis, ["CH-2"])
    assert answer["ok"] and answer["person_id"] == "P-2"  # the same adult, one PIN


async def test_never_the_owner_director_or_assistant_director(
    texas: RunningSystem, nc: NatsClient
) -> None:  # ID-5
    assert code(await add(nc, delegate("Olga", "Smith"))) == "delegate_is_facility_staff"
    assert code(await add(nc, delegate("ANA", "ruiz"))) == "delegate_is_facility_staff"
    by_email = delegate("Anita", "Perez", email="ana@sunny.org")
    assert code(await add(nc, by_email)) == "delegate_is_facility_staff"
    assert (await add(nc, delegate("Tom", "Lee")))["ok"]  # an admin is not barred


async def test_only_for_ones_own_children(texas: RunningSystem, nc: NatsClient) -> None:  # ID-5
    assert code(await add(nc, delegate("Rosa"), ["CH-3"])) == "not_your_child"
    assert code(await add(nc, delegate("Rosa"), ["CH-1", "CH-3"])) == "not_your_child"
    rosa = await add(nc, delegate("Rosa"))
    assert code(await add(nc, delegate("Pedro"), parent=rosa["person_id"])) == "not_your_child"


async def test_a_delegate_sets_a_pin_and_signs_only_the_childs_they_were_given(
    texas: RunningSystem, nc: NatsClient
) -> None:  # ID-5, ID-3, ID-4, ID-9
    rosa = await add(nc, delegate("Rosa", email="rosa@example.org", language="es"))
    link = await newest_link(nc, rosa["person_id"])
    assert (link["first_name"], link["email"], link["language"]) == (
        "Rosa",
        "rosa@example.org",
        "es",
    )
    assert await set_pin(nc, link["link_token"], OTHER_PIN) == {"ok": True}

    card = rosa["card_number"]
    answer = await signin(nc, "TX-1", OTHER_PIN, card=card)
    assert [c["child_id"] for c in answer["children"]] == ["CH-1"]
    assert code(await signin(nc, "TX-1", OTHER_PIN)) == "pin_invalid"  # texas: card and PIN

    assert await remove(nc, rosa["person_id"]) == {"ok": True}
    assert code(await signin(nc, "TX-1", OTHER_PIN, card=card)) == "pin_invalid"


async def test_a_resent_request_is_applied_once(texas: RunningSystem, nc: NatsClient) -> None:
    # ID-5: the same event_id returns the first answer, without a second delegate
    event_id = str(uuid.uuid4())
    first = await add(nc, delegate("Rosa"), event_id=event_id)
    again = await add(nc, delegate("Rosa"), event_id=event_id)
    assert again["person_id"] == first["person_id"]
    assert again["card_number"].endswith(first["card_number"][-4:])
    assert set(again["card_number"][:-4]) == {"X"}  # the whole number is shown once
    await newest_link(nc, first["person_id"])  # the relay publishes after the commit
    assert len(await links_for(nc, first["person_id"])) == 1


async def test_the_parent_card_and_pin_sign_both_children(
    texas: RunningSystem, nc: NatsClient
) -> None:  # ID-9, ID-4
    link = await newest_link(nc, "P-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}
    answer = await signin(nc, "TX-1", GOOD_PIN, card=PARENT_CARD)
    assert [c["first_name"] for c in answer["children"]] == ["Leo", "Sofia"]
