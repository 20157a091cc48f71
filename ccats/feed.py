"""Publishing eligibility records to `eligibility.<record>` as the state system does.

Each record is published with a stable `Nats-Msg-Id` derived from what it is,
so publishing the same record twice is dropped by JetStream, and the services'
version rule makes any later repeat a no-op as well (AUTH-1).
"""

from __future__ import annotations

from collections.abc import Iterable

import nats
from nats.js import JetStreamContext
from pydantic import TypeAdapter

from shared.contract.eligibility import EligibilityLine

LINE = TypeAdapter(EligibilityLine)
ID_FIELD = {"provider": "provider_id", "case": "case_id", "authorization": "authorization_id"}


def message_id(kind: str, record_id: str, version: int) -> str:
    """The same record at the same version always gets the same id."""
    return f"eligibility:{kind}:{record_id}:v{version}"


async def publish_record(js: JetStreamContext, line: str) -> None:
    """Validate one JSON line and publish it; raises ValidationError for a bad one."""
    parsed = LINE.validate_json(line)
    msg_id = (
        str(parsed.event_id)
        if parsed.event_id
        else message_id(parsed.record, getattr(parsed, ID_FIELD[parsed.record]), parsed.version)
    )
    await js.publish(
        f"eligibility.{parsed.record}",
        parsed.model_dump_json(by_alias=True, exclude={"record"}).encode(),
        headers={"Nats-Msg-Id": msg_id},
        timeout=10,
    )


async def publish_lines(nats_url: str, lines: Iterable[str]) -> int:
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        js = nc.jetstream()
        count = 0
        for line in lines:
            if line.strip():
                await publish_record(js, line)
                count += 1
        return count
    finally:
        await nc.close()
