"""Delivery through a real SMTP server run in the test (aiosmtpd): the right
address, the right language, a working link, and every message exactly once
across an outage of the mail server (ID-3, NOT-1, NOT-3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.events import PendingAttendanceCreated
from shared.settings import Settings
from tests.integration.test_notify_support import (
    NOW,
    SmtpServer,
    adult,
    authorization_changed,
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


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def with_smtp(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})


@pytest.fixture
async def notify(nc: NatsClient, settings: Settings, smtp: SmtpServer, clock: FixedClock):
    async with running(with_smtp(settings, smtp), ("notify",), clock=clock) as system:
        yield system


def pending(**overrides) -> PendingAttendanceCreated:
    fields = {
        "occurred_at": NOW,
        "record_id": "REC-1",
        "provider_id": "CO-1",
        "child_id": "CH-1",
        "case_id": "CASE-1",
        "direction": "in",
        "channel": "provider",
        "operator_id": "OP-1",
        "deadline": NOW + timedelta(days=9),
    }
    fields.update(overrides)
    return PendingAttendanceCreated.model_validate(fields)


async def deliver(nc: NatsClient, **body) -> dict:
    reply = await nc.request("ops.notify.deliver", json.dumps(body).encode(), timeout=10)
    return json.loads(reply.data)


async def test_welcome_mail_reaches_its_owner_with_a_working_link(
    notify, nc: NatsClient, smtp: SmtpServer
) -> None:  # ID-3, NOT-3
    await publish(
        nc, pin_link(person_id="A-1", email="ana@family.example", link_token="tok-welcome-1")
    )

    [received] = await eventually(lambda: _mail_to(smtp, "ana@family.example"))
    assert received.envelope_to == ["ana@family.example"]
    assert received.mail["Subject"] == "Welcome: set your attendance PIN"
    assert received.mail["To"] == "Ana <ana@family.example>"
    link = next(w for w in received.text().split() if w.startswith("http"))
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:8080/set-pin"
    assert parts.fragment == "token=tok-welcome-1"
    assert 'href="http://127.0.0.1:8080/set-pin#token=tok-welcome-1"' in received.html()
    assert "until Wednesday, November 25, 2026" in received.text()
    [sent] = await eventually(lambda: sent_events(nc))
    assert (sent.person_id, sent.kind, sent.channel, sent.language) == (
        "A-1",
        "pin_link",
        "email",
        "en",
    )


async def test_a_spanish_speaking_parent_gets_the_spanish_text(
    notify, nc: NatsClient, smtp: SmtpServer, settings: Settings
) -> None:  # NOT-1, ATT-2
    await publish(nc, provider_changed())
    await publish(nc, authorization_changed())
    await publish_case(
        nc,
        "CASE-1",
        [
            adult("A-1", "Lucia", language="es"),
            adult("A-2", "Mark", last_name="Stone", language="en"),
        ],
    )
    await eventually(
        lambda: contacts_known(settings, case_id="CASE-1", provider_id="CO-1", child_id="CH-1")
    )
    await publish(nc, pending())

    [spanish] = await eventually(lambda: _mail_to(smtp, "lucia@family.example"))
    assert spanish.mail["Content-Language"] == "es"
    assert spanish.mail["Subject"] == ("Revise la entrada de Sofia registrada por su proveedor")
    text = spanish.text()
    assert text.startswith("Hola, Lucia:")
    assert "martes, 24 de noviembre de 2026, 8:00\u202fa.m. MST" in text  # Babel's spacing
    assert "Le quedan 9 días" in text
    assert 'lang="es"' in spanish.html()
    [english] = await eventually(lambda: _mail_to(smtp, "mark@family.example"))
    assert english.mail["Subject"] == "Please review a check-in for Sofia"
    assert "Tuesday, November 24, 2026, 8:00\u202fAM MST" in english.text()
    assert "You have 9 days left" in english.text()


async def test_every_message_arrives_exactly_once_across_a_mail_server_outage(
    notify, nc: NatsClient, smtp: SmtpServer, clock: FixedClock
) -> None:  # NOT-3: retried when the mail server fails, sent once, never lost
    smtp.stop()
    people = [f"P-{i}" for i in range(6)]
    for person in people:
        await publish(
            nc,
            pin_link(
                person_id=person,
                email=f"{person.lower()}@family.example",
                link_token=f"tok-{person}",
            ),
        )

    async def all_tried_and_waiting() -> bool:
        for person in people:
            [message] = (await look_up(nc, person_id=person))["messages"] or [None]
            if message is None or message["last_error"] is None:  # not tried, or in flight
                return False
            assert message["status"] == "queued"
            assert message["last_error"].startswith("mail server unreachable")
        return True

    await eventually(all_tried_and_waiting)
    assert smtp.mailbox.received == []

    smtp.start()
    clock.advance(timedelta(hours=1))  # past every message's backoff

    async def all_sent() -> bool:
        answers = [await look_up(nc, person_id=p) for p in people]
        return all(a["messages"][0]["status"] == "sent" for a in answers)

    await eventually(all_sent)
    clock.advance(timedelta(days=2))
    assert (await deliver(nc))["attempted"] == 0  # nothing left to try
    for person in people:
        assert len(smtp.mailbox.to(f"{person.lower()}@family.example")) == 1
    assert len(smtp.mailbox.received) == len(people)
    events = await eventually(lambda: _at_least(sent_events(nc), len(people)))
    assert sorted(e.person_id for e in events) == people


async def test_a_cause_delivered_twice_is_decided_once(
    notify, nc: NatsClient, smtp: SmtpServer
) -> None:  # NOT-3: a message is sent once
    event = pin_link(person_id="A-1", email="ana@family.example")
    js = nc.jetstream()
    for msg_id in ("first-delivery", "second-delivery"):  # past JetStream's own dedup
        await js.publish(
            event.subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id}
        )
    marker = pin_link(person_id="A-2", email="bea@family.example")
    await publish(nc, marker)

    await eventually(lambda: _mail_to(smtp, "bea@family.example"))
    await eventually(lambda: _mail_to(smtp, "ana@family.example"))
    assert len(smtp.mailbox.to("ana@family.example")) == 1
    assert len((await look_up(nc, person_id="A-1"))["messages"]) == 1


async def test_an_address_the_server_refuses_is_failed_without_more_tries(
    notify, nc: NatsClient, smtp: SmtpServer, clock: FixedClock
) -> None:  # NOT-3: marked failed; what happened can be looked up
    smtp.mailbox.refuse.add("gone@family.example")
    await publish(nc, pin_link(person_id="A-9", email="gone@family.example"))

    async def failed() -> dict | None:
        messages = (await look_up(nc, person_id="A-9"))["messages"]
        return messages[0] if messages and messages[0]["status"] == "failed" else None

    message = await eventually(failed)
    assert message["attempts"] == 1
    assert message["last_error"].startswith("SMTP 550")
    clock.advance(timedelta(days=1))
    assert (await deliver(nc))["attempted"] == 0
    assert await sent_events(nc) == []


async def test_after_the_last_try_a_message_is_failed_and_an_operator_can_retry_it(
    nc: NatsClient,
    settings: Settings,
    smtp: SmtpServer,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # NOT-3: retried with backoff, failed after the last try, never lost
    monkeypatch.setenv("CCATS_NOTIFY_MAX_ATTEMPTS", "3")
    smtp.stop()
    async with running(with_smtp(settings, smtp), ("notify",), clock=clock):
        await publish(nc, provider_changed())
        await publish_case(nc, "CASE-1", [adult("A-1", "Ana")])
        await eventually(lambda: contacts_known(settings, case_id="CASE-1", provider_id="CO-1"))
        await publish(nc, pending())
        await publish(nc, pin_link(person_id="A-1", email="ana@family.example"))

        async def attempts() -> list[tuple[str, str, int]]:
            messages = (await look_up(nc, person_id="A-1"))["messages"]
            return sorted((m["kind"], m["status"], m["attempts"]) for m in messages)

        async def first_tries_recorded() -> bool:
            messages = (await look_up(nc, person_id="A-1"))["messages"]
            return len(messages) == 2 and all(m["last_error"] for m in messages)

        await eventually(first_tries_recorded)  # the worker's try failed; the next is later
        tomorrow = (NOW + timedelta(days=1)).isoformat()
        second = await deliver(nc, as_of=tomorrow)
        third = await deliver(nc, as_of=tomorrow)
        assert (second["attempted"], second["retrying"], second["failed"]) == (2, 2, 0)
        assert (third["attempted"], third["retrying"], third["failed"]) == (2, 0, 2)
        assert await attempts() == [("pending_approval", "failed", 3), ("pin_link", "failed", 3)]
        assert (await deliver(nc, as_of=tomorrow))["attempted"] == 0

        smtp.start()
        messages = {m["kind"]: m for m in (await look_up(nc, person_id="A-1"))["messages"]}
        again = await _retry(nc, messages["pending_approval"]["notification_id"])
        assert again == {
            "ok": True,
            "notification_id": messages["pending_approval"]["notification_id"],
            "status": "queued",
        }
        refused = await _retry(nc, messages["pin_link"]["notification_id"])
        assert refused["error"]["code"] == "message_body_erased"  # the link was for its owner
        [mail] = await eventually(lambda: _mail_to(smtp, "ana@family.example"))
        assert mail.mail["X-Ccats-Kind"] == "pending_approval"
        assert (await _retry(nc, "no-such-id"))["error"]["code"] == "not_found"
        sent_id = messages["pending_approval"]["notification_id"]
        await eventually(lambda: _status_is(nc, "A-1", sent_id, "sent"))
        assert (await _retry(nc, sent_id))["error"]["code"] == "message_not_failed"


async def test_without_a_mail_server_each_message_is_an_eml_file(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> None:  # NOT-3: the demo shows real mail
    async with running(settings, ("notify",), clock=clock):
        await publish(nc, pin_link(person_id="A-1", email="ana@family.example"))
        folder = settings.data_dir / "mail"
        [path] = await eventually(lambda: _files(folder, "*.eml"))
        await eventually(lambda: sent_events(nc))
    mail = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert mail["To"] == "Ana <ana@family.example>"
    assert mail["Subject"] == "Welcome: set your attendance PIN"
    assert path.name.startswith("20261124T150000-pin_link-")
    assert "set-pin#token=" in mail.get_body(("plain",)).get_content()


async def test_an_adult_with_only_a_phone_gets_a_text_message(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> None:  # NOT-3: the SMS channel, behind the same interface
    with captured_logs() as logs:
        async with running(settings, ("notify",), clock=clock):
            await publish(
                nc,
                pin_link(person_id="A-5", email=None, phone="3035550142", link_token="tok-by-text"),
            )
            [sms] = await eventually(lambda: _files(settings.data_dir / "sms", "*.txt"))
            [event] = await eventually(lambda: sent_events(nc))
    text = sms.read_text()
    assert text.startswith("To: 3035550142\n")
    assert "set-pin#token=tok-by-text" in text
    assert (event.person_id, event.channel) == ("A-5", "sms")
    sink_lines = [line for line in logs.lines if "log sink" in line]
    assert sink_lines and "…0142" in sink_lines[0]
    assert not any("tok-by-text" in line for line in logs.lines)


# --- probes ----------------------------------------------------------------------------------


async def _mail_to(smtp: SmtpServer, address: str):
    return smtp.mailbox.to(address)


async def _at_least(coro, count: int):
    items = await coro
    return items if len(items) >= count else None


async def _retry(nc: NatsClient, notification_id: str) -> dict:
    reply = await nc.request(
        "ops.notify.retry", json.dumps({"notification_id": notification_id}).encode(), 5
    )
    return json.loads(reply.data)


async def _status_is(nc: NatsClient, person_id: str, notification_id: str, status: str) -> bool:
    messages = (await look_up(nc, person_id=person_id))["messages"]
    return any(m["notification_id"] == notification_id and m["status"] == status for m in messages)


async def _files(folder, pattern: str):
    return sorted(folder.glob(pattern)) if folder.exists() else []


async def test_a_message_is_sent_in_the_trace_of_the_event_that_caused_it(
    notify, nc: NatsClient, smtp: SmtpServer
) -> None:  # architecture rule 7: every hop is traced
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    event = pin_link()
    await nc.jetstream().publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={
            "Nats-Msg-Id": str(event.event_id),
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
        },
    )

    await eventually(lambda: _mail_to(smtp, "ana@family.example"))
    [sent] = await eventually(lambda: stream_messages(nc, "NOTIFY", "notify.sent"))
    assert sent.headers["traceparent"].split("-")[1] == trace_id
    spans = notify.spans.get_finished_spans()
    [deliver_span] = [s for s in spans if s.name == "notify deliver pin_link"]
    assert format(deliver_span.context.trace_id, "032x") == trace_id
    assert deliver_span.attributes["ccats.attempt"] == 1
