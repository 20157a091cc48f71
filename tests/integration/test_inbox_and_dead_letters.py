"""Consumers: idempotent on `event_id` (inbox), and a message that can never be
handled goes to the dead-letter subject with its reason while the consumer goes
on (architecture rule 4)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient

from services.notify import store as notify_store
from shared.batch_consumer import BatchTransaction, Delivery
from shared.contract.base import Event
from shared.db import async_engine
from shared.inbox import first_delivery
from shared.service import ServiceRuntime, Transaction
from shared.settings import Settings
from tests.factories import as_json, authorization_record
from tests.running import eventually, running, stream_messages

pytestmark = pytest.mark.integration

PROBE_SUBJECT = "attendance.kernel_probe"


class Probe(Event):
    subject = PROBE_SUBJECT
    fail: bool = False


async def dead_letters(nc: NatsClient) -> list[dict]:
    msgs = await stream_messages(nc, "DEADLETTER", "deadletter.>")
    return [json.loads(m.data) | {"_subject": m.subject} for m in msgs]


@pytest.fixture
async def probe_runtime(nc: NatsClient, settings: Settings):
    """A real service runtime with one extra consumer that records what it handles."""
    rt = ServiceRuntime("notify", settings, outbox=notify_store.outbox,
                        inbox=notify_store.inbox)
    handled: list[str] = []

    @rt.consume(PROBE_SUBJECT, Probe, durable="kernel-probe")
    async def on_probe(event: Probe, tx: Transaction) -> None:
        if event.fail:
            raise RuntimeError("this probe always fails")
        handled.append(str(event.event_id))

    await rt.start()
    yield handled
    await rt.stop()


def probe(**fields) -> Probe:
    return Probe(occurred_at=datetime.now(UTC), **fields)


async def test_inbox_claims_an_event_once_per_consumer(settings: Settings) -> None:
    engine = async_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            assert await first_delivery(conn, notify_store.inbox, "a", "ev-1")
            assert not await first_delivery(conn, notify_store.inbox, "a", "ev-1")
            assert await first_delivery(conn, notify_store.inbox, "b", "ev-1")
    finally:
        await engine.dispose()


async def test_a_redelivered_event_is_handled_once(probe_runtime, nc: NatsClient) -> None:
    event = probe()
    js = nc.jetstream()
    # Two different message ids get past JetStream's own dedup: the inbox must hold.
    for _ in range(2):
        await js.publish(PROBE_SUBJECT, event.model_dump_json().encode(),
                         headers={"Nats-Msg-Id": str(uuid.uuid4())})
    marker = probe()
    await js.publish(PROBE_SUBJECT, marker.model_dump_json().encode())

    await eventually(lambda: _contains(probe_runtime, str(marker.event_id)))
    assert probe_runtime.count(str(event.event_id)) == 1


async def test_a_failing_event_goes_to_dead_letter_after_its_last_delivery(
    probe_runtime, nc: NatsClient, settings: Settings
) -> None:
    js = nc.jetstream()
    poison = probe(fail=True)
    await js.publish(PROBE_SUBJECT, poison.model_dump_json().encode())
    good = probe()
    await js.publish(PROBE_SUBJECT, good.model_dump_json().encode())

    letters = await eventually(lambda: dead_letters(nc), timeout=20)
    [letter] = letters
    assert letter["_subject"] == f"deadletter.{PROBE_SUBJECT}"
    assert letter["code"] == "delivery_exhausted"
    assert letter["delivered"] == settings.max_deliver
    assert "this probe always fails" in letter["reason"]
    assert json.loads(letter["payload"])["event_id"] == str(poison.event_id)
    assert str(good.event_id) in probe_runtime


async def test_a_malformed_authorization_is_refused_and_the_next_is_handled(
    nc: NatsClient, settings: Settings
) -> None:  # AUTH-1, contract "Conventions": refused with a reason, never half-applied
    async with running(settings, ("authorization",)):
        js = nc.jetstream()
        broken = authorization_record(authorization_id="AUTH-BAD")
        del broken["child"]
        await js.publish("eligibility.authorization", as_json(broken))
        await js.publish("eligibility.authorization", b"{not json")
        await js.publish("eligibility.authorization", as_json(authorization_record()))

        async def handled() -> dict | None:
            reply = await nc.request(
                "authorization.get", b'{"authorization_id": "AUTH-1"}', timeout=5
            )
            body = json.loads(reply.data)
            return body if body["ok"] else None

        assert await eventually(handled)
        letters = await eventually(lambda: _at_least(dead_letters(nc), 2))
        assert {le["_subject"] for le in letters} == {"deadletter.eligibility.authorization"}
        assert all(le["code"] == "malformed_message" for le in letters)
        missing_child = next(le for le in letters if "AUTH-BAD" in le["payload"])
        assert any(e["field"] == "child" for e in missing_child["errors"])
        refused = await nc.request(
            "authorization.get", b'{"authorization_id": "AUTH-BAD"}', timeout=5
        )
        assert json.loads(refused.data)["error"]["code"] == "not_found"


async def _contains(items: list[str], item: str) -> bool:
    return item in items


async def _at_least(coro, count: int):
    items = await coro
    return items if len(items) >= count else None


async def test_an_event_is_handled_without_a_worker_thread(
    probe_runtime, nc: NatsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every consumed event once paid a hop to a worker thread (FastDepends resolving a
    # `NatsMessage` parameter): a third of identity's CPU per tap.
    import anyio.to_thread

    hops: list[object] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    event = probe()
    await nc.jetstream().publish(PROBE_SUBJECT, event.model_dump_json().encode())
    await eventually(lambda: _handled(probe_runtime, event))
    assert hops == []


async def _handled(handled: list[str], event: Probe) -> bool:
    return str(event.event_id) in handled


# --- a whole fetch in one transaction (`rt.consume_batch`) ---------------------------

BATCH_PROBE_SUBJECT = "attendance.kernel_batch_probe"


class BatchProbe(Event):
    subject = BATCH_PROBE_SUBJECT
    fail: bool = False


@pytest.fixture
async def batch_runtime(nc: NatsClient, settings: Settings):
    """A real runtime whose batch consumer records each batch it is handed."""
    rt = ServiceRuntime("notify", settings, outbox=notify_store.outbox, inbox=notify_store.inbox)
    batches: list[list[str]] = []

    @rt.consume_batch(BATCH_PROBE_SUBJECT, BatchProbe, durable="kernel-batch-probe")
    async def on_probes(deliveries: list[Delivery[BatchProbe]], tx: BatchTransaction) -> None:
        if any(d.record.fail for d in deliveries):
            raise RuntimeError("this probe always fails")
        batches.append([d.event_id for d in deliveries])

    await rt.start()
    yield batches
    await rt.stop()


def handled_ids(batches: list[list[str]]) -> list[str]:
    return [event_id for batch in batches for event_id in batch]


async def test_a_batch_consumer_handles_each_event_once(batch_runtime, nc: NatsClient) -> None:
    # architecture rule 4: a redelivered or republished event changes nothing
    js = nc.jetstream()
    events = [BatchProbe(occurred_at=datetime.now(UTC)) for _ in range(30)]
    for event in [*events, *events[:10]]:  # ten sent again under new message ids
        await js.publish(
            BATCH_PROBE_SUBJECT,
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(uuid.uuid4())},
        )
    marker = BatchProbe(occurred_at=datetime.now(UTC))
    await js.publish(BATCH_PROBE_SUBJECT, marker.model_dump_json().encode())

    await eventually(lambda: _contains(handled_ids(batch_runtime), str(marker.event_id)))
    handled = handled_ids(batch_runtime)
    assert sorted(handled) == sorted([str(e.event_id) for e in events] + [str(marker.event_id)])
    assert len(batch_runtime) < len(handled)  # several events to a transaction


async def test_a_batch_consumer_refuses_the_malformed_and_outlives_a_poison_event(
    batch_runtime, nc: NatsClient, settings: Settings
) -> None:  # architecture rule 4: dead letters with the reason, the neighbours handled
    js = nc.jetstream()
    poison = BatchProbe(occurred_at=datetime.now(UTC), fail=True)
    good = [BatchProbe(occurred_at=datetime.now(UTC)) for _ in range(5)]
    await js.publish(BATCH_PROBE_SUBJECT, b'{"event_id": "not a uuid"}')
    for event in [good[0], poison, *good[1:]]:
        await js.publish(BATCH_PROBE_SUBJECT, event.model_dump_json().encode())

    letters = await eventually(lambda: _at_least(dead_letters(nc), 2), timeout=20)
    by_code = {letter["code"]: letter for letter in letters}
    assert set(by_code) == {"malformed_message", "delivery_exhausted"}
    assert any(e["field"] == "event_id" for e in by_code["malformed_message"]["errors"])
    exhausted = by_code["delivery_exhausted"]
    assert exhausted["_subject"] == f"deadletter.{BATCH_PROBE_SUBJECT}"
    assert exhausted["delivered"] == settings.max_deliver
    assert "this probe always fails" in exhausted["reason"]
    assert json.loads(exhausted["payload"])["event_id"] == str(poison.event_id)
    assert set(handled_ids(batch_runtime)) == {str(e.event_id) for e in good}
