"""Kiosk sign-ins against the running identity service (ID-4): requests per second
and latency (p50, p99), on real NATS and PostgreSQL (the embedded servers unless
NATS_URL and DATABASE_URL are set).

The identity service runs in its own process (`ccats service identity`), as in
production; this script seeds adults with PINs and authorizations straight into a
fresh database, then drives `kiosk.<provider>.signin` from another process:

- open loop: requests sent at a fixed rate (`--rate`), each latency measured from
  the moment it was due, so a stall is not hidden by waiting for it;
- closed loop: `--concurrency` requests always in flight, for the most it can do.

    .venv/bin/python benchmarks/signin_bench.py [--rate 1000] [--duration 20]
    .venv/bin/python benchmarks/signin_bench.py --profile   # cProfile of the service

Prints a Markdown table; results are kept in `signin_results.md` beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import nats
from pydantic import SecretStr
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ccats.bootstrap import declare, migrate  # noqa: E402
from ccats.embedded import EmbeddedNats, EmbeddedPostgres  # noqa: E402
from services.identity.domain.pins import pin_problem  # noqa: E402
from services.identity.hasher import Hasher  # noqa: E402
from services.identity.store import tables  # noqa: E402
from shared.db import sqlalchemy_url  # noqa: E402

PROVIDERS = 20
DEVICES_PER_PROVIDER = 10
PEPPER = "benchmark-pepper"
SERVICE_PIDS: list[int] = []
"""The identity processes, whose CPU time each run reads from /proc."""


@dataclass(frozen=True)
class Family:
    pin: str
    provider_id: str


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """NATS and PostgreSQL: from the environment, else embedded in a temporary folder."""
    nats_url, database_url = os.environ.get("NATS_URL", ""), os.environ.get("DATABASE_URL", "")
    folder = Path(tempfile.mkdtemp(prefix="ccats-signin-bench-"))
    started: list = []
    try:
        if not nats_url:
            server = EmbeddedNats(folder / "nats", port=None)
            server.start()
            started.append(server)
            nats_url = server.url
        if not database_url:
            pg = EmbeddedPostgres(folder / "postgres")
            pg.start()
            started.append(pg)
            database_url = pg.url
        yield nats_url, database_url
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str) -> str:
    name = f"ccats_signin_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def pins(count: int, rng: random.Random) -> list[str]:
    """`count` different PINs that ID-1 accepts."""
    found: set[str] = set()
    while len(found) < count:
        pin = str(rng.randrange(10_000_000, 100_000_000))
        if pin_problem(pin, 8) is None:
            found.add(pin)
    return sorted(found)


def seed(database_url: str, adults: int, rng: random.Random) -> list[Family]:
    """Providers, cases (one adult, two children each) and PINs, written directly."""
    hasher = Hasher(SecretStr(PEPPER))
    families = [Family(pin, f"BENCH-{n % PROVIDERS}") for n, pin in enumerate(pins(adults, rng))]
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            insert(tables.providers),
            [
                {
                    "provider_id": f"BENCH-{n}",
                    "version": 1,
                    "name": f"Bench {n}",
                    "program": "colorado",
                    "timezone": "America/Denver",
                    "status": "active",
                    "email": None,
                    "staff": [],
                }
                for n in range(PROVIDERS)
            ],
        )
        conn.execute(
            insert(tables.adults),
            [
                {
                    "person_id": f"A-{n}",
                    "first_name": "Maria",
                    "last_name": f"L{n}",
                    "origin": "case",
                    "pin_hash": hasher.pin(f.pin),
                }
                for n, f in enumerate(families)
            ],
        )
        conn.execute(
            insert(tables.case_members),
            [
                {"case_id": f"C-{n}", "person_id": f"A-{n}", "role": "parent"}
                for n in range(len(families))
            ],
        )
        conn.execute(
            insert(tables.authorizations),
            [
                {
                    "authorization_id": f"AU-{n}-{k}",
                    "version": 1,
                    "case_id": f"C-{n}",
                    "child_id": f"CH-{n}-{k}",
                    "child_first_name": f"Kid{k}",
                    "provider_id": f.provider_id,
                    "start_date": date(2020, 1, 1),
                    "end_date": date(2099, 12, 31),
                    "status": "active",
                }
                for n, f in enumerate(families)
                for k in range(2)
            ],
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return families


@contextmanager
def identity_processes(
    nats_url: str, database_url: str, replicas: int, profile: Path | None
) -> Iterator[None]:
    """`replicas` identity processes sharing the request queue group, as deployed."""
    with contextlib.ExitStack() as stack:
        for n in range(replicas):
            stack.enter_context(
                identity_process(nats_url, database_url, profile if n == 0 else None)
            )
        yield


@contextmanager
def identity_process(nats_url: str, database_url: str, profile: Path | None) -> Iterator[None]:
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "CCATS_PIN_PEPPER": PEPPER,
        "CCATS_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "ccats", "service", "identity", "--no-bootstrap"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    SERVICE_PIDS.append(process.pid)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


async def wait_up(nc: nats.NATS) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            reply = await nc.request("ops.health.identity", b"{}", timeout=1)
            if json.loads(reply.data).get("ok"):
                return
        except Exception:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError("identity did not come up")


def body(family: Family, rng: random.Random) -> bytes:
    device = f"kiosk-{rng.randrange(DEVICES_PER_PROVIDER)}"
    return json.dumps({"device_id": device, "pin": family.pin}).encode()


@dataclass
class Run:
    name: str
    sent: int
    ok: int
    seconds: float
    latencies: list[float]

    service_cpu: float = 0.0
    """CPU seconds the identity processes used during the run (immune to other load)."""

    def row(self) -> str:
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0] * 99
        return (
            f"| {self.name} | {self.sent} | {self.ok} | {self.ok / self.seconds:,.0f} | "
            f"{q[49] * 1000:.2f} | {q[98] * 1000:.2f} | {max(self.latencies) * 1000:.1f} | "
            f"{self.service_cpu / max(self.sent, 1) * 1e6:,.0f} |"
        )


def service_cpu_seconds() -> float:
    """User + system CPU time of the identity processes so far (Linux /proc)."""
    total = 0
    for pid in SERVICE_PIDS:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def measured(run: Awaitable[Run]) -> Run:
    before = service_cpu_seconds()
    result = await run
    result.service_cpu = service_cpu_seconds() - before
    return result


async def one(nc: nats.NATS, family: Family, payload: bytes) -> bool:
    reply = await nc.request(f"kiosk.{family.provider_id}.signin", payload, timeout=5)
    return b'"ok": true' in reply.data or b'"ok":true' in reply.data


async def open_loop(
    nc: nats.NATS, families: list[Family], rate: float, seconds: float, rng: random.Random
) -> Run:
    """Requests due every 1/rate s; latency counts from when each was due."""
    latencies: list[float] = []
    oks = 0
    total = int(rate * seconds)

    async def fire(due: float, family: Family, payload: bytes) -> None:
        nonlocal oks
        try:
            if await one(nc, family, payload):
                oks += 1
        finally:
            latencies.append(time.perf_counter() - due)

    start = time.perf_counter()
    tasks = []
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        family = rng.choice(families)
        tasks.append(asyncio.create_task(fire(due, family, body(family, rng))))
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - start
    return Run(f"open loop, {rate:,.0f}/s offered", total, oks, elapsed, latencies)


async def closed_loop(
    nc: nats.NATS, families: list[Family], concurrency: int, seconds: float, rng: random.Random
) -> Run:
    """`concurrency` requests in flight at all times."""
    latencies: list[float] = []
    oks = sent = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal oks, sent
        while time.perf_counter() < stop:
            family = rng.choice(families)
            began = time.perf_counter()
            sent += 1
            if await one(nc, family, body(family, rng)):
                oks += 1
            latencies.append(time.perf_counter() - began)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Run(
        f"closed loop, {concurrency} in flight", sent, oks, time.perf_counter() - start, latencies
    )


async def drive(nats_url: str, families: list[Family], args: argparse.Namespace) -> list[Run]:
    rng = random.Random(7)
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        await wait_up(nc)
        await closed_loop(nc, families, args.concurrency, 3.0, rng)  # warm up
        runs = [
            await measured(open_loop(nc, families, rate, args.duration, rng)) for rate in args.rate
        ]
        runs.append(await measured(closed_loop(nc, families, args.concurrency, args.duration, rng)))
        return runs
    finally:
        await nc.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adults", type=int, default=20_000)
    parser.add_argument(
        "--rate",
        type=float,
        action="append",
        default=None,
        help="offered sign-ins per second (open loop); repeatable",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--concurrency", type=int, default=32, help="closed loop in flight")
    parser.add_argument("--replicas", type=int, default=1, help="identity processes")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the service under cProfile; prints its top functions",
    )
    parser.add_argument("--profile-sort", default="tottime", help="tottime, cumulative, ...")
    args = parser.parse_args()
    args.rate = args.rate or [500.0, 1000.0]
    rng = random.Random(42)
    profile = Path(tempfile.mkdtemp()) / "identity.prof" if args.profile else None
    with servers() as (nats_url, base_url):
        database_url = fresh_database(base_url)
        migrate(database_url, ("identity",))
        asyncio.run(declare(nats_url))
        families = seed(database_url, args.adults, rng)
        with identity_processes(nats_url, database_url, args.replicas, profile):
            runs = asyncio.run(drive(nats_url, families, args))
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{args.adults:,} adults at {PROVIDERS} providers, {args.replicas} identity "
        f"process(es), {args.duration:.0f} s per run\n"
    )
    print("| run | sent | ok | sign-ins/s | p50 ms | p99 ms | max ms | service CPU µs/sign-in |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(run.row())
    if profile:
        import pstats

        pstats.Stats(str(profile)).sort_stats(args.profile_sort).print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
