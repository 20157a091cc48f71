"""What publishing an announcement costs: the kernel's outbox relay against a
windowed `publish_async`, for the events a nightly import causes.

Fills the authorization outbox with N events of the size of an
`AuthorizationChanged` (about 1.5 kB), then measures CPU time per event (this
process only) and events per second of:

1. `OutboxRelay.publish_pending` as the service runs it (one event at a time
   through FastStream's publisher and its telemetry middleware, each PubAck
   awaited before the next, rows claimed and marked in PostgreSQL);
2. nats-py `publish_async` with 256 PubAcks outstanding (no database), the floor
   a relay could approach.

    flock /tmp/ccats-bench.lock timeout 1200 .venv/bin/python \\
        benchmarks/import_relay_cost.py [--events 10000]

Results are kept in `import_results.md` beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
import uuid
from pathlib import Path

import nats
from sqlalchemy import insert

from ccats.bootstrap import declare, migrate
from ccats.embedded import EmbeddedNats, EmbeddedPostgres
from services.authorization import store
from services.runtime import create_runtime
from shared.settings import Settings

WINDOW = 256


async def bench(events: int, workdir: Path) -> str:
    nats_server = EmbeddedNats(workdir / "nats", port=None)
    postgres = EmbeddedPostgres(workdir / "postgres")
    nats_server.start()
    postgres.start()
    try:
        migrate(postgres.url)
        await declare(nats_server.url)
        settings = Settings(
            nats_url=nats_server.url, database_url=postgres.url, data_dir=workdir / "data"
        )
        rt = create_runtime("authorization", settings)
        payload = json.dumps({"authorization_id": "A", "padding": "x" * 1500}).encode()
        async with rt.engine.begin() as conn:
            await conn.execute(
                insert(store.outbox),
                [
                    {
                        "event_id": str(uuid.uuid4()),
                        "subject": "authorization.changed",
                        "payload": payload,
                    }
                    for _ in range(events)
                ],
            )
        await rt.broker.start()
        cpu, wall = time.process_time(), time.monotonic()
        while await rt.relay.publish_pending():
            pass
        relay = (time.process_time() - cpu, time.monotonic() - wall)
        await rt.broker.stop()
        await rt.engine.dispose()

        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        cpu, wall = time.process_time(), time.monotonic()
        pending = []
        for _ in range(events):
            headers = {"Nats-Msg-Id": str(uuid.uuid4())}
            pending.append(
                await js.publish_async("authorization.changed", payload, headers=headers)
            )
            if len(pending) >= WINDOW:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        windowed = (time.process_time() - cpu, time.monotonic() - wall)
        await nc.close()
    finally:
        nats_server.stop()
        postgres.stop()
    return "\n".join(
        [
            "| publisher | CPU per event | events/s |",
            "|---|---|---|",
            f"| kernel `OutboxRelay` | {relay[0] / events * 1e6:,.0f} µs | "
            f"{events / relay[1]:,.0f} |",
            f"| `publish_async`, {WINDOW} outstanding | {windowed[0] / events * 1e6:,.0f} µs | "
            f"{events / windowed[1]:,.0f} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="ccats-relay-bench-") as tmp:
        print(asyncio.run(bench(args.events, Path(tmp))))


if __name__ == "__main__":
    main()
