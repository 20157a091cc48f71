"""`ccats up` as an operator runs it: embedded servers, five services, demo
world; stopped with SIGTERM and started again, every authorization is kept."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

pytestmark = pytest.mark.e2e
CCATS = [sys.executable, "-m", "ccats"]


class Up:
    """One `ccats up` process and the NATS address it printed."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
        self.log = data_dir.parent / f"up-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen(
            # the data folder after the command, as operators also write it
            [*CCATS, "up", "--data-dir", str(data_dir), "--nats-port", "0", *extra],
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.nats_url = self._wait_for(r"nats://[0-9.:]+", timeout=60)

    def _wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log.read_text(errors="replace"))
            if found:
                return found.group(0)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"`ccats up` printed no {pattern}:\n{self.log.read_text()}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's 0700 folders: as root, pgserver runs PostgreSQL as another
    user, who must be able to reach the data folder."""
    top = Path(tempfile.mkdtemp(prefix="ccats-up-"))
    top.chmod(0o755)
    yield top / "data"
    shutil.rmtree(top, ignore_errors=True)


async def request(url: str, subject: str, body: dict) -> dict:
    nc = await nats.connect(url, connect_timeout=5)
    try:
        return json.loads((await nc.request(subject, json.dumps(body).encode(), 5)).data)
    finally:
        await nc.close()


def until(probe, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    last: dict = {}
    while time.monotonic() < deadline:
        try:
            last = asyncio.run(probe())
        except Exception as exc:
            last = {"error": repr(exc)}
        if last.get("ok"):
            return last
        time.sleep(0.5)
    raise AssertionError(f"not ok within {timeout}s: {last}")


def test_up_status_stop_and_start_again_keeps_authorizations(data_dir: Path) -> None:
    up = Up(data_dir, "--demo")
    try:
        # Generous waits: five processes start on a shared, noisy machine (speed is
        # not what this test is about).
        health = until(lambda: request(up.nats_url, "ops.health", {}), timeout=120)
        assert set(health["services"]) == {
            "identity", "authorization", "attendance", "billing", "notify"
        }
        demo = until(
            lambda: request(up.nats_url, "authorization.get", {"authorization_id": "AUTH-TX-1"}),
            timeout=60,
        )
        assert demo["authorization"]["provider_id"] == "TX-4001"
    finally:
        assert up.stop() == 0

    again = Up(data_dir)
    try:
        until(lambda: request(again.nats_url, "ops.health", {}), timeout=120)
        kept = until(
            lambda: request(again.nats_url, "authorization.get",
                            {"authorization_id": "AUTH-TX-1"}),
            timeout=60,
        )
        assert kept["authorization"]["version"] == 1
        assert [h["version"] for h in kept["history"]] == [1]
        cli = subprocess.run(
            [*CCATS, "--data-dir", str(data_dir), "status"], capture_output=True, text=True
        )
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert json.loads(cli.stdout)["ok"] is True
    finally:
        assert again.stop() == 0
