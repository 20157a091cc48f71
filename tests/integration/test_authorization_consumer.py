"""The authorization service's batched consumer keeps the kernel's promises
(architecture rule 4): a record the database refuses holds up nobody else, and is
dead-lettered after its last delivery; a redelivered batch changes nothing."""

from __future__ import annotations

import pytest
from nats.aio.client import Client as NatsClient

from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import (
    announced,
    case_record,
    dead_letters,
    get_authorization,
    provider_record,
    push,
    received,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration


async def test_a_record_the_database_refuses_is_dead_lettered_and_the_rest_applied(
    nc: NatsClient, settings: Settings
) -> None:  # rule 4: nothing lost, the consumer goes on
    poison = authorization_record(authorization_id="AUTH-NUL")
    poison["child"] = {**poison["child"], "first_name": "Le\u0000o"}  # valid JSON, not for SQL
    async with running(settings, ("authorization",)):
        await push(nc, "provider", provider_record())
        await push(nc, "case", case_record())
        await push(nc, "authorization", authorization_record(authorization_id="AUTH-1"))
        await push(nc, "authorization", poison)
        await push(nc, "authorization", authorization_record(authorization_id="AUTH-2"))

        for authorization_id in ("AUTH-1", "AUTH-2"):
            assert await eventually(lambda a=authorization_id: announced(nc, a))
        letters = await eventually(lambda: dead_letters(nc), timeout=30)
        [letter] = letters
        assert letter["code"] == "delivery_exhausted"
        assert letter["delivered"] == settings.max_deliver
        assert "AUTH-NUL" in letter["payload"]
        assert (await get_authorization(nc, "AUTH-NUL"))["error"]["code"] == "not_found"


async def test_a_restarted_service_applies_nothing_twice(
    nc: NatsClient, settings: Settings
) -> None:  # rule 4, AUTH-1: redeliveries meet the inbox
    async with running(settings, ("authorization",)):
        await push(nc, "provider", provider_record())
        await push(nc, "case", case_record())
        await push(nc, "authorization", authorization_record())
        await eventually(lambda: announced(nc, "AUTH-1"))
    async with running(settings, ("authorization",)):
        await push(nc, "authorization", authorization_record(version=2))
        answer = await eventually(lambda: received(nc, "AUTH-1", 2))
        assert [h["outcome"] for h in answer["history"]] == ["applied", "applied"]
        assert (await eventually(lambda: announced(nc, "AUTH-1", revision=2)))["version"] == 2
