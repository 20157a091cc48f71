"""Publishing eligibility records to `eligibility.<record>` as the state system does.

Each record gets a stable `event_id` (sent in the body and as `Nats-Msg-Id`): the
record's own when it has one, else one derived from what it is and says. Publishing
the same record twice is then dropped by JetStream within the duplicate window and
by the authorization service's inbox after it, and its version rule makes any other
repeat a no-op as well (AUTH-1).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID, uuid5

import nats
from nats.js import JetStreamContext
from nats.js.api import PubAck
from pydantic import TypeAdapter

from shared.bus.streams import stream_for
from shared.contract.eligibility import AuthorizationLine, CaseLine, EligibilityLine, ProviderLine
from shared.tasks import raise_if_cancelling

LINE = TypeAdapter(EligibilityLine)
ID_FIELD = {"provider": "provider_id", "case": "case_id", "authorization": "authorization_id"}
EVENT_ID_NAMESPACE = UUID("6f0d7c1e-3b0a-5d4e-9f55-0c2a8e7b4d21")
"""Fixed forever: event ids derived under it must be the same on every run."""

PUBLISH_TIMEOUT_SECONDS = 10.0
PUBLISH_ATTEMPTS = 4


def message_id(kind: str, record_id: str, version: int) -> str:
    """The same record at the same version always gets the same id."""
    return f"eligibility:{kind}:{record_id}:v{version}"


@dataclass(frozen=True)
class EligibilityMessage:
    """One record ready to publish."""

    kind: str
    record_id: str
    subject: str
    event_id: str
    body: bytes


def eligibility_message(line: ProviderLine | CaseLine | AuthorizationLine) -> EligibilityMessage:
    """The message of a validated line, with its stable event id.

    Derived from the record's kind, id and version and from its whole content as
    validated (so a file reformatted or reordered keeps its ids, while a record that
    changed without a new version is still received, and kept, as a duplicate).
    """
    kind = line.record
    record_id = getattr(line, ID_FIELD[kind])
    canonical = line.model_dump_json(by_alias=True, exclude={"record", "event_id"})
    event_id = line.event_id or uuid5(
        EVENT_ID_NAMESPACE, f"{message_id(kind, record_id, line.version)}\n{canonical}"
    )
    body = f'{canonical[:-1]},"event_id":"{event_id}"}}'
    return EligibilityMessage(kind, record_id, f"eligibility.{kind}", str(event_id), body.encode())


class PublishFailed(RuntimeError):
    """JetStream did not acknowledge a record after every attempt."""


class WindowedPublisher:
    """Publishes to JetStream with up to `window` PubAcks outstanding.

    Messages go out at once (`publish_async`); when the window is full, the oldest
    half is settled. A record counts as published only on its PubAck from the
    stream that stores its subject; one without a PubAck in time is published again,
    with the same `Nats-Msg-Id` (so the stream stores it once), before giving up.
    """

    def __init__(self, js: JetStreamContext, window: int = 256) -> None:
        self._js = js
        self._window = max(window, 2)
        self._inflight: deque[tuple[asyncio.Future[PubAck], EligibilityMessage, dict]] = deque()
        self.published = 0
        self.already_stored = 0
        """Acknowledged as duplicates: the stream held them already."""

    async def publish(self, message: EligibilityMessage, headers: dict[str, str]) -> None:
        """Send `message`; raises PublishFailed if an earlier one could not be stored."""
        if len(self._inflight) >= self._window:
            await self._settle(self._window // 2)
        sent = {"Nats-Msg-Id": message.event_id, **headers}
        future = await self._js.publish_async(message.subject, message.body, headers=sent)
        self._inflight.append((future, message, sent))

    async def drain(self) -> None:
        """Wait for every outstanding PubAck."""
        await self._settle(len(self._inflight))

    async def _settle(self, count: int) -> None:
        batch = [self._inflight.popleft() for _ in range(min(count, len(self._inflight)))]
        if not batch:
            return
        await asyncio.wait([future for future, _, _ in batch], timeout=PUBLISH_TIMEOUT_SECONDS)
        for future, message, headers in batch:
            ack = None
            if future.done() and not future.cancelled() and future.exception() is None:
                ack = future.result()
            else:
                future.cancel()
                ack = await self._publish_again(message, headers)
            self._acknowledged(message, ack)

    async def _publish_again(self, message: EligibilityMessage, headers: dict) -> PubAck:
        attempt = 1
        while True:
            raise_if_cancelling()
            try:
                return await self._js.publish(
                    message.subject, message.body, timeout=PUBLISH_TIMEOUT_SECONDS, headers=headers
                )
            except (TimeoutError, nats.errors.Error) as exc:
                if attempt == PUBLISH_ATTEMPTS:
                    raise PublishFailed(
                        f"{message.kind} {message.record_id}: no PubAck after "
                        f"{attempt + 1} attempts ({type(exc).__name__})"
                    ) from exc
            await asyncio.sleep(0.5 * attempt)
            attempt += 1

    def _acknowledged(self, message: EligibilityMessage, ack: PubAck) -> None:
        expected = stream_for(message.subject)
        if ack.stream != expected:
            raise PublishFailed(
                f"{message.subject} was stored by {ack.stream}, not {expected}: check the streams"
            )
        self.published += 1
        self.already_stored += bool(ack.duplicate)


async def publish_lines(nats_url: str, lines: Iterable[str]) -> int:
    """Validate and publish JSON lines (the demo world); raises on a bad line."""
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        publisher = WindowedPublisher(nc.jetstream())
        count = 0
        for line in lines:
            if line.strip():
                await publisher.publish(eligibility_message(LINE.validate_json(line)), {})
                count += 1
        await publisher.drain()
        return count
    finally:
        with contextlib.suppress(Exception):
            await nc.close()
