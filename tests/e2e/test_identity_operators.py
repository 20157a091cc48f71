"""Provider administrators and operators through the contract (ID-7, ID-8): a staff
member registers with their names exactly as on the state record and a one-time
code sent by email; administrators create operators at their own provider only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.identity import (
    ADMIN_REGISTER,
    OPERATOR_VERIFY,
    OPERATORS_CREATE,
    OPERATORS_DEACTIVATE,
    OPERATORS_LIST,
    OPS_REGISTRATION_CODE,
    provider_identity_subject,
)
from shared.settings import Settings
from tests.identity_world import PHOENIX, ask, code, events_on, provider, publish, settle
from tests.running import RunningSystem, eventually, running

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)
STAFF = [
    {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@sunny.org", "role": "director"},
    {"first_name": "Tom", "last_name": "Lee", "role": "admin"},
]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def providers(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> AsyncIterator[RunningSystem]:
    async with running(settings, ("identity",), clock=clock) as system:
        for provider_id in ("AZ-1", "AZ-2"):
            await publish(
                nc,
                "authorization.provider_changed",
                provider(
                    provider_id,
                    program="arizona",
                    timezone=PHOENIX,
                    staff=STAFF,
                    email="office@sunny.org",
                    occurred_at=START,
                ),
            )
        await settle(nc)
        yield system


async def send_code(
    nc: NatsClient, first: str = "Ana", last: str = "Ruiz", provider_id: str = "AZ-1"
) -> dict[str, Any]:
    return await ask(
        nc,
        OPS_REGISTRATION_CODE,
        {
            "provider_id": provider_id,
            "first_name": first,
            "last_name": last,
            "operator_id": "state-admin-1",
        },
    )


async def codes_sent(nc: NatsClient, count: int) -> list[dict[str, Any]] | None:
    found = await events_on(nc, "identity.registration_code_issued")
    return found if len(found) >= count else None


async def registered(
    nc: NatsClient, secret: str, first: str = "Ana", last: str = "Ruiz", provider_id: str = "AZ-1"
) -> dict[str, Any]:
    return await ask(
        nc,
        provider_identity_subject(provider_id, ADMIN_REGISTER),
        {"first_name": first, "last_name": last, "code": secret},
    )


async def admin(nc: NatsClient) -> str:
    assert (await send_code(nc))["ok"]
    [sent] = await eventually(lambda: codes_sent(nc, 1))
    answer = await registered(nc, sent["code"])
    return answer["operator"]["operator_id"]


async def create(
    nc: NatsClient, actor: str, first: str = "Lia", provider_id: str = "AZ-1", **more: Any
) -> dict[str, Any]:
    return await ask(
        nc,
        provider_identity_subject(provider_id, OPERATORS_CREATE),
        {
            "event_id": str(uuid.uuid4()),
            "operator_id": actor,
            "operator": {"first_name": first, "last_name": "Ortiz", **more},
        },
    )


async def test_a_staff_member_registers_once_with_the_code_sent(
    providers: RunningSystem, nc: NatsClient
) -> None:  # ID-8
    sent = await send_code(nc)
    assert sent["ok"] and datetime.fromisoformat(sent["expires_at"]) == START + timedelta(hours=24)
    [event] = await eventually(lambda: codes_sent(nc, 1))
    assert (event["email"], event["first_name"], event["provider_id"]) == (
        "ana@sunny.org",
        "Ana",
        "AZ-1",
    )

    assert code(await registered(nc, event["code"], first="ana")) == "registration_code_invalid"
    assert code(await registered(nc, event["code"], provider_id="AZ-2")) == (
        "registration_code_invalid"
    )
    answer = await registered(nc, event["code"])
    assert answer["ok"]
    assert answer["operator"]["role"] == "provider_admin"
    assert answer["operator"]["provider_id"] == "AZ-1"
    assert code(await registered(nc, event["code"])) == "registration_code_used"  # never again


async def test_only_names_exactly_on_the_staff_list_get_a_code(
    providers: RunningSystem, nc: NatsClient
) -> None:  # ID-8
    assert code(await send_code(nc, "ana", "ruiz")) == "not_on_staff_list"
    assert code(await send_code(nc, "Eva", "Ruiz")) == "not_on_staff_list"
    assert code(await send_code(nc, provider_id="AZ-9")) == "not_found"
    assert (await send_code(nc, "Tom", "Lee"))["ok"]  # no email of his own: the provider's
    [event] = await eventually(lambda: codes_sent(nc, 1))
    assert event["email"] == "office@sunny.org"


async def test_a_code_dies_after_24_hours_or_when_a_new_one_is_sent(
    providers: RunningSystem, nc: NatsClient, clock: FixedClock
) -> None:  # ID-8
    await send_code(nc)
    await send_code(nc)
    first, second = await eventually(lambda: codes_sent(nc, 2))
    assert code(await registered(nc, first["code"])) == "registration_code_expired"
    clock.advance(timedelta(hours=24))
    assert code(await registered(nc, second["code"])) == "registration_code_expired"


async def test_administrators_create_operators_at_their_own_provider_only(
    providers: RunningSystem, nc: NatsClient
) -> None:  # ID-7
    ana = await admin(nc)
    lia = await create(nc, ana)
    assert lia["ok"] and lia["operator"]["role"] == "provider_operator"
    lia_id = lia["operator"]["operator_id"]

    assert code(await create(nc, lia_id, "Max")) == "not_provider_admin"
    assert code(await create(nc, ana, "Max", provider_id="AZ-2")) == "operator_unknown"
    second_admin = await create(nc, ana, "Eli", role="provider_admin")
    assert second_admin["operator"]["role"] == "provider_admin"

    listed = await ask(
        nc, provider_identity_subject("AZ-1", OPERATORS_LIST), {"operator_id": lia_id}
    )
    assert {o["first_name"] for o in listed["operators"]} == {"Ana", "Lia", "Eli"}
    elsewhere = await ask(
        nc, provider_identity_subject("AZ-2", OPERATORS_LIST), {"operator_id": lia_id}
    )
    assert code(elsewhere) == "operator_unknown"  # nobody reads another provider's data


async def test_an_administrator_ends_an_operators_access_but_not_their_own(
    providers: RunningSystem, nc: NatsClient
) -> None:  # ID-7
    ana = await admin(nc)
    lia = (await create(nc, ana))["operator"]["operator_id"]

    async def deactivate(target: str) -> dict[str, Any]:
        return await ask(
            nc,
            provider_identity_subject("AZ-1", OPERATORS_DEACTIVATE),
            {"event_id": str(uuid.uuid4()), "operator_id": ana, "target_operator_id": target},
        )

    async def verify(operator_id: str, provider_id: str = "AZ-1") -> dict[str, Any]:
        return await ask(
            nc, OPERATOR_VERIFY, {"provider_id": provider_id, "operator_id": operator_id}
        )

    assert (await verify(lia))["operator"]["role"] == "provider_operator"
    assert code(await verify(lia, "AZ-2")) == "operator_unknown"
    assert code(await deactivate(ana)) == "operator_is_self"
    ended = await deactivate(lia)
    assert ended["ok"] and ended["operator"]["active"] is False
    assert code(await verify(lia)) == "operator_unknown"
    assert code(await create(nc, lia, "Max")) == "operator_unknown"
