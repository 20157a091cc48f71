"""The welcome flow through the public contract, with every service running: the
eligibility system names an adult, identity issues a SET PIN link, notify mails it
to a real SMTP server in the adult's language, and the link in that mail sets the
PIN, once (ID-3, NOT-1..NOT-3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.requests import PinSetRequest
from shared.settings import Settings
from tests.integration.test_notify_support import (
    NOW,
    Received,
    SmtpServer,
    adult,
    look_up,
    publish_case,
    sent_events,
    smtp_server,
)
from tests.running import eventually, running

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def link_token(mail: Received) -> str:
    """The token of the SET PIN link, as a person clicking it would carry it."""
    link = next(w for w in mail.text().split() if "/set-pin#" in w)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:8080/set-pin"
    key, _, token = parts.fragment.partition("=")
    assert key == "token"
    return unquote(token)


async def set_pin(nc: NatsClient, token: str) -> dict:
    request = PinSetRequest(link_token=token, pin="27193846", pin_confirm="27193846")
    reply = await nc.request(PinSetRequest.subject, request.to_wire(), timeout=5)
    return json.loads(reply.data)


async def test_a_spanish_speaking_adult_sets_the_pin_with_the_mailed_link(
    nc: NatsClient, settings: Settings, smtp: SmtpServer
) -> None:  # ID-3, NOT-1, NOT-3
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    async with running(mail, clock=FixedClock(NOW)):
        await publish_case(nc, "CASE-E2E", [adult("A-E2E", "Lucia", language="es")])

        [welcome] = await eventually(lambda: _mail_to(smtp, "lucia@family.example"), timeout=20)
        token = link_token(welcome)
        first = await set_pin(nc, token)
        again = await set_pin(nc, token)
        [event] = await eventually(lambda: _for(sent_events(nc), "A-E2E"))
        answer = await look_up(nc, person_id="A-E2E")

    assert welcome.mail["Subject"] == "Le damos la bienvenida: cree su PIN de asistencia"
    assert welcome.mail["Content-Language"] == "es"
    assert first == {"ok": True}
    assert again["error"]["code"] == "link_used"  # ID-3: a link works once
    assert (event.kind, event.language, event.channel) == ("pin_link", "es", "email")
    [message] = answer["messages"]
    assert (message["to"], message["status"]) == ("lucia@family.example", "sent")
    assert token not in json.dumps(answer)


async def _mail_to(smtp: SmtpServer, address: str) -> list[Received]:
    return smtp.mailbox.to(address)


async def _for(events_coro, person_id: str):
    return [e for e in await events_coro if e.person_id == person_id]
