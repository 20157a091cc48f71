"""Notify under load, on the embedded NATS and PostgreSQL and a local SMTP server
(aiosmtpd): how fast causing events become stored messages (decide), how fast
stored messages reach the mail server (deliver), and how fast a backlog left by a
mail server outage drains once it is back (recover).

    .venv/bin/python benchmarks/notify_delivery.py [--messages 1000]

Prints a Markdown table; results are kept in `notify_delivery.md` beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from ccats.bootstrap import declare, migrate
from ccats.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.notify import store
from services.runtime import create_runtime
from shared.clock import FixedClock
from shared.contract.events import PendingAttendanceCreated
from shared.settings import Settings

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Counter:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


async def count(rt, status: str | None = None) -> int:
    query = select(func.count()).select_from(store.messages)
    if status:
        query = query.where(store.messages.c.status == status)
    async with rt.engine.connect() as conn:
        return int((await conn.execute(query)).scalar() or 0)


async def wait_for(probe, target: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while await probe() < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"did not reach {target}")
        await asyncio.sleep(0.02)


async def run(settings: Settings, messages: int) -> list[tuple[str, int, float]]:
    counter = Counter()
    port = free_port()
    smtp = Controller(counter, hostname="127.0.0.1", port=port)
    smtp.start()
    clock = FixedClock(NOW)
    rt = create_runtime(
        "notify",
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}),
        clock=clock,
    )
    await rt.start()
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    results: list[tuple[str, int, float]] = []
    try:
        case = {
            "case_id": "CASE-B",
            "version": 1,
            "adults": [
                {
                    "person_id": "A-B",
                    "first_name": "Ana",
                    "last_name": "Garcia",
                    "email": "ana@family.example",
                    "language": "es",
                }
            ],
        }
        await js.publish("eligibility.case", json.dumps(case).encode())

        async def publish_pending(n: int, offset: int) -> None:
            """Published 100 at a time, acks awaited together, as several producers'
            relays would: the rows measure notify, not this loop."""

            async def one(i: int) -> None:
                event = PendingAttendanceCreated(
                    occurred_at=NOW,
                    record_id=f"R-{offset + i}",
                    provider_id="CO-1",
                    child_id="CH-1",
                    case_id="CASE-B",
                    direction="in",
                    channel="provider",
                    operator_id="OP-1",
                    deadline=NOW + timedelta(days=9),
                )
                await js.publish(
                    event.subject,
                    event.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(event.event_id)},
                )

            for chunk in range(0, n, 100):
                await asyncio.gather(*(one(i) for i in range(chunk, min(chunk + 100, n))))

        # decide + deliver, the mail server up
        start = time.perf_counter()
        await publish_pending(messages, 0)
        await wait_for(lambda: count(rt), messages)
        decided = time.perf_counter() - start
        await wait_for(lambda: count(rt, "sent"), messages)
        delivered = time.perf_counter() - start
        results += [
            ("decide (event published to message stored)", messages, decided),
            ("decide and deliver (event published to mail accepted)", messages, delivered),
        ]

        # a backlog from an outage, drained when the server is back
        smtp.stop()
        await publish_pending(messages, messages)
        await wait_for(lambda: count(rt), 2 * messages)
        await wait_for(lambda: _tried(rt, messages), messages)
        smtp = Controller(counter, hostname="127.0.0.1", port=port)
        smtp.start()
        start = time.perf_counter()
        clock.advance(timedelta(hours=1))
        await wait_for(lambda: count(rt, "sent"), 2 * messages)
        results.append(
            (
                "recover (backlog after an outage, server back)",
                messages,
                time.perf_counter() - start,
            )
        )
        assert counter.received == 2 * messages, "every message exactly once"
    finally:
        await nc.close()
        await rt.stop()
        smtp.stop()
    return results


async def _tried(rt, messages: int) -> int:
    """Messages whose failed try is recorded (a claimed one may still be in flight)."""
    query = (
        select(func.count())
        .select_from(store.messages)
        .where(store.messages.c.status == "queued", store.messages.c.last_error.is_not(None))
    )
    async with rt.engine.connect() as conn:
        return int((await conn.execute(query)).scalar() or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ccats-bench-notify-"))
    nats_server, postgres = (
        EmbeddedNats(folder / "nats", port=None),
        EmbeddedPostgres(folder / "postgres"),
    )
    nats_server.start()
    postgres.start()
    try:
        migrate(postgres.url)
        asyncio.run(declare(nats_server.url))
        settings = Settings(
            nats_url=nats_server.url,
            database_url=postgres.url,
            data_dir=folder / "data",
            relay_poll_seconds=0.05,
        )
        results = asyncio.run(run(settings, args.messages))
    finally:
        postgres.stop()
        nats_server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {args.messages} messages per row\n"
    )
    print("| what | messages | seconds | messages/s |")
    print("|---|---:|---:|---:|")
    for what, n, seconds in results:
        print(f"| {what} | {n} | {seconds:.2f} | {n / seconds:.0f} |")


if __name__ == "__main__":
    main()
