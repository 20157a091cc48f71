"""Real NATS and PostgreSQL for the tests: from `NATS_URL` / `DATABASE_URL` when
set, testcontainers when asked for (`--containers` or `CCATS_TEST_CONTAINERS=1`,
where Docker runs), else the embedded servers from the pip packages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ccats.embedded import EmbeddedNats, EmbeddedPostgres


@contextlib.contextmanager
def nats_server(tmp: Path, *, url: str, containers: bool) -> Iterator[str]:
    if url:
        yield url
    elif containers:
        from testcontainers.community.nats import NatsContainer

        with NatsContainer("nats:2.11", jetstream=True) as container:
            yield container.nats_uri()
    else:
        server = EmbeddedNats(tmp / "nats", port=None)
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def postgres_server(tmp: Path, *, url: str, containers: bool) -> Iterator[str]:
    if url:
        yield url
    elif containers:
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as container:
            yield container.get_connection_url()
    else:
        server = EmbeddedPostgres(tmp / "postgres")
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
