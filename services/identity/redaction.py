"""Secrets leave the outbox once published (ID-2, ID-3, ID-8; architecture rule 6).

`PinSetLinkIssued` and `RegistrationCodeIssued` must carry their token or code to
notify, so they go through the outbox like any event; once JetStream has them,
the copy in identity's outbox is of no use and would let a database dump set
someone's PIN. A worker replaces those values with `redacted`, oldest first,
and never touches a row the relay has not published yet.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contract.events import PinSetLinkIssued, RegistrationCodeIssued
from shared.tasks import raise_if_cancelling

from .store.tables import outbox

REDACTED = "redacted"
SECRET_FIELDS: dict[str, str] = {
    PinSetLinkIssued.subject: "link_token",
    RegistrationCodeIssued.subject: "code",
}
"""The one secret field of each event that carries one."""
EVERY_SECONDS = 1.0
BATCH = 500


def redacted(payload: bytes, field: str) -> bytes | None:
    """The payload with `field` redacted, or None when there is nothing to change."""
    body = json.loads(payload)
    if body.get(field) in (None, REDACTED):
        return None
    return json.dumps({**body, field: REDACTED}).encode()


class OutboxRedaction:
    """Redacts published secret-bearing outbox rows; remembers how far it got."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._after = 0

    async def run_once(self) -> int:
        """One pass over the rows published since the last; returns how many changed."""
        changed = 0
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.id, outbox.c.subject, outbox.c.payload, outbox.c.published_at)
                    .where(outbox.c.id > self._after)
                    .order_by(outbox.c.id)
                    .limit(BATCH)
                )
            ).all()
            for row in rows:
                if row.published_at is None:
                    break  # the relay publishes in order: come back for this one
                field = SECRET_FIELDS.get(row.subject)
                new = redacted(row.payload, field) if field else None
                if new is not None:
                    await conn.execute(
                        update(outbox).where(outbox.c.id == row.id).values(payload=new)
                    )
                    changed += 1
                self._after = row.id
        return changed

    def loop(self, log: logging.Logger) -> Callable[[], Awaitable[None]]:
        """The worker: a failed pass (the database away) is logged and tried again."""

        async def run() -> None:
            while True:
                raise_if_cancelling()
                try:
                    await self.run_once()
                except Exception:
                    log.warning("outbox redaction failed; will retry", exc_info=True)
                await asyncio.sleep(EVERY_SECONDS)

        return run
