"""Kiosk taps through the real identity and attendance services, on real NATS and
PostgreSQL: taps per second and latency (p50, p99), beside the raw JetStream rate
of the same machine measured in the same run.

    .venv/bin/python benchmarks/taps_bench.py [--seconds 10] [--rates 100,250,500,1000,2000]
        [--replicas 1,2] [--profile-rate 300]

`--profile-rate` adds an unmeasured run at that rate with py-spy sampling both
services (py-spy from a throwaway venv: `python -m venv /tmp/tools &&
/tmp/tools/bin/pip install py-spy`), and prints where their time goes.

Starts an embedded NATS (JetStream) and PostgreSQL, migrates identity and
attendance into a fresh database and seeds both straight into their tables
(providers, adults with PINs, cases and authorizations, as the services would
have kept them from the eligibility events). Then, for each replica count, runs
that many `ccats service identity` and `ccats service attendance` processes (as
`ccats up --replicas` does) and drives `kiosk.<provider>.tap` from this process:

- open loop at each offered rate: a tap is due every 1/rate s and its latency
  counts from when it was due, so a stall is not hidden;
- sustained: `--kiosks` taps always in flight, for the most it can do.

Each tap is the full path: the credential checked by identity over NATS (PIN hash,
device lock, the adult's children at the provider that day), the provider and
authorization (AUTH-2) read by attendance, the record, its stored reply and its
outbox row committed before the answer (ATT-1), and the relay publishing
`AttendanceRecorded` to JetStream. Service CPU per tap is read from /proc: unlike
latency it hardly depends on what else the machine runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import nats
from pydantic import SecretStr
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import cpu_seconds, postgres_pids  # noqa: E402
from ccats.bootstrap import declare, migrate  # noqa: E402
from ccats.embedded import EmbeddedNats, EmbeddedPostgres  # noqa: E402
from services.attendance import store as attendance  # noqa: E402
from services.identity.domain.pins import pin_problem  # noqa: E402
from services.identity.hasher import Hasher  # noqa: E402
from services.identity.store import tables as identity  # noqa: E402
from shared.db import sqlalchemy_url  # noqa: E402
from shared.event_loop import event_loop_factory  # noqa: E402

PROVIDERS = 10
FAMILIES = 2_000
KIOSKS_PER_PROVIDER = 4
PEPPER = "benchmark-pepper"
PY_SPY = Path("/tmp/tools/bin/py-spy")


@dataclass(frozen=True)
class Family:
    pin: str
    provider_id: str
    child_id: str


# --- servers and data ------------------------------------------------------------


@dataclass(frozen=True)
class Servers:
    nats_url: str
    postgres_url: str
    nats_pid: int
    postgres_data: Path


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    folder = Path(tempfile.mkdtemp(prefix="ccats-taps-bench-"))
    nats_server = EmbeddedNats(folder / "nats", port=None)
    postgres = EmbeddedPostgres(folder / "postgres")
    try:
        nats_server.start()
        postgres.start()
        assert nats_server.pid is not None
        yield Servers(nats_server.url, postgres.url, nats_server.pid, folder / "postgres")
    finally:
        postgres.stop()
        nats_server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str) -> str:
    name = f"ccats_taps_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def families() -> list[Family]:
    """One adult per case with one child, spread over the providers; PINs that ID-1 takes."""
    found: list[str] = []
    candidate = 31_415_926
    while len(found) < FAMILIES:
        candidate += 7_919
        if pin_problem(str(candidate), 8) is None:
            found.append(str(candidate))
    return [Family(pin, f"BENCH-{n % PROVIDERS}", f"CH-{n}") for n, pin in enumerate(found)]


def seed(database_url: str, people: list[Family]) -> None:
    """What identity and attendance would have kept from the eligibility events."""
    hasher = Hasher(SecretStr(PEPPER))
    engine = create_engine(sqlalchemy_url(database_url))
    start, end = date(2020, 1, 1), date(2099, 12, 31)
    with engine.begin() as conn:
        provider_ids = [f"BENCH-{n}" for n in range(PROVIDERS)]
        conn.execute(
            insert(identity.providers),
            [
                {
                    "provider_id": p,
                    "version": 1,
                    "name": p,
                    "program": "colorado",
                    "timezone": "America/Denver",
                    "status": "active",
                    "email": None,
                    "staff": [],
                }
                for p in provider_ids
            ],
        )
        conn.execute(
            insert(attendance.providers),
            [
                {
                    "provider_id": p,
                    "version": 1,
                    "program": "colorado",
                    "timezone": "America/Denver",
                    "status": "active",
                }
                for p in provider_ids
            ],
        )
        conn.execute(
            insert(identity.adults),
            [
                {
                    "person_id": f"P-{n}",
                    "first_name": "Ana",
                    "last_name": f"L{n}",
                    "origin": "case",
                    "pin_hash": hasher.pin(f.pin),
                }
                for n, f in enumerate(people)
            ],
        )
        conn.execute(
            insert(identity.case_members),
            [
                {"case_id": f"K-{n}", "person_id": f"P-{n}", "role": "parent"}
                for n in range(len(people))
            ],
        )
        conn.execute(
            insert(identity.authorizations),
            [
                {
                    "authorization_id": f"A-{n}",
                    "version": 1,
                    "case_id": f"K-{n}",
                    "child_id": f.child_id,
                    "child_first_name": "Kid",
                    "provider_id": f.provider_id,
                    "start_date": start,
                    "end_date": end,
                    "status": "active",
                }
                for n, f in enumerate(people)
            ],
        )
        conn.execute(
            insert(attendance.authorizations),
            [
                {
                    "authorization_id": f"A-{n}",
                    "version": 1,
                    "case_id": f"K-{n}",
                    "child_id": f.child_id,
                    "provider_id": f.provider_id,
                    "start_date": start,
                    "end_date": end,
                    "status": "active",
                    "state": {"schedule": {"kind": "variable"}},
                }
                for n, f in enumerate(people)
            ],
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()


def stored(database_url: str) -> tuple[int, int]:
    """(records stored, outbox events not yet published)."""
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(attendance.records)).scalar_one()
        waiting = conn.execute(
            select(func.count()).where(attendance.outbox.c.published_at.is_(None))
        ).scalar_one()
    engine.dispose()
    return records, waiting


# --- the services ----------------------------------------------------------------


@dataclass
class Services:
    pids: dict[str, list[int]] = field(default_factory=dict)
    servers: Servers | None = None

    def cpu_seconds(self, name: str) -> float:
        """User + system CPU of this service's processes so far (Linux /proc)."""
        return cpu_seconds(self.pids.get(name, []))

    def machine_cpu(self) -> dict[str, float]:
        """CPU so far of everything a tap passes through, this load generator included."""
        found = {name: self.cpu_seconds(name) for name in self.pids}
        if self.servers is not None:
            found["postgres"] = cpu_seconds(postgres_pids(self.servers.postgres_data))
            found["nats"] = cpu_seconds([self.servers.nats_pid])
        found["load generator"] = time.process_time()
        return found


@contextlib.contextmanager
def running(nats_url: str, database_url: str, replicas: int) -> Iterator[Services]:
    """`replicas` processes each of identity and attendance, as `ccats up` runs them."""
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "CCATS_PIN_PEPPER": PEPPER,
        "CCATS_LOG_LEVEL": "WARNING",
    }
    services = Services()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("identity", "attendance"):
            for _ in range(replicas):
                process = subprocess.Popen(
                    [sys.executable, "-m", "ccats", "service", name, "--no-bootstrap"],
                    env=env,
                    cwd=ROOT,
                )
                processes.append(process)
                services.pids.setdefault(name, []).append(process.pid)
        yield services
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_up(nc: nats.NATS, replicas: int) -> None:
    """Every process answers its health (queue groups spread the asks)."""
    deadline = time.monotonic() + 90
    for name in ("identity", "attendance"):
        answered = 0
        while answered < 3 * replicas:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not come up")
            try:
                reply = await nc.request(f"ops.health.{name}", b"{}", timeout=1)
                answered += bool(json.loads(reply.data).get("ok"))
            except Exception:
                await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # every replica subscribed, not only the first to answer


# --- measuring -------------------------------------------------------------------


async def jetstream_baseline(nats_url: str, messages: int) -> dict[str, float]:
    """Publish `messages` with PubAck (256 in flight), then pull and ack them all."""
    from nats.js.api import StreamConfig

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    with contextlib.suppress(Exception):
        await js.delete_stream("BENCH")
    await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"]))
    payload = b"x" * 400  # about the size of an AttendanceRecorded event
    window = asyncio.Semaphore(256)

    async def publish(n: int) -> None:
        async with window:
            await js.publish("bench.taps", payload, headers={"Nats-Msg-Id": f"m{n}"})

    started = time.perf_counter()
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
        "publish/s": messages / published,
        "consume/s": messages / consumed,
        "publish then consume/s": messages / (published + consumed),
    }


CPU_PARTS = ("attendance", "identity", "postgres", "nats", "load generator")


@dataclass
class Run:
    name: str
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0

    def row(self) -> str:
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())) or "0"
        per_tap = {k: v / max(len(self.latencies), 1) * 1e6 for k, v in self.cpu.items()}
        cpu = " | ".join(f"{per_tap.get(part, 0):,.0f}" for part in CPU_PARTS)
        return (
            f"| {self.name} | {self.sent:,} | {len(self.latencies) / self.seconds:,.0f} | "
            f"{self.percentile(0.50):,.1f} | {self.percentile(0.99):,.1f} | {failed} | "
            f"{cpu} | {sum(per_tap.get(part, 0) for part in CPU_PARTS):,.0f} |"
        )


class Kiosks:
    """Tap bodies as the kiosks send them: each family checks in, then out, then in."""

    def __init__(self, people: list[Family]) -> None:
        self.people = people
        self.turn = 0

    def next(self) -> tuple[str, bytes]:
        n, self.turn = self.turn, self.turn + 1
        family = self.people[n % len(self.people)]
        body = {
            "event_id": str(uuid.uuid4()),
            "device_id": f"KIOSK-{n % KIOSKS_PER_PROVIDER}",
            "pin": family.pin,
            "child_ids": [family.child_id],
            "direction": "in" if (n // len(self.people)) % 2 == 0 else "out",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        return f"kiosk.{family.provider_id}.tap", json.dumps(body).encode()


async def tap(nc: nats.NATS, kiosks: Kiosks, run: Run, since: float) -> None:
    subject, body = kiosks.next()
    run.sent += 1
    try:
        reply = await nc.request(subject, body, timeout=10)
        answer = json.loads(reply.data)
    except Exception as exc:
        run.failures[type(exc).__name__] = run.failures.get(type(exc).__name__, 0) + 1
        return
    if not answer.get("ok"):
        code = answer["error"]["code"]
        run.failures[code] = run.failures.get(code, 0) + 1
        return
    run.latencies.append(time.perf_counter() - since)


async def open_loop(nc: nats.NATS, kiosks: Kiosks, rate: int, seconds: float) -> Run:
    run = Run(f"{rate:,}/s offered")
    started = time.perf_counter()
    tasks = []
    for n in range(int(rate * seconds)):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(tap(nc, kiosks, run, due)))
    await asyncio.gather(*tasks)
    run.seconds = time.perf_counter() - started
    return run


async def closed_loop(nc: nats.NATS, kiosks: Kiosks, in_flight: int, seconds: float) -> Run:
    run = Run(f"sustained, {in_flight} in flight")
    stop = time.perf_counter() + seconds

    async def kiosk() -> None:
        while time.perf_counter() < stop:
            await tap(nc, kiosks, run, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(kiosk() for _ in range(in_flight)))
    run.seconds = time.perf_counter() - started
    return run


async def idle(seconds: float) -> Run:
    """No taps: what the services' own loops (relay, consumers) cost meanwhile."""
    await asyncio.sleep(seconds)
    return Run("idle (CPU in µs per second)", latencies=[0.0] * int(seconds), seconds=seconds)


async def settled(services: Services, most: float = 30.0) -> None:
    """Wait until the services have worked off any backlog (an overloaded run leaves
    requests queued whose kiosks gave up): under 10% of a core each for a second."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline:
        before = {name: services.cpu_seconds(name) for name in services.pids}
        await asyncio.sleep(1.0)
        busy = [services.cpu_seconds(n) - before[n] for n in services.pids]
        if max(busy) < 0.1 * max(len(p) for p in services.pids.values()):
            return


async def measured(services: Services, work: Awaitable[Run]) -> Run:
    before = services.machine_cpu()
    run = await work
    after = services.machine_cpu()
    run.cpu = {name: after[name] - before.get(name, 0.0) for name in after}
    return run


def profiled(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes] | None:
    if not PY_SPY.exists():
        return None
    return subprocess.Popen(
        [
            str(PY_SPY),
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-f",
            "raw",
            "-o",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_path(args: argparse.Namespace, service: str) -> Path:
    return args.profile_dir / f"taps-{service}.raw"


PARTS = {
    "PostgreSQL client (sqlalchemy, psycopg)": ("sqlalchemy/", "psycopg/"),
    "NATS client (nats-py)": ("nats/aio/", "nats/js/"),
    "FastStream (publish, consumers)": ("faststream/",),
    "validation and JSON (pydantic, json)": ("pydantic/", "json/"),
    "tracing (opentelemetry)": ("opentelemetry/", "trace/"),
    "the service's own code": ("services/", "shared/"),
}


def parts(raw: Path) -> list[tuple[str, float]]:
    """Share of samples whose stack passes through each part (inclusive, so they overlap)."""
    counts = dict.fromkeys(PARTS, 0)
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        samples += int(n)
        for part, marks in PARTS.items():
            if any(mark in stack for mark in marks):
                counts[part] += int(n)
    return [(part, count / max(samples, 1)) for part, count in counts.items()]


def top_frames(raw: Path, count: int = 25) -> list[tuple[str, float]]:
    """Share of samples per function, by self time (the leaf of each stack)."""
    totals: dict[str, int] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        leaf = stack.split(";")[-1]
        totals[leaf] = totals.get(leaf, 0) + int(n)
        samples += int(n)
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:count]
    return [(name, share / max(samples, 1)) for name, share in ranked]


async def drive(
    nats_url: str, services: Services, people: list[Family], args: argparse.Namespace, replicas: int
) -> list[Run]:
    nc = await nats.connect(nats_url, connect_timeout=5, pending_size=64 * 1024 * 1024)
    kiosks = Kiosks(people)
    try:
        await wait_up(nc, replicas)
        await closed_loop(nc, kiosks, args.kiosks, 3.0)  # warm up pools and caches
        await settled(services)
        runs = [await measured(services, idle(args.seconds))]
        for rate in args.rates:
            runs.append(await measured(services, open_loop(nc, kiosks, rate, args.seconds)))
            await settled(services)
        runs.append(await measured(services, closed_loop(nc, kiosks, args.kiosks, args.seconds)))
        if args.profile_rate and replicas == 1:  # apart: the sampler takes CPU too
            await settled(services)
            spies = [
                profiled(services.pids[name][0], args.seconds, profile_path(args, name))
                for name in ("attendance", "identity")
            ]
            await open_loop(nc, kiosks, args.profile_rate, args.seconds)
            for spy in spies:
                if spy is not None:
                    spy.wait(60)
        return runs
    finally:
        await nc.close()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per run")
    parser.add_argument(
        "--rates",
        type=lambda s: [int(r) for r in s.split(",")],
        default=[100, 250, 500, 1000, 2000],
    )
    parser.add_argument("--replicas", type=lambda s: [int(r) for r in s.split(",")], default=[1, 2])
    parser.add_argument("--kiosks", type=int, default=64, help="taps in flight when sustained")
    parser.add_argument("--baseline-messages", type=int, default=50_000)
    parser.add_argument(
        "--profile-rate", type=int, default=0, help="then py-spy both services at this rate"
    )
    parser.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    print(f"load average before: {load_average()}", flush=True)
    people = families()
    with servers() as found:
        nats_url = found.nats_url
        database_url = fresh_database(found.postgres_url)
        migrate(database_url, ("identity", "attendance"))
        asyncio.run(declare(nats_url))
        seed(database_url, people)
        baseline = asyncio.run(jetstream_baseline(nats_url, args.baseline_messages))
        tables = []
        for replicas in args.replicas:
            with running(nats_url, database_url, replicas) as services:
                services.servers = found
                with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                    runs = runner.run(drive(nats_url, services, people, args, replicas))
                time.sleep(3)
                records, waiting = stored(database_url)
            tables.append((replicas, runs, records, waiting))
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {FAMILIES:,} families "
        f"at {PROVIDERS} providers; {args.seconds:.0f} s per run; "
        f"load average after: {load_average()}\n"
    )
    print(
        "Raw JetStream, same run (400-byte messages): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in baseline.items())
    )
    for replicas, runs, records, waiting in tables:
        print(f"\n{replicas} identity + {replicas} attendance process(es):\n")
        print(
            "| run | sent | ok taps/s | p50 ms | p99 ms | failed | CPU µs/tap: "
            + " | ".join(CPU_PARTS)
            + " | all |"
        )
        print("|---|---:|---:|---:|---:|---|" + "---:|" * (len(CPU_PARTS) + 1))
        for run in runs:
            print(run.row())
        print(
            f"\nrecords stored {records:,}; "
            f"events not yet published 3 s after the load: {waiting:,}"
        )
    for service in ("attendance", "identity"):
        raw = profile_path(args, service)
        if args.profile_rate and raw.exists():
            print(
                f"\n{service}, self time by function "
                f"(py-spy, an extra {args.profile_rate}/s run, 1 process each):\n"
            )
            for name, share in parts(raw):
                print(f"  {share:6.1%}  in {name}")
            print()
            for name, share in top_frames(raw):
                print(f"  {share:6.1%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
