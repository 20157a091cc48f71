"""`ccats import` of a generated nightly file, end to end into the authorization
service's tables (AUTH-1).

Starts an embedded NATS and PostgreSQL in a temporary folder, migrates, runs
`ccats service authorization` as its own process (as in production), writes a
generated JSON Lines file (providers, then cases, then authorizations, and a few
lines that must be refused), then runs `ccats import FILE` as its own process and
measures:

- the import itself: lines per second until its last PubAck, and its peak memory
  (max RSS of the `ccats import` process);
- end to end: records per second from the start of the import until the last
  record is stored in the service's tables (every push kept in `versions`, every
  authorization announced in the outbox);
- the outbox: until every `AuthorizationChanged` and `ProviderChanged` was
  published to JetStream;
- a second import of the same file: it must change nothing.

    flock /tmp/ccats-bench.lock timeout 1200 .venv/bin/python \\
        benchmarks/import_throughput.py [--lines 100000] [--replicas 1[,2]] [--baseline DIR]

`--replicas 1,2` measures one, then two service processes sharing the consumers.
`--baseline DIR` first measures the code in `DIR` (a folder holding the files
from before a change, the rest links to this repository), then the current code,
in the same run. The service and the import run from `DIR` and with it first on
`PYTHONPATH`: `python -m` puts its working folder before `PYTHONPATH`, so
from this repository the "baseline" was the current code.

Prints a Markdown report; results are kept in `import_results.md` beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import nats
from machine import cpu_seconds, postgres_pids  # this folder's, beside the script
from sqlalchemy import func, select

from ccats.bootstrap import declare, migrate
from ccats.embedded import EmbeddedNats, EmbeddedPostgres
from services.authorization import store
from shared.db import async_engine

PROGRAMS = {
    "colorado": "America/Denver",
    "california": "America/Los_Angeles",
    "arizona": "America/Phoenix",
    "texas": "America/Chicago",
}
TARGET = 5_000
"""Records per second end to end, from the issue."""
BAD_EVERY = 1000
"""One line in this many is broken on purpose, to be refused with its reason."""


# --- the file ---------------------------------------------------------------


def _provider(n: int) -> dict:
    program = list(PROGRAMS)[n % 4]
    return {
        "record": "provider",
        "provider_id": f"P-{n}",
        "version": 1,
        "name": f"Provider {n}",
        "program": program,
        "type": ["center", "group_home", "family_home", "license_exempt"][n % 4],
        "status": "active",
        "timezone": PROGRAMS[program],
        "ages_served": {"min_months": 0 if n % 3 else 12, "max_months": 156},
        "email": f"office{n}@example.org",
        "staff": [{"first_name": "Dana", "last_name": f"Owner{n}", "role": "owner"}],
        "rates": [{"care_level": "full_time", "unit": "day", "amount": 45.0}],
    }


def _case(n: int) -> dict:
    return {
        "record": "case",
        "case_id": f"C-{n}",
        "version": 1,
        "adults": [
            {
                "person_id": f"A-{n}-{k}",
                "first_name": "Ana",
                "last_name": f"Family{n}",
                "email": f"a{n}.{k}@example.org",
                "phone": f"720555{n % 10000:04d}",
                "birth_date": "1990-04-12",
                "language": "es" if n % 5 == 0 else "en",
                "role": "parent",
            }
            for k in range(1 + n % 2)
        ],
    }


def _authorization(n: int, providers: int, cases: int, rng: random.Random) -> dict:
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 300))
    return {
        "record": "authorization",
        "authorization_id": f"AU-{n}",
        "version": 1 + n % 3,
        "case_id": f"C-{n % cases}",
        "child": {
            "child_id": f"CH-{n}",
            "first_name": "Leo",
            "last_name": f"Family{n}",
            "birth_date": (date(2021, 1, 1) + timedelta(days=rng.randrange(0, 1500))).isoformat(),
        },
        "provider_id": f"P-{n % providers}",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=rng.randrange(60, 365))).isoformat(),
        "status": "active",
        "schedule": {
            "kind": "fixed",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "hours_per_week": 40,
            "max_days_per_month": 23,
        },
        "care_level": "full_time",
        "protective_services": n % 50 == 0,
        "absence_exceptions": [],
    }


def generate(path: Path, lines: int) -> dict[str, int]:
    """Write `lines` lines: 1% providers, 33% cases, the rest authorizations."""
    rng = random.Random(20261124)
    providers = max(lines // 100, 1)
    cases = max(lines // 3, 1)
    counts = {"provider": 0, "case": 0, "authorization": 0, "bad": 0}
    with path.open("w") as out:
        for number in range(1, lines + 1):
            if number % BAD_EVERY == 0:
                counts["bad"] += 1
                bad = _authorization(number, providers, cases, rng) | {"end_date": "2025-01-01"}
                out.write(json.dumps(bad) + "\n")
                continue
            if counts["provider"] < providers:
                record, kind = _provider(counts["provider"]), "provider"
            elif counts["case"] < cases:
                record, kind = _case(counts["case"]), "case"
            else:
                record = _authorization(counts["authorization"], providers, cases, rng)
                kind = "authorization"
            counts[kind] += 1
            out.write(json.dumps(record) + "\n")
    return counts


# --- measuring ----------------------------------------------------------------

async def stored(engine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            "versions": (
                await conn.execute(select(func.count()).select_from(store.versions))
            ).scalar_one(),
            "announced": (
                await conn.execute(select(func.count()).where(store.authorizations.c.revision > 0))
            ).scalar_one(),
            "outbox": (
                await conn.execute(select(func.count()).select_from(store.outbox))
            ).scalar_one(),
            "unpublished": (
                await conn.execute(
                    select(func.count()).where(store.outbox.c.published_at.is_(None))
                )
            ).scalar_one(),
        }


def progress_excerpt(stderr: str) -> list[str]:
    """The first and last progress lines an import printed."""
    shown = [line for line in stderr.splitlines() if "lines/s" in line]
    return [shown[0], "...", shown[-1]] if len(shown) > 2 else shown


def run_import(env: dict[str, str], path: Path, workdir: Path, cwd: Path | None) -> ImportRun:
    """Run `ccats import FILE` to its end; its own CPU time and peak memory come from
    `wait4`, so other children of this script (the services) never count."""
    out_path, err_path = workdir / "import.out", workdir / "import.err"
    started = time.monotonic()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "ccats", "import", str(path)],
            env=env,
            stdout=out,
            stderr=err,
            cwd=cwd,
        )
        _, status, usage = os.wait4(process.pid, 0)
    finished = time.monotonic()
    process.returncode = os.waitstatus_to_exitcode(status)
    return ImportRun(
        returncode=process.returncode,
        out=out_path.read_text(),
        err=err_path.read_text(),
        started=started,
        finished=finished,
        peak_kb=usage.ru_maxrss,
        cpu=usage.ru_utime + usage.ru_stime,
    )


@dataclass(frozen=True)
class ImportRun:
    returncode: int
    out: str
    err: str
    started: float
    finished: float
    peak_kb: int
    cpu: float


async def pushes_numbered(engine) -> int:
    """The highest id in `versions`: never below the number of pushes kept, and read
    from the primary key's index, where counting scans the table."""
    async with engine.connect() as conn:
        found = await conn.execute(select(func.coalesce(func.max(store.versions.c.id), 0)))
        return found.scalar_one()


async def until(
    engine, done, timeout: float = 900.0, *, pushes: int = 0
) -> tuple[float, dict[str, int]]:
    """When `done` holds of the counts. Counting a table of 100,000 rows every 50 ms
    took a fifth of PostgreSQL's time during a run (pg_stat_activity samples), CPU
    taken from the system measured: the counts are read only once the pushes
    numbered in `versions` reach `pushes`."""
    deadline = time.monotonic() + timeout
    while await pushes_numbered(engine) < pushes:
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {pushes} pushes")
        await asyncio.sleep(0.05)
    while True:
        counts = await stored(engine)
        if done(counts):
            return time.monotonic(), counts
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting: {counts}")
        await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Outcome:
    report: str
    rate: float
    service_us: float
    """Service CPU per record stored, all its processes."""


async def bench(lines: int, workdir: Path, replicas: int, code: Path | None) -> Outcome:
    nats_server = EmbeddedNats(workdir / "nats", port=None)
    postgres = EmbeddedPostgres(workdir / "postgres")
    nats_server.start()
    postgres.start()
    services: list[subprocess.Popen] = []
    try:
        env = {
            **os.environ,
            "NATS_URL": nats_server.url,
            "DATABASE_URL": postgres.url,
            "CCATS_DATA_DIR": str(workdir / "data"),
            "CCATS_LOG_LEVEL": "WARNING",
        }
        if code is not None:
            env["PYTHONPATH"] = f"{code}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
            # the schema its own migrations make: a service refuses a newer one
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from ccats.bootstrap import migrate; migrate({postgres.url!r})",
                ],
                env=env,
                cwd=code,
                check=True,
            )
        else:
            migrate(postgres.url)
        await declare(nats_server.url)
        services = [
            subprocess.Popen(
                [sys.executable, "-m", "ccats", "service", "authorization", "--no-bootstrap"],
                env=env,
                stdout=(workdir / f"service-{n}.log").open("wb"),
                stderr=subprocess.STDOUT,
                cwd=code,
            )
            for n in range(replicas)
        ]
        nc = await nats.connect(nats_server.url)
        for _ in range(200):
            try:
                await nc.request("ops.health.authorization", b"{}", timeout=0.5)
                break
            except Exception:
                await asyncio.sleep(0.1)
        await nc.close()

        path = workdir / "nightly.jsonl"
        counts = generate(path, lines)
        good = lines - counts["bad"]
        engine = async_engine(postgres.url)

        load = os.getloadavg()[0]
        service_pids = [service.pid for service in services]
        pg_pids = postgres_pids(workdir / "postgres")
        nats_pid = [nats_server._process.pid] if nats_server._process else []
        cpu_before = [cpu_seconds(service_pids), cpu_seconds(pg_pids), cpu_seconds(nats_pid)]
        run = await asyncio.to_thread(run_import, env, path, workdir, code)
        started, imported, out, err = run.started, run.finished, run.out, run.err
        peak_kb, import_cpu = run.peak_kb, run.cpu
        if run.returncode != 1:  # 1: some lines were refused, as generated
            raise SystemExit(f"import failed ({run.returncode}): {err[-2000:]}")
        stored_at, first = await until(
            engine,
            lambda c: c["versions"] >= good and c["announced"] >= counts["authorization"],
            pushes=good,
        )
        cpu_stored = [cpu_seconds(service_pids), cpu_seconds(pg_pids), cpu_seconds(nats_pid)]
        drained_at, first = await until(engine, lambda c: c["unpublished"] == 0)
        cpu_drained = [cpu_seconds(service_pids), cpu_seconds(pg_pids), cpu_seconds(nats_pid)]
        refused = (workdir / "nightly.refused.jsonl").read_text().splitlines()

        again = await asyncio.to_thread(run_import, env, path, workdir, code)
        out2, again_started, again_done = again.out, again.started, again.finished
        await asyncio.sleep(3)
        second = await stored(engine)
        await engine.dispose()
    finally:
        for service in services:
            service.terminate()
            service.wait(30)
        nats_server.stop()
        postgres.stop()

    seconds = stored_at - started

    def per_record(before: float, after: float) -> str:
        return f"{(after - before) / good * 1e6:,.0f} µs"

    report = "\n".join(
        [
            f"- load average {load:.2f} when the import started",
            f"- authorization service: {replicas} process(es) (`ccats service authorization`)",
            f"- file: {lines:,} lines ({counts['provider']:,} providers, {counts['case']:,} "
            f"cases, {counts['authorization']:,} authorizations, {counts['bad']:,} broken), "
            f"{path.stat().st_size / 1e6:.1f} MB",
            "",
            "| measure | result |",
            "|---|---|",
            f"| `ccats import` until its last PubAck | {imported - started:.1f} s "
            f"({lines / (imported - started):,.0f} lines/s) |",
            f"| `ccats import` peak memory (max RSS) | {peak_kb / 1024:.0f} MB |",
            f"| end to end, until the last record is stored | {seconds:.1f} s "
            f"(**{good / seconds:,.0f} records/s**) |",
            f"| until every event left the outbox | {drained_at - started:.1f} s "
            f"({first['outbox']:,} events, {first['outbox'] / (drained_at - started):,.0f}/s) |",
            f"| refused lines in the report | {len(refused):,} (expected {counts['bad']:,}) |",
            f"| pushes kept / authorizations announced | {first['versions']:,} / "
            f"{first['announced']:,} |",
            f"| second import of the same file | {again_done - again_started:.1f} s; "
            f"versions {second['versions'] - first['versions']:+,}, "
            f"events {second['outbox'] - first['outbox']:+,} |",
            "",
            "CPU time per record stored (all cores), until the last record was stored / "
            "until the outbox was empty:",
            "",
            "| process | until stored | until outbox empty |",
            "|---|---|---|",
            f"| `ccats import` | {import_cpu / good * 1e6:,.0f} µs | |",
            f"| authorization service | {per_record(cpu_before[0], cpu_stored[0])} | "
            f"{per_record(cpu_before[0], cpu_drained[0])} |",
            f"| PostgreSQL | {per_record(cpu_before[1], cpu_stored[1])} | "
            f"{per_record(cpu_before[1], cpu_drained[1])} |",
            f"| NATS server | {per_record(cpu_before[2], cpu_stored[2])} | "
            f"{per_record(cpu_before[2], cpu_drained[2])} |",
            "",
            "progress shown by the first run (stderr, one line a second; first and last):",
            "",
            "```",
            *progress_excerpt(err),
            "```",
            "",
            f"first run: `{out.strip()}`",
            "",
            f"second run: `{out2.strip()}`",
        ]
    )
    return Outcome(report, good / seconds, (cpu_stored[0] - cpu_before[0]) / good * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument(
        "--replicas",
        default="1",
        help="authorization service processes sharing the consumers; several: 1,2",
    )
    parser.add_argument("--baseline", type=Path, help="service code to compare with")
    args = parser.parse_args()
    codes: dict[str, Path | None] = {"current": None}
    if args.baseline:
        codes = {"baseline": args.baseline.resolve(), **codes}
    runs = [
        (name, code, int(replicas))
        for replicas in args.replicas.split(",")
        for name, code in codes.items()
    ]
    before = os.getloadavg()
    outcomes = []
    for _name, code, replicas in runs:
        with tempfile.TemporaryDirectory(prefix="ccats-import-bench-") as tmp:
            outcomes.append(asyncio.run(bench(args.lines, Path(tmp), replicas, code)))
    after = os.getloadavg()
    lines = [
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        f"- load average (1, 5, 15 min) before: {_load(before)}; after: {_load(after)}",
        "",
        "| code | service processes | end to end | against the target | service CPU per record |",
        "|---|---|---|---|---|",
    ]
    for (name, _, replicas), outcome in zip(runs, outcomes, strict=True):
        lines.append(
            f"| {name} | {replicas} | **{outcome.rate:,.0f} records/s** | "
            f"{outcome.rate / TARGET:.2f}× | {outcome.service_us:,.0f} µs |"
        )
    for (name, _, replicas), outcome in zip(runs, outcomes, strict=True):
        lines += ["", f"### {name} code, {replicas} service process(es)", "", outcome.report]
    print("\n".join(lines))


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    main()
