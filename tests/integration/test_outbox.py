"""The transactional outbox and its relay, against real PostgreSQL and NATS
(architecture rule 4: nothing lost, nothing done twice)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import func, select, update

from services.authorization import store
from shared.bus.streams import declare_streams, stream_for
from shared.contract.events import AuthorizationChanged
from shared.db import async_engine
from shared.outbox import OutboxRelay, add_to_outbox
from shared.settings import Settings
from tests.factories import authorization_record
from tests.running import eventually, stream_messages

pytestmark = pytest.mark.integration


def changed(version: int = 1) -> AuthorizationChanged:
    return AuthorizationChanged.model_validate(
        {**authorization_record(version=version), "occurred_at": datetime.now(UTC),
         "changes": ["status"]}
    )


@pytest.fixture
async def engine(settings: Settings):
    engine = async_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def relay(engine, nc: NatsClient) -> OutboxRelay:
    js = nc.jetstream()

    async def publish(payload: bytes, subject: str, headers: dict[str, str]):
        return await js.publish_async(subject, payload, headers=headers,
                                      stream=stream_for(subject))

    return OutboxRelay(engine, store.outbox, publish, ack_timeout=2)


async def stored(nc: NatsClient) -> list:
    return await stream_messages(nc, "AUTHORIZATION", "authorization.changed")


async def unpublished(engine) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count()).where(store.outbox.c.published_at.is_(None))
            )
        ).scalar_one()


async def test_committed_events_are_published_in_order_with_their_id(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:
    events = [changed(v) for v in (1, 2, 3)]
    async with engine.begin() as conn:
        for event in events:
            await add_to_outbox(conn, store.outbox, event)

    assert await relay.publish_pending() == 3

    msgs = await stored(nc)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [str(e.event_id) for e in events]
    assert [json.loads(m.data)["version"] for m in msgs] == [1, 2, 3]
    assert await unpublished(engine) == 0


async def test_a_batch_keeps_its_order_with_many_publishes_in_flight(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:  # rule 4: events leave in the order their transactions staged them
    events = [changed(v) for v in range(1, 301)]
    async with engine.begin() as conn:
        for event in events:
            await add_to_outbox(conn, store.outbox, event)

    published = 0
    while published < len(events):
        published += await relay.publish_pending()

    msgs = await stored(nc)
    assert [json.loads(m.data)["version"] for m in msgs] == list(range(1, 301))
    assert await unpublished(engine) == 0


async def test_a_failure_in_a_batch_marks_only_what_came_before_it(
    engine, nc: NatsClient
) -> None:  # rule 4: nothing lost; what follows the failure is sent again, once
    js = nc.jetstream()
    refused = {4}

    async def publish(payload: bytes, subject: str, headers: dict[str, str]):
        if json.loads(payload)["version"] in refused:
            raise ConnectionError("not sent")
        return await js.publish_async(subject, payload, headers=headers,
                                      stream=stream_for(subject))

    relay = OutboxRelay(engine, store.outbox, publish)
    async with engine.begin() as conn:
        for version in range(1, 11):
            await add_to_outbox(conn, store.outbox, changed(version))

    with pytest.raises(ConnectionError):
        await relay.publish_pending()
    assert await unpublished(engine) == 7  # 1-3 marked; 4-10 wait for the next round

    refused.clear()
    assert await relay.publish_pending() == 7
    versions = [json.loads(m.data)["version"] for m in await stored(nc)]
    assert sorted(versions) == list(range(1, 11))  # each once: the duplicate window


async def test_a_rolled_back_transaction_publishes_nothing(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await add_to_outbox(conn, store.outbox, changed())
            raise RuntimeError("the state change failed")

    assert await relay.publish_pending() == 0
    assert await stored(nc) == []


async def test_events_wait_while_jetstream_refuses_and_go_out_after(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:
    js = nc.jetstream()
    async with engine.begin() as conn:
        await add_to_outbox(conn, store.outbox, changed())
    await js.delete_stream("AUTHORIZATION")

    with pytest.raises(Exception):  # noqa: B017 - no stream answers: no PubAck
        await relay.publish_pending()
    assert await unpublished(engine) == 1

    await declare_streams(js)
    assert await relay.publish_pending() == 1
    assert len(await stored(nc)) == 1


async def test_a_republished_event_is_dropped_by_its_message_id(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:
    async with engine.begin() as conn:
        await add_to_outbox(conn, store.outbox, changed())
    await relay.publish_pending()
    # As if the relay died after the PubAck but before marking the row.
    async with engine.begin() as conn:
        await conn.execute(update(store.outbox).values(published_at=None))

    assert await relay.publish_pending() == 1
    assert len(await stored(nc)) == 1


async def test_the_outbox_row_carries_the_trace_of_its_transaction(engine) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handling") as span:
        async with engine.begin() as conn:
            await add_to_outbox(conn, store.outbox, changed())
    async with engine.connect() as conn:
        traceparent = (await conn.execute(select(store.outbox.c.traceparent))).scalar_one()
    assert traceparent.split("-")[1] == format(span.get_span_context().trace_id, "032x")


async def test_relay_running_in_the_background_publishes_after_a_wake(
    engine, relay: OutboxRelay, nc: NatsClient
) -> None:
    await relay.start()
    try:
        async with engine.begin() as conn:
            await add_to_outbox(conn, store.outbox, changed())
        relay.wake()
        assert await eventually(lambda: stored(nc))
    finally:
        await relay.stop()
