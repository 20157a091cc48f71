"""Never leak (ID-2, architecture rule 6): through a full PIN flow, no PIN, link
token, registration code or pepper appears in any log line, span, event, error
message or database row, except the link token inside its `PinSetLinkIssued`
and the code inside its `RegistrationCodeIssued` (for notify, on the IDENTITY
stream only notify may read)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient
from pydantic import SecretStr
from sqlalchemy import text

from shared.clock import FixedClock
from shared.contract import subjects
from shared.contract.identity import (
    ADMIN_REGISTER,
    CREDENTIAL_VERIFY,
    OPS_REGISTRATION_CODE,
    parent_pin_reset,
    provider_identity_subject,
)
from shared.db import async_engine
from shared.settings import Settings
from tests.identity_world import (
    adult,
    ask,
    authorization,
    case,
    events_on,
    links_for,
    newest_link,
    provider,
    publish,
    set_pin,
    settle,
    signin,
)
from tests.running import eventually, running

pytestmark = pytest.mark.e2e

START = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)
PEPPER = "pepper-7c1f0a9e55d2b"
PIN = "58132134"
BAD_PINS = ("12345678", "11111111", "01928374", "20252025", "5813213x")
UNUSED_PIN = "69174283"
CARD = "4000999988887777"


class Captured(logging.Handler):
    """Every log record of the process, formatted with all its fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in vars(record).items() if k not in ("msg", "args")}
        exc = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        self.lines.append(f"{record.getMessage()} {fields!r} {exc}")


@pytest.fixture
def captured() -> Iterator[Captured]:
    root = logging.getLogger()
    handler, level = Captured(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def span_texts(spans: Any) -> list[str]:
    texts = []
    for span in spans.get_finished_spans():
        texts.append(span.name)
        texts.append(json.dumps(dict(span.attributes or {}), default=str))
        texts.append(str(span.status.description))
        texts.extend(
            f"{e.name} {json.dumps(dict(e.attributes or {}), default=str)}" for e in span.events
        )
    return texts


async def identity_rows(settings: Settings) -> list[str]:
    """Every row of identity's schema as text: what a database dump would show."""
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            tables = (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'identity'")
                )
            ).scalars()
            rows: list[str] = []
            for table in list(tables):
                found = await conn.execute(
                    text(f'SELECT row_to_json(t)::text FROM identity."{table}" t')
                )
                rows.extend(found.scalars())
            outbox = await conn.execute(
                text("SELECT convert_from(payload, 'UTF8') FROM identity.outbox")
            )
            rows.extend(outbox.scalars())
            return rows
    finally:
        await engine.dispose()


async def full_flow(nc: NatsClient, clock: FixedClock) -> list[dict[str, Any]]:
    """Everything a PIN goes through; returns every reply."""
    staff = [{"first_name": "Ana", "last_name": "Ruiz", "email": "ana@x.org", "role": "admin"}]
    await publish(
        nc,
        subjects.PROVIDER_CHANGED,
        provider(
            "TX-1", program="texas", timezone="America/Chicago", staff=staff, occurred_at=START
        ),
    )
    await publish(
        nc,
        subjects.AUTHORIZATION_CHANGED,
        authorization(
            "AU-1", case_id="C-1", child_id="CH-1", provider_id="TX-1", occurred_at=START
        ),
    )
    await publish(
        nc,
        subjects.ELIGIBILITY_CASE,
        case("C-1", [adult("A-1", card_number=CARD), adult("A-2", "Jose")]),
    )
    await settle(nc)
    replies: list[dict[str, Any]] = []
    link = await newest_link(nc, "A-1")
    for wrong in BAD_PINS:
        replies.append(await set_pin(nc, link["link_token"], wrong))
    replies.append(await set_pin(nc, link["link_token"], PIN, UNUSED_PIN))
    replies.append(await ask(nc, subjects.PIN_SET, {"link_token": link["link_token"], "pin": PIN}))
    replies.append(await set_pin(nc, link["link_token"], PIN))
    replies.append(await set_pin(nc, link["link_token"], PIN))  # used
    jose = await newest_link(nc, "A-2")
    replies.append(await set_pin(nc, jose["link_token"], PIN))  # in use

    replies.append(await signin(nc, "TX-1", PIN, card=CARD))
    for wrong in (*BAD_PINS, UNUSED_PIN):
        replies.append(await signin(nc, "TX-1", wrong, device="K-9", card=CARD))
    replies.append(
        await ask(
            nc,
            CREDENTIAL_VERIFY,
            {"provider_id": "TX-1", "device_id": "K-1", "pin": PIN, "card": CARD},
        )
    )
    replies.append(await ask(nc, parent_pin_reset("A-1"), {"event_id": str(uuid.uuid4())}))
    replies.append(
        await ask(
            nc,
            subjects.parent_subject("A-1", subjects.CARD_REPORT_LOST),
            {"event_id": str(uuid.uuid4())},
        )
    )
    clock.advance(timedelta(hours=25))
    replies.append(await ask(nc, subjects.OPS_REMIND_LINKS, {"as_of": clock.now().isoformat()}))
    replies.append(
        await ask(
            nc,
            OPS_REGISTRATION_CODE,
            {"provider_id": "TX-1", "first_name": "Ana", "last_name": "Ruiz"},
        )
    )
    [sent] = await eventually(lambda: events_on(nc, "identity.registration_code_issued"))
    register = provider_identity_subject("TX-1", ADMIN_REGISTER)
    for attempt in ("WRONGCODE1", sent["code"], sent["code"]):
        replies.append(
            await ask(nc, register, {"first_name": "Ana", "last_name": "Ruiz", "code": attempt})
        )
    return replies


async def test_no_pin_token_code_or_pepper_leaks_anywhere(
    nc: NatsClient, settings: Settings, captured: Captured
) -> None:  # ID-2, ID-3, ID-8, architecture rule 6
    settings = settings.model_copy(update={"pin_pepper": SecretStr(PEPPER)})
    clock = FixedClock(START)
    async with running(settings, ("identity",), clock=clock) as system:
        replies = await full_flow(nc, clock)
        codes_seen = {r["error"]["code"] for r in replies if not r["ok"]}
        assert {
            "pin_in_use",
            "pin_mismatch",
            "link_used",
            "device_locked",
            "pin_invalid",
            "invalid_request",
            "registration_code_used",
        } <= codes_seen
        assert sum(r["ok"] for r in replies) == 8

        maria = await newest_link(nc, "A-1", count=2)  # welcome, reset
        jose = await newest_link(nc, "A-2", count=2)  # welcome, reminder
        assert maria["reminder"] is False and jose["reminder"] is True
        links = await links_for(nc, "A-1") + await links_for(nc, "A-2")
        tokens = {link["link_token"] for link in links}
        codes = {e["code"] for e in await events_on(nc, "identity.registration_code_issued")}
        assert len(tokens) == 4 and len(codes) == 1
        secrets = {PIN, *BAD_PINS, UNUSED_PIN, PEPPER, *tokens, *codes}

        async def redacted() -> bool:
            rows = await identity_rows(settings)
            return not any(s in row for row in rows for s in secrets)

        assert await eventually(redacted)  # published tokens and codes leave the outbox
        rows = await identity_rows(settings)
        assert not any(CARD in row for row in rows)  # a card only as its keyed hash

    texts = captured.lines + span_texts(system.spans)
    assert len(captured.lines) > 50 and len(span_texts(system.spans)) > 50
    for secret in secrets:
        assert not [t for t in texts if secret in t], "a secret is in a log line or span"

    assert not [r for r in replies if any(s in json.dumps(r) for s in secrets)]
    for subject in (
        "identity.pin_link_issued",
        "identity.pin_set",
        "identity.registration_code_issued",
    ):
        for event in await events_on(nc, subject):
            carried = {event.get("link_token"), event.get("code")}
            body = json.dumps(event)
            assert not [s for s in secrets - carried if s in body], subject
