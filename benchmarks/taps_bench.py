"""Kiosk taps through the real attendance service on real NATS and PostgreSQL.

    .venv/bin/python benchmarks/taps_bench.py [--seconds 10] [--rates 100,500,1000,2000]

Starts an embedded NATS (JetStream) and PostgreSQL, migrates attendance, and runs
three processes: the attendance service (its own process, as `ccats up` runs it),
a stand-in for identity's credential check (`identity.credential.verify`, its
own process), and this load generator. It measures, in one run:

- the raw JetStream rate of this machine: publish with PubAck, then consume with
  a pull consumer and ack, for comparison;
- taps at fixed offered rates (open loop): achieved taps/s and p50/p99 latency;
- the sustained rate: as many taps as 64 kiosks in flight can get through.

Every tap is a full `kiosk.<provider>.tap`: credential check over NATS, provider
and authorization lookups, the record, the stored reply and the outbox row in
one transaction, and the relay publishing `AttendanceRecorded` to JetStream.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROVIDER = "BENCH-1"
CHILDREN = 201
PIN_BASE = 48151623
FAMILY = 3
KIOSKS = 16


# --- the processes -------------------------------------------------------------


def run_attendance(nats_url: str, database_url: str) -> None:
    """The attendance service, alone in its process."""
    import logging

    from services.runtime import create_runtime
    from shared.settings import Settings

    logging.basicConfig(level=logging.WARNING)

    async def main() -> None:
        settings = Settings(nats_url=nats_url, database_url=database_url, relay_poll_seconds=0.05)
        rt = create_runtime("attendance", settings)
        await rt.start()
        await asyncio.Event().wait()

    asyncio.run(main())


def run_identity_stand_in(nats_url: str) -> None:
    """Answers the credential check as identity does: each PIN is one parent with
    three children (`FAMILY`), the children they may check in at the provider."""
    import nats

    def answer_for(pin: str) -> bytes:
        family = int(pin) - PIN_BASE
        children = [
            {
                "child_id": f"CH-{c}",
                "first_name": "Kid",
                "checked_in": False,
                "case_ids": [f"K-{c}"],
            }
            for c in range(family * FAMILY, family * FAMILY + FAMILY)
        ]
        return json.dumps(
            {
                "ok": True,
                "adult": {"person_id": f"P-{family}", "first_name": "Ana"},
                "children": children,
            }
        ).encode()

    answers = {str(PIN_BASE + f): answer_for(str(PIN_BASE + f)) for f in range(CHILDREN // FAMILY)}

    async def main() -> None:
        nc = await nats.connect(nats_url)

        async def answer(msg) -> None:  # type: ignore[no-untyped-def]
            await msg.respond(answers[json.loads(msg.data)["pin"]])

        await nc.subscribe("identity.credential.verify", queue="identity", cb=answer)
        await asyncio.Event().wait()

    asyncio.run(main())


# --- setting up ----------------------------------------------------------------


async def seed(nats_url: str, database_url: str) -> None:
    """A provider and its children, announced as the authorization service would."""
    import nats
    from sqlalchemy import func, select

    from services.attendance import store
    from shared.contract.events import AuthorizationChanged, ProviderChanged
    from shared.db import async_engine

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    now = datetime.now(UTC)
    provider = ProviderChanged.model_validate(
        {
            "provider_id": PROVIDER,
            "name": "Bench",
            "program": "colorado",
            "type": "center",
            "status": "active",
            "timezone": "America/Denver",
            "ages_served": {"min_months": 0, "max_months": 144},
            "version": 1,
            "occurred_at": now,
            "changes": [],
        }
    )
    await js.publish(provider.subject, provider.model_dump_json().encode())
    for n in range(CHILDREN):
        event = AuthorizationChanged.model_validate(
            {
                "authorization_id": f"A-{n}",
                "version": 1,
                "case_id": f"K-{n}",
                "child": {
                    "child_id": f"CH-{n}",
                    "first_name": "Kid",
                    "last_name": "Bench",
                    "birth_date": "2022-01-01",
                },
                "provider_id": PROVIDER,
                "start_date": "2020-01-01",
                "end_date": "2099-12-31",
                "status": "active",
                "schedule": {"kind": "variable"},
                "care_level": "full_time",
                "occurred_at": now,
                "changes": [],
            }
        )
        await js.publish(event.subject, event.model_dump_json().encode())
    await nc.close()
    engine = async_engine(database_url)
    async with engine.connect() as conn:
        for _ in range(600):
            count = (
                await conn.execute(select(func.count()).select_from(store.authorizations))
            ).scalar_one()
            if count >= CHILDREN:
                break
            await asyncio.sleep(0.1)
    await engine.dispose()


# --- measuring -------------------------------------------------------------------


async def jetstream_baseline(nats_url: str, messages: int) -> dict[str, float]:
    """Publish `messages` with PubAck (256 in flight), then pull and ack them all."""
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    with contextlib.suppress(Exception):
        await js.delete_stream("BENCH")
    await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"]))
    payload = b"x" * 400  # about the size of an AttendanceRecorded event
    started = time.perf_counter()
    window = asyncio.Semaphore(256)

    async def publish(n: int) -> None:
        async with window:
            await js.publish("bench.taps", payload, headers={"Nats-Msg-Id": f"m{n}"})

    await asyncio.gather(*(publish(n) for n in range(messages)))
    published = time.perf_counter() - started
    sub = await js.pull_subscribe("bench.taps", durable="bench")
    started = time.perf_counter()
    got = 0
    while got < messages:
        for msg in await sub.fetch(500, timeout=5):
            await msg.ack()
            got += 1
    consumed = time.perf_counter() - started
    await js.delete_stream("BENCH")
    await nc.close()
    return {
        "publish_per_s": messages / published,
        "consume_per_s": messages / consumed,
        "publish_and_consume_per_s": messages / (published + consumed),
    }


def tap_body(n: int) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid4()),
            "device_id": f"KIOSK-{n % KIOSKS}",
            "pin": str(PIN_BASE + (n % CHILDREN) // FAMILY),
            "child_ids": [f"CH-{n % CHILDREN}"],
            "direction": "in" if (n // CHILDREN) % 2 == 0 else "out",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
    ).encode()


async def one_tap(nc, n: int, latencies: list[float], failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        reply = await nc.request(f"kiosk.{PROVIDER}.tap", tap_body(n), timeout=10)
        answer = json.loads(reply.data)
        if not answer.get("ok"):
            failures.append(answer["error"]["code"])
            return
    except Exception as exc:
        failures.append(type(exc).__name__)
        return
    latencies.append(time.perf_counter() - started)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def at_fixed_rate(nats_url: str, rate: int, seconds: float) -> dict[str, float]:
    """Offer `rate` taps a second (open loop) and measure each answer."""
    import nats

    nc = await nats.connect(nats_url)
    latencies: list[float] = []
    failures: list[str] = []
    total = int(rate * seconds)
    tasks = []
    started = time.perf_counter()
    for n in range(total):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_tap(nc, n, latencies, failures)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    await nc.close()
    return {
        "offered_per_s": rate,
        "achieved_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "failed": len(failures),
    }


async def sustained(nats_url: str, seconds: float) -> dict[str, float]:
    """As many taps as `KIOSKS` kiosks in flight at once get through."""
    import nats

    nc = await nats.connect(nats_url)
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def kiosk() -> None:
        while time.perf_counter() < deadline:
            await one_tap(nc, next(counter), latencies, failures)

    started = time.perf_counter()
    await asyncio.gather(*(kiosk() for _ in range(KIOSKS)))
    elapsed = time.perf_counter() - started
    await nc.close()
    return {
        "taps_per_s": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "failed": len(failures),
    }


async def outbox_backlog(database_url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from services.attendance import store
    from shared.db import async_engine

    engine = async_engine(database_url)
    async with engine.connect() as conn:
        waiting = (
            await conn.execute(select(func.count()).where(store.outbox.c.published_at.is_(None)))
        ).scalar_one()
        records = (await conn.execute(select(func.count()).select_from(store.records))).scalar_one()
    await engine.dispose()
    return waiting, records


# --- the run ---------------------------------------------------------------------


async def measure(nats_url: str, database_url: str, args: argparse.Namespace) -> None:
    print("raw JetStream on this machine:")
    baseline = await jetstream_baseline(nats_url, args.baseline_messages)
    print("  " + ", ".join(f"{k} {v:,.0f}" for k, v in baseline.items()))
    await seed(nats_url, database_url)
    await at_fixed_rate(nats_url, 50, 2)  # warm up connections and caches
    print(f"taps at fixed rates ({args.seconds:.0f} s each):")
    for rate in args.rates:
        result = await at_fixed_rate(nats_url, rate, args.seconds)
        print(
            f"  offered {rate:>5}/s  achieved {result['achieved_per_s']:>7.0f}/s  "
            f"p50 {result['p50_ms']:>7.1f} ms  p99 {result['p99_ms']:>7.1f} ms  "
            f"failed {result['failed']:.0f}"
        )
        await asyncio.sleep(2)
    result = await sustained(nats_url, args.seconds)
    print(
        f"sustained with {KIOSKS} kiosks in flight: {result['taps_per_s']:.0f} taps/s  "
        f"p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms  "
        f"failed {result['failed']:.0f}"
    )
    await asyncio.sleep(3)
    waiting, records = await outbox_backlog(database_url)
    print(f"records stored {records:,}; events not yet published 3 s after the load: {waiting:,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--rates", type=lambda s: [int(r) for r in s.split(",")], default=[100, 500, 1000, 2000]
    )
    parser.add_argument("--baseline-messages", type=int, default=50_000)
    args = parser.parse_args()

    from shared.bus.streams import declare_streams
    from shared.migrations import upgrade
    from tests.servers import nats_server, postgres_server

    folder = Path(tempfile.mkdtemp(prefix="ccats-bench-"))
    with (
        nats_server(folder, url="", containers=False) as nats_url,
        postgres_server(folder, url="", containers=False) as database_url,
    ):
        upgrade("attendance", database_url)

        async def streams() -> None:
            import nats

            nc = await nats.connect(nats_url)
            await declare_streams(nc.jetstream())
            await nc.close()

        asyncio.run(streams())
        spawn = mp.get_context("spawn")
        workers = [
            spawn.Process(target=run_attendance, args=(nats_url, database_url), daemon=True),
            spawn.Process(target=run_identity_stand_in, args=(nats_url,), daemon=True),
        ]
        for process in workers:
            process.start()
        time.sleep(4)
        try:
            asyncio.run(measure(nats_url, database_url, args))
        finally:
            for process in workers:
                process.terminate()
                process.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
