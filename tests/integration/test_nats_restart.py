"""A NATS server restart loses nothing: services reconnect, their durable
consumers resume, and an event published after the restart flows through
(architecture rule 4; faststream-notes: a pull subscription may stall after a
restart, nats.py #504)."""

from __future__ import annotations

import json
from pathlib import Path

import nats
import pytest

from ccats.embedded import EmbeddedNats
from shared.bus.streams import declare_streams
from shared.settings import Settings
from tests.factories import as_json, authorization_record
from tests.running import eventually, running

pytestmark = pytest.mark.integration


async def authorization_version(url: str, authorization_id: str) -> int | None:
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        reply = await nc.request(
            "authorization.get", json.dumps({"authorization_id": authorization_id}).encode(), 2
        )
        body = json.loads(reply.data)
        return body["authorization"]["version"] if body["ok"] else None
    except Exception:
        return None
    finally:
        await nc.close()


async def publish(url: str, record: dict) -> None:
    nc = await nats.connect(url, connect_timeout=2)
    try:
        await nc.jetstream().publish("eligibility.authorization", as_json(record), timeout=5)
    finally:
        await nc.close()


async def test_services_resume_after_nats_restarts(tmp_path: Path, settings: Settings) -> None:
    server = EmbeddedNats(tmp_path / "nats", port=None)
    server.start()
    try:
        nc = await nats.connect(server.url)
        await declare_streams(nc.jetstream())
        await nc.close()
        own = settings.model_copy(update={"nats_url": server.url})
        async with running(own, ("authorization", "attendance")):
            await publish(server.url, authorization_record(version=1))
            assert await eventually(lambda: authorization_version(server.url, "AUTH-1")) == 1

            server.stop()
            server.start()

            async def after_restart() -> int | None:
                try:
                    await publish(server.url, authorization_record(version=2))
                except Exception:
                    return None
                return 1

            await eventually(after_restart, timeout=20)
            assert (await eventually(lambda: _at_version(server.url, 2), timeout=30)) == 2
    finally:
        server.stop()


async def _at_version(url: str, version: int) -> int | None:
    current = await authorization_version(url, "AUTH-1")
    return current if current == version else None
