"""The authorization service's batched consumer keeps the kernel's promises
(architecture rule 4, AUTH-1): a record the database refuses holds up nobody in
its batch and is dead-lettered after its last delivery; a crash in the middle of a
batch loses nothing and applies nothing twice; the latest version still wins."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from services.authorization.apply import apply_authorizations
from services.authorization.batch import CopiedBatch
from services.authorization.handlers import BATCH_SIZE
from services.runtime import create_runtime
from shared.batch_consumer import BatchConsumer, BatchTransaction, Delivery
from shared.contract.eligibility import AuthorizationRecord
from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import (
    announced,
    ask,
    case_record,
    dead_letters,
    events,
    get_authorization,
    provider_record,
    push,
    received,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration

CONSUMER = "authorization-eligibility-authorization"


def poisoned(authorization_id: str) -> dict[str, Any]:
    """Valid for the contract, refused by PostgreSQL on every delivery (a NUL character)."""
    record = authorization_record(authorization_id=authorization_id)
    record["child"] = {**record["child"], "first_name": "Le\u0000o"}
    return record


async def settled(nc: NatsClient) -> bool:
    """Every authorization push delivered and acknowledged."""
    info = await nc.jetstream().consumer_info("ELIGIBILITY", CONSUMER)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_poison_record_holds_up_none_of_its_batch(
    nc: NatsClient, settings: Settings
) -> None:  # rule 4: nothing lost, the consumer goes on; AUTH-1: nothing applied twice
    await push(nc, "provider", provider_record())
    await push(nc, "case", case_record())
    # pushed before the service starts, so that its first fetch holds all three
    await push(nc, "authorization", authorization_record(authorization_id="AUTH-1"))
    await push(nc, "authorization", poisoned("AUTH-NUL"))
    await push(nc, "authorization", authorization_record(authorization_id="AUTH-2"))

    async with running(settings, ("authorization",)) as system:
        letters = await eventually(lambda: dead_letters(nc), timeout=30)
        [letter] = letters
        assert letter["_subject"] == "deadletter.eligibility.authorization"
        assert letter["code"] == "delivery_exhausted"
        assert letter["delivered"] == settings.max_deliver
        assert f"failed {settings.max_deliver} times" in letter["reason"]
        assert "AUTH-NUL" in letter["payload"]
        batches = [
            span.attributes["messaging.batch.message_count"]
            for span in system.spans.get_finished_spans()
            if span.name == "eligibility.authorization process"
        ]
        assert batches[0] == 3  # the poison and its neighbours came in one fetch

        for authorization_id in ("AUTH-1", "AUTH-2"):
            answer = await eventually(lambda a=authorization_id: received(nc, a, 1))
            assert [h["outcome"] for h in answer["history"]] == ["applied"]
        assert sorted(e["authorization_id"] for e in await events(nc)) == ["AUTH-1", "AUTH-2"]
        assert (await get_authorization(nc, "AUTH-NUL"))["error"]["code"] == "not_found"

        await push(nc, "authorization", authorization_record(authorization_id="AUTH-3"))
        assert await eventually(lambda: announced(nc, "AUTH-3"))  # the consumer goes on
        assert await eventually(lambda: settled(nc))


class _Crash(BaseException):
    """The process dies here: no handler, retry or acknowledgement runs after it."""


class _DiesAfterCommit(BatchConsumer[AuthorizationRecord]):
    async def _apply(self, deliveries: list[Delivery[AuthorizationRecord]]) -> None:
        await super()._apply(deliveries)
        raise _Crash


async def _crash_in_a_batch(settings: Settings, when: str) -> None:
    """Consume `eligibility.authorization` as the service does, and die in the first
    batch: `before_commit` once its writes are made, `after_commit` before its acks."""
    rt = create_runtime("authorization", settings)

    async def apply(deliveries: list[Delivery[Any]], tx: BatchTransaction) -> None:
        await apply_authorizations(deliveries, tx, now=rt.clock.now())
        if when == "before_commit":
            raise _Crash

    kind = _DiesAfterCommit if when == "after_commit" else BatchConsumer
    consumer = kind(
        rt,
        "eligibility.authorization",
        AuthorizationRecord,
        apply,
        batch_size=BATCH_SIZE,
        transaction=CopiedBatch,
    )
    await rt.broker.start()
    try:
        with pytest.raises(_Crash):
            await consumer.run()
    finally:
        await rt.broker.stop()
        await rt.engine.dispose()
        await rt.loop_engine.dispose()


@pytest.mark.parametrize("when", ["before_commit", "after_commit"])
async def test_a_crash_in_a_batch_loses_nothing_and_applies_nothing_twice(
    nc: NatsClient, settings: Settings, when: str
) -> None:  # rule 4; AUTH-1: pushes out of order in one batch, the latest wins
    settings = settings.model_copy(update={"ack_wait_seconds": 2.0})
    async with running(settings, ("authorization",)):
        await push(nc, "provider", provider_record())
        await push(nc, "case", case_record())
        for subject, body in (
            ("authorization.provider.get", {"provider_id": "CO-1"}),
            ("authorization.case.get", {"case_id": "CASE-1"}),
        ):
            await eventually(lambda s=subject, b=body: _ok(ask(nc, s, b)))
    pushes = [
        authorization_record(authorization_id="AUTH-1", version=2, end_date="2027-06-30"),
        authorization_record(authorization_id="AUTH-1", version=1, end_date="2027-01-31"),
        authorization_record(authorization_id="AUTH-2", version=3, end_date="2027-03-31"),
        authorization_record(authorization_id="AUTH-2", version=2, end_date="2027-02-28"),
        authorization_record(authorization_id="AUTH-3"),
    ]
    for record in pushes:
        await push(nc, "authorization", record)

    await _crash_in_a_batch(settings, when)

    async with running(settings, ("authorization",)):
        await eventually(lambda: settled(nc), timeout=30)  # redelivered after ack_wait
        expected = {
            "AUTH-1": (2, "2027-06-30", ["applied", "stale"]),
            "AUTH-2": (3, "2027-03-31", ["applied", "stale"]),
            "AUTH-3": (1, "2027-04-30", ["applied"]),
        }
        for authorization_id, (version, end, outcomes) in expected.items():
            state = await eventually(lambda a=authorization_id: announced(nc, a))
            assert (state["version"], state["end_date"], state["revision"]) == (version, end, 1)
            answer = await get_authorization(nc, authorization_id)
            assert [h["outcome"] for h in answer["history"]] == outcomes

        async def published() -> list[dict] | None:
            found = await events(nc)
            return found if len(found) >= len(expected) else None

        await eventually(published)
        await asyncio.sleep(0.5)  # time for a duplicate, if one were coming
        announced_ids = sorted(e["authorization_id"] for e in await events(nc))
        assert announced_ids == sorted(expected)  # each announced once
        assert await dead_letters(nc) == []


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


async def _ok(answer_coro) -> dict | None:
    answer = await answer_coro
    return answer if answer.get("ok") else None
