"""What was sent, to whom and when can be looked up (NOT-3); a link token or a
registration code appears only in the message to its owner (architecture rule 6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import select

from ccats.cli import main as ccats
from services.notify import store
from shared.clock import FixedClock
from shared.contract.events import PendingDeadlineApproaching, RegistrationCodeIssued
from shared.db import async_engine
from shared.settings import Settings
from tests.integration.test_notify_support import (
    NOW,
    SmtpServer,
    adult,
    captured_logs,
    contacts_known,
    look_up,
    pin_link,
    provider_changed,
    publish,
    publish_case,
    sent_events,
    smtp_server,
)
from tests.running import eventually, running, stream_messages

pytestmark = pytest.mark.integration

TOKEN = "tok-Zq8vW3nL5xR2"
CODE = "RC-61M9QK"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def with_smtp(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})


async def sent_to(nc: NatsClient, count: int, **recipient: str) -> list[dict] | None:
    messages = (await look_up(nc, **recipient))["messages"]
    done = [m for m in messages if m["status"] in ("sent", "failed")]
    return messages if len(done) >= count else None


async def test_operators_see_what_was_sent_to_a_person_and_when_but_not_the_body(
    nc: NatsClient, settings: Settings, smtp: SmtpServer
) -> None:  # NOT-3
    clock = FixedClock(NOW)
    async with running(with_smtp(settings, smtp), ("notify",), clock=clock):
        await publish_case(nc, "CASE-1", [adult("A-1", "Ana")])
        await eventually(lambda: contacts_known(settings, case_id="CASE-1"))
        welcome = pin_link(link_token=TOKEN)
        await publish(nc, welcome)
        await eventually(lambda: sent_to(nc, 1, person_id="A-1"))
        clock.advance(timedelta(days=3))
        await publish(
            nc,
            PendingDeadlineApproaching(
                occurred_at=clock.now(),
                record_id="REC-1",
                provider_id="CO-1",
                child_id="CH-1",
                case_id="CASE-1",
                deadline=clock.now() + timedelta(days=2),
                days_left=2,
            ),
        )
        newest, oldest = await eventually(lambda: sent_to(nc, 2, person_id="A-1"))
        since = await look_up(nc, person_id="A-1", since=(NOW + timedelta(days=1)).isoformat())
        limited = await look_up(nc, person_id="A-1", limit=1)
        reply = await nc.request("ops.notify.messages", b'{"person_id": "A-1"}', timeout=5)

    assert oldest == {
        "notification_id": oldest["notification_id"],
        "kind": "pin_link",
        "channel": "email",
        "to": "ana@family.example",
        "language": "en",
        "subject": "Welcome: set your attendance PIN",
        "status": "sent",
        "attempts": 1,
        "created_at": "2026-11-24T15:00:00Z",
        "next_attempt_at": None,
        "sent_at": "2026-11-24T15:00:00Z",
        "failed_at": None,
        "last_error": None,
        "cause_event_id": str(welcome.event_id),
        "cause_subject": "identity.pin_link_issued",
    }
    assert newest["kind"] == "pending_deadline_reminder"
    assert newest["sent_at"] == "2026-11-27T15:00:00Z"
    assert [m["kind"] for m in since["messages"]] == ["pending_deadline_reminder"]
    assert [m["kind"] for m in limited["messages"]] == ["pending_deadline_reminder"]
    assert TOKEN not in reply.data.decode()


async def test_a_look_up_needs_exactly_one_recipient(
    nc: NatsClient, settings: Settings
) -> None:  # contract "Conventions": refused with a stable code, never half-applied
    async with running(settings, ("notify",)):
        both = await look_up(nc, person_id="A-1", provider_id="CO-1")
        neither = await look_up(nc)
        wildcard = await look_up(nc, person_id="A.*")
        unknown = await look_up(nc, person_id="nobody")
    assert both["error"]["code"] == "invalid_request"
    assert neither["error"]["code"] == "invalid_request"
    assert wildcard["error"]["code"] == "invalid_request"
    assert unknown == {"ok": True, "messages": [], "waiting": []}


async def test_the_link_token_and_code_appear_only_in_the_mail_to_their_owner(
    nc: NatsClient, settings: Settings, smtp: SmtpServer
) -> None:  # architecture rule 6, ID-3, ID-8
    smtp.mailbox.refuse.add("gone@family.example")
    with captured_logs() as logs:
        async with running(with_smtp(settings, smtp), ("notify",), clock=FixedClock(NOW)) as system:
            await publish(nc, provider_changed())
            await publish(nc, pin_link(link_token=TOKEN))
            await publish(
                nc,
                pin_link(
                    person_id="A-9", email="gone@family.example", link_token=TOKEN + "-refused"
                ),
            )
            await publish(
                nc,
                RegistrationCodeIssued(
                    occurred_at=NOW,
                    provider_id="CO-1",
                    first_name="Tom",
                    last_name="Baker",
                    email="tom@sunshine.example",
                    code=CODE,
                    expires_at=NOW + timedelta(days=1),
                ),
            )
            await eventually(lambda: sent_to(nc, 1, person_id="A-1"))
            await eventually(lambda: sent_to(nc, 1, person_id="A-9"))
            await eventually(lambda: sent_to(nc, 1, provider_id="CO-1"))
            replies = [
                json.dumps(await look_up(nc, person_id="A-1")),
                json.dumps(await look_up(nc, person_id="A-9")),
                json.dumps(await look_up(nc, provider_id="CO-1")),
            ]
            await eventually(lambda: _at_least(sent_events(nc), 2))
            spans = system.spans.get_finished_spans()
    secrets = (TOKEN, CODE)

    [welcome] = smtp.mailbox.to("ana@family.example")
    [code_mail] = smtp.mailbox.to("tom@sunshine.example")
    assert TOKEN in welcome.text() and CODE not in welcome.text()
    assert CODE in code_mail.text() and TOKEN not in code_mail.text()
    assert not any(s in welcome.mail["Subject"] + code_mail.mail["Subject"] for s in secrets)
    places = {
        "log lines": logs.lines,
        "spans": [_span_text(span) for span in spans],
        "NOTIFY stream": [
            m.data.decode() for m in await stream_messages(nc, "NOTIFY", "notify.sent")
        ],
        "DEADLETTER stream": [
            m.data.decode() for m in await stream_messages(nc, "DEADLETTER", "deadletter.>")
        ],
        "look-up replies": replies,
        "stored messages": await _stored_messages(settings),
    }
    for place, texts in places.items():
        for secret in secrets:
            assert not any(secret in text for text in texts), f"{secret} leaked into {place}"
    assert logs.lines and spans and replies  # there was something to look at


def _span_text(span) -> str:
    events = [(e.name, dict(e.attributes or {})) for e in span.events]
    return f"{span.name} {dict(span.attributes or {})} {events} {span.status.description}"


async def _stored_messages(settings: Settings) -> list[str]:
    """What notify keeps once the messages are sent or given up."""
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(store.messages))).all()
            kept = (await conn.execute(select(store.held_causes))).all()
            staged = (await conn.execute(select(store.outbox.c.payload))).all()
    finally:
        await engine.dispose()
    return [str(tuple(r)) for r in [*rows, *kept]] + [r.payload.decode() for r in staged]


async def _at_least(coro, count: int):
    items = await coro
    return items if len(items) >= count else None


async def test_the_command_line_twin_shows_the_same(
    nc: NatsClient,
    settings: Settings,
    smtp: SmtpServer,
    nats_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # NOT-3: every request has a command-line twin for operators
    monkeypatch.setenv("NATS_URL", nats_url)
    async with running(with_smtp(settings, smtp), ("notify",), clock=FixedClock(NOW)):
        await publish(nc, pin_link(link_token=TOKEN))
        await eventually(lambda: sent_to(nc, 1, person_id="A-1"))
        code = await _in_thread(lambda: ccats(["notify", "sent", "--person", "A-1"]))
        out = capsys.readouterr().out
        refused = await _in_thread(lambda: ccats(["notify", "retry", "nope"]))
        retry_out = capsys.readouterr().out
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == [
        "created_at",
        "status",
        "attempts",
        "kind",
        "channel",
        "to",
        "subject",
    ]
    assert row.split()[:6] == [
        "2026-11-24T15:00:00Z",
        "sent",
        "1",
        "pin_link",
        "email",
        "ana@family.example",
    ]
    assert TOKEN not in out
    assert refused == 1
    assert json.loads(retry_out)["error"]["code"] == "not_found"


async def _in_thread(call):
    """The command runs its own event loop, as from a terminal."""
    import asyncio

    return await asyncio.to_thread(call)
