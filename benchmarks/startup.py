"""How long `ccats up` takes until `ccats status` reports all five services up.

Issue 2 asks for "within 30 seconds of start". A test keeps only that it comes
up at all (speed is not asserted in tests on shared machines); this script
measures it, a first start (empty data folder: initdb, migrations, streams) and
a second start on the kept data, each run in a fresh temporary folder.

    .venv/bin/python benchmarks/startup.py --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats

CCATS = [sys.executable, "-m", "ccats"]
GIVE_UP_SECONDS = 180.0


async def healthy(url: str) -> bool:
    try:
        nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    except Exception:
        return False
    try:
        reply = await nc.request("ops.health", b"{}", timeout=2)
        return bool(json.loads(reply.data).get("ok"))
    except Exception:
        return False
    finally:
        await nc.close()


def time_to_healthy(data_dir: Path) -> float:
    """Seconds from `ccats up` to `ops.health` answering ok for all five services."""
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    log = data_dir.parent / f"up-{time.monotonic_ns()}.log"
    started = time.monotonic()
    process = subprocess.Popen(
        [*CCATS, "--data-dir", str(data_dir), "up", "--nats-port", "0"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        url = ""
        while time.monotonic() - started < GIVE_UP_SECONDS:
            printed = log.read_text("utf-8", "replace")
            if not url and (found := re.search(r"nats://[0-9.:]+", printed)):
                url = found.group(0)
            if url and asyncio.run(healthy(url)):
                return time.monotonic() - started
            if process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"not healthy within {GIVE_UP_SECONDS}s:\n{log.read_text()}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    first: list[float] = []
    again: list[float] = []
    for _ in range(args.runs):
        top = Path(tempfile.mkdtemp(prefix="ccats-startup-"))
        top.chmod(0o755)  # as root, PostgreSQL runs as its own user and must reach it
        try:
            first.append(time_to_healthy(top / "data"))
            again.append(time_to_healthy(top / "data"))
        finally:
            shutil.rmtree(top, ignore_errors=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| start | runs | median s | max s |")
    print("|---|---:|---:|---:|")
    for name, times in (("first (empty data folder)", first), ("again (data kept)", again)):
        print(f"| {name} | {len(times)} | {statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
