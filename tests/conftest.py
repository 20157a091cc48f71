"""Fixtures: a real NATS and a real PostgreSQL per test run; per test, its own
database (copied from a migrated template) and freshly declared streams."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from nats.aio.client import Client as NatsClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ccats.bootstrap import migrate
from shared.bus.streams import STREAMS, declare_streams
from shared.db import sync_engine
from shared.settings import Settings
from tests.servers import nats_server, postgres_server

# The machines are shared and noisy: a property holds or not whatever the time an
# example takes, so no per-example deadline (speed lives in benchmarks/).
hypothesis_settings.register_profile(
    "ccats", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("ccats")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--containers",
        action="store_true",
        default=os.environ.get("CCATS_TEST_CONTAINERS") == "1",
        help="run NATS and PostgreSQL in testcontainers (needs Docker)",
    )


@pytest.fixture(scope="session")
def servers_dir() -> Iterator[Path]:
    """Outside pytest's own temp folders, which another pytest run may prune."""
    path = Path(tempfile.mkdtemp(prefix="ccats-test-servers-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def nats_url(request: pytest.FixtureRequest, servers_dir: Path) -> Iterator[str]:
    with nats_server(
        servers_dir,
        url=os.environ.get("NATS_URL", ""),
        containers=request.config.getoption("--containers"),
    ) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest, servers_dir: Path) -> Iterator[str]:
    with postgres_server(
        servers_dir,
        url=os.environ.get("DATABASE_URL", ""),
        containers=request.config.getoption("--containers"),
    ) as url:
        yield url


def _database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_database(postgres_url: str) -> Iterator[str]:
    """Every service's schema migrated once; each test gets a copy."""
    name = f"ccats_template_{uuid.uuid4().hex[:8]}"
    admin = sync_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    migrate(_database(postgres_url, name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(postgres_url: str, template_database: str) -> Iterator[str]:
    """A database of this test's own, at every service's newest revision."""
    name = f"ccats_test_{uuid.uuid4().hex[:12]}"
    admin = sync_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    yield _database(postgres_url, name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[NatsClient]:
    """A client of the test's own, with every stream emptied and declared anew."""
    client = await nats.connect(nats_url, connect_timeout=5)
    js = client.jetstream()
    for spec in STREAMS:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(spec.name)
    await declare_streams(js)
    yield client
    await client.close()


@pytest.fixture
def settings(nats_url: str, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        nats_url=nats_url,
        database_url=database_url,
        data_dir=tmp_path / "data",
        relay_poll_seconds=0.05,
        max_deliver=3,
        ack_wait_seconds=5.0,
    )
