"""`ccats up`: the whole system on one machine.

Starts the embedded servers unless `NATS_URL` / `DATABASE_URL` are set, runs the
bootstrap step, then each service in its own process (or several: `CCATS_REPLICAS`);
restarts a service that dies, and on Ctrl-C or SIGTERM stops everything, keeping the data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ccats import bootstrap
from ccats.embedded import NATS_DEFAULT_PORT, EmbeddedNats, EmbeddedPostgres
from shared.service import SERVICES
from shared.settings import Settings

log = logging.getLogger("ccats.up")
STATE_FILE = "ccats.json"


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def read_state(data_dir: Path) -> dict[str, str] | None:
    """Where a running `ccats up` of this data folder listens, if one does."""
    try:
        return json.loads(state_path(data_dir).read_text())
    except (OSError, ValueError):
        return None


@dataclass
class ServiceProcess:
    """One service's process, restarted with a growing pause if it dies."""

    name: str
    env: dict[str, str]
    log_file: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = field(default=0.0)

    def start(self) -> None:
        out = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ccats", "service", self.name, "--no-bootstrap"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def check(self, now: float) -> None:
        if self.process is None or self.process.poll() is None:
            return
        if self.next_start == 0.0:
            pause = min(2**self.restarts, 30)
            log.warning(
                "%s exited (%s); restarting in %ss", self.name, self.process.returncode, pause
            )
            self.next_start = now + pause
        elif now >= self.next_start:
            self.restarts += 1
            self.next_start = 0.0
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


REPLICAS_VARIABLE = "CCATS_REPLICAS"
"""Processes per service, e.g. `attendance=2,identity=2`; a service not named runs one."""


def replica_counts(spec: str) -> dict[str, int]:
    """`attendance=2,identity=2` as counts for every service (one unless named).

    Replicas of a service share its queue groups and durable consumers, so each
    request and each event is handled by one of them.
    """
    counts = dict.fromkeys(SERVICES, 1)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, count = part.partition("=")
        name = name.strip()
        if name not in counts or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(
                f"{part!r} is not SERVICE=COUNT with a service of "
                f"{', '.join(SERVICES)} and a count of at least 1"
            )
        counts[name] = int(count)
    return counts


def up(
    data_dir: Path,
    *,
    demo: bool,
    nats_port: int | None = NATS_DEFAULT_PORT,
    replicas: dict[str, int] | None = None,
) -> int:
    settings = Settings()
    replicas = replicas or replica_counts(os.environ.get(REPLICAS_VARIABLE, ""))
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    nats_server = EmbeddedNats(data_dir / "nats", nats_port) if not settings.nats_url else None
    postgres = EmbeddedPostgres(data_dir / "postgres") if not settings.database_url else None
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    services: list[ServiceProcess] = []
    try:
        if nats_server is not None:
            nats_server.start()
        if postgres is not None:
            postgres.start()
        nats_url = nats_server.url if nats_server else settings.nats_url
        database_url = postgres.url if postgres else settings.database_url
        print(f"NATS        {nats_url}", flush=True)
        print(f"PostgreSQL  {database_url}", flush=True)
        bootstrap.migrate(database_url)
        asyncio.run(bootstrap.declare(nats_url, settings.stream_replicas))
        env = {
            **os.environ,
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "CCATS_DATA_DIR": str(data_dir),
        }
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        for name in SERVICES:
            for n in range(replicas.get(name, 1)):
                log_name = name if n == 0 else f"{name}-{n + 1}"
                service = ServiceProcess(name, env, logs / f"{log_name}.log")
                service.start()
                services.append(service)
                print(f"service     {log_name:<14} log {service.log_file}", flush=True)
        state_path(data_dir).write_text(
            json.dumps({"nats_url": nats_url, "database_url": database_url, "pid": os.getpid()})
        )
        if demo:
            from ccats.demo import load_demo

            count = asyncio.run(load_demo(nats_url))
            print(f"demo        {count} eligibility records published", flush=True)
        print("ccats is up; Ctrl-C stops it (data is kept)", flush=True)
        while not stopping:
            now = time.monotonic()
            for service in services:
                service.check(now)
            time.sleep(0.2)
        print("stopping…", flush=True)
        return 0
    finally:
        for service in services:
            service.stop()
        for service in services:
            service.wait(15)
        state_path(data_dir).unlink(missing_ok=True)
        if postgres is not None:
            postgres.stop()
        if nats_server is not None:
            nats_server.stop()
