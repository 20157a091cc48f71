"""The one bootstrap step: every schema migrated, every stream declared.

Run by `ccats up` and `ccats migrate` before any service starts, so services
never race to declare streams (see ../shared/faststream-notes.md).
"""

from __future__ import annotations

import nats

from shared.bus.streams import declare_streams
from shared.migrations import upgrade
from shared.service import SERVICES


def migrate(database_url: str, services: tuple[str, ...] = SERVICES) -> None:
    for service in services:
        upgrade(service, database_url)


async def declare(nats_url: str, replicas: int = 1, *, only_missing: bool = False) -> None:
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        await declare_streams(nc.jetstream(), replicas, only_missing=only_missing)
    finally:
        await nc.close()
