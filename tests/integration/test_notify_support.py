"""What the notify tests share (no tests here): a real SMTP server run in the test
(aiosmtpd), the contract events that feed notify, and the operator look-up."""

from __future__ import annotations

import email
import email.policy
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from nats.aio.client import Client as NatsClient
from sqlalchemy import text

from ccats.embedded import free_port
from shared.contract.base import Event
from shared.contract.events import (
    AuthorizationChanged,
    NotificationSent,
    PinSetLinkIssued,
    ProviderChanged,
)
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import authorization_record
from tests.running import stream_messages

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
"""The tests' clock: Tuesday, November 24, 2026, 8:00 am in Denver."""


# --- a real SMTP server ------------------------------------------------------------------


@dataclass
class Received:
    """One mail as the server got it."""

    envelope_to: list[str]
    mail: EmailMessage

    def text(self) -> str:
        return self.mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    def html(self) -> str:
        return self.mail.get_body(("html",)).get_content()  # type: ignore[union-attr]


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps every mail; refuses the addresses in `refuse`."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), mail))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


class SmtpServer:
    """An SMTP server on 127.0.0.1 that a test can stop and start again on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- contract events -----------------------------------------------------------------------


async def publish(nc: NatsClient, event: Event) -> None:
    """As a producer's outbox relay does: on JetStream, with `Nats-Msg-Id`."""
    await nc.jetstream().publish(
        event.subject,
        event.model_dump_json(by_alias=True).encode(),
        headers={"Nats-Msg-Id": str(event.event_id)},
    )


async def publish_case(nc: NatsClient, case_id: str, adults: list[dict], version: int = 1) -> None:
    record = {"case_id": case_id, "version": version, "adults": adults}
    await nc.jetstream().publish("eligibility.case", json.dumps(record).encode())


def adult(person_id: str, first_name: str, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "person_id": person_id,
        "first_name": first_name,
        "last_name": "Garcia",
        "email": f"{first_name.lower()}@family.example",
        "language": "en",
        "role": "parent",
    }
    record.update(overrides)
    return record


def provider_changed(**overrides: Any) -> ProviderChanged:
    fields: dict[str, Any] = {
        "occurred_at": NOW,
        "provider_id": "CO-1",
        "version": 1,
        "name": "Sunshine Early Learning Center",
        "program": "colorado",
        "type": "center",
        "status": "active",
        "timezone": "America/Denver",
        "ages_served": {"min_months": 6, "max_months": 144},
        "email": "office@sunshine.example",
        "staff": [
            {
                "first_name": "Tom",
                "last_name": "Baker",
                "email": "tom@sunshine.example",
                "role": "admin",
            }
        ],
        "changes": ["name"],
    }
    fields.update(overrides)
    return ProviderChanged.model_validate(fields)


def authorization_changed(**overrides: Any) -> AuthorizationChanged:
    return AuthorizationChanged.model_validate(
        {**authorization_record(**overrides), "occurred_at": NOW, "changes": ["status"]}
    )


def pin_link(**overrides: Any) -> PinSetLinkIssued:
    fields: dict[str, Any] = {
        "occurred_at": NOW,
        "person_id": "A-1",
        "link_token": "tok-7f3a9c2e5b1d4f60",
        "expires_at": NOW + timedelta(hours=24),
        "first_name": "Ana",
        "email": "ana@family.example",
        "language": "en",
    }
    fields.update(overrides)
    return PinSetLinkIssued.model_validate(fields)


# --- operators and the NOTIFY stream ----------------------------------------------------


async def look_up(nc: NatsClient, **query: Any) -> dict[str, Any]:
    reply = await nc.request("ops.notify.messages", json.dumps(query).encode(), timeout=5)
    return json.loads(reply.data)


async def sent_events(nc: NatsClient) -> list[NotificationSent]:
    msgs = await stream_messages(nc, "NOTIFY", "notify.sent")
    return [NotificationSent.model_validate_json(m.data) for m in msgs]


async def in_read_model(settings: Settings, table: str, key: str, value: str) -> bool:
    """Whether notify's own read model holds this contact yet (its table, its schema)."""
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text(f'SELECT 1 FROM notify."{table}" WHERE "{key}" = :value'),
                {"value": value},
            )
            return found.first() is not None
    finally:
        await engine.dispose()


async def contacts_known(
    settings: Settings,
    *,
    case_id: str | None = None,
    provider_id: str | None = None,
    child_id: str | None = None,
) -> bool:
    """Every named contact has reached notify's read model."""
    wanted = [
        ("cases", "case_id", case_id),
        ("providers", "provider_id", provider_id),
        ("children", "child_id", child_id),
    ]
    for table, key, value in wanted:
        if value is not None and not await in_read_model(settings, table, key, value):
            return False
    return True


class LogCapture(logging.Handler):
    """Every log line of the system, formatted with its extras, for leak checks."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("mail.log"):  # the test's own SMTP server
            return
        extras = {
            k: v
            for k, v in vars(record).items()
            if k not in logging.LogRecord("", 0, "", 0, "", None, None).__dict__
        }
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text} {extras}")


@contextmanager
def captured_logs() -> Iterator[LogCapture]:
    handler = LogCapture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
