"""The eligibility consumers' unit of work: the kernel's batch transaction
(`shared.batch_consumer`), with the events written to the outbox by COPY (a
nightly file stages tens of thousands), and event bodies built without
serializing twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import to_json

from shared.batch_consumer import BatchTransaction

from .bulk import copy_rows


def flat_event(envelope: Mapping[str, Any], body: str) -> bytes:
    """A flat event body: the envelope's fields (`event_id`, `occurred_at`, ...) and
    those of `body`, a JSON object already serialized (its keys are not repeated)."""
    head = to_json(envelope)
    if body.strip() == "{}":
        return head
    return b"%b,%b" % (head[:-1], body.lstrip()[1:].encode())


class CopiedBatch(BatchTransaction):
    """A batch transaction whose staged events are written with one COPY."""

    async def flush(self) -> None:
        """Write the staged events to the outbox, in the order they were emitted."""
        await copy_rows(self.conn, self.outbox, self.staged_rows())
