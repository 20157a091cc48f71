"""The identity service on real NATS and PostgreSQL: what it keeps and how (ID-2,
ID-4, ID-7), its read model of the other services' events, and races."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import select

from services.identity.store import tables
from shared.clock import FixedClock
from shared.contract import subjects
from shared.contract.identity import (
    CREDENTIAL_VERIFY,
    CREDENTIAL_VERIFY_MANY,
    OPERATORS_CREATE,
    OPS_REGISTRATION_CODE,
    provider_identity_subject,
)
from shared.db import async_engine
from shared.settings import Settings
from tests.identity_world import (
    GOOD_PIN,
    OTHER_PIN,
    adult,
    ask,
    authorization,
    case,
    code,
    events_on,
    links_for,
    newest_link,
    provider,
    publish,
    set_pin,
    settle,
    signin,
)
from tests.running import RunningSystem, eventually, running

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def identity(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> AsyncIterator[RunningSystem]:
    async with running(settings, ("identity",), clock=clock) as system:
        for provider_id in ("CO-1", "CO-2", "CO-3"):
            await publish(nc, subjects.PROVIDER_CHANGED, provider(provider_id, occurred_at=START))

        async def providers_known() -> bool:
            return len(await rows(settings, tables.providers)) == 3

        await eventually(providers_known)
        yield system


async def authorize(
    nc: NatsClient, auth: str, case_id: str, child: str, provider_id: str, **more: object
) -> None:
    await publish(
        nc,
        subjects.AUTHORIZATION_CHANGED,
        authorization(
            auth,
            case_id=case_id,
            child_id=child,
            provider_id=provider_id,
            occurred_at=START,
            **more,
        ),  # type: ignore[arg-type]
    )


async def rows(settings: Settings, table, *where):  # type: ignore[no-untyped-def]
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(table).where(*where))).all()
    finally:
        await engine.dispose()


async def test_the_pin_survives_a_county_move_and_a_case_closing(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-4
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")]))
    await settle(nc)
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    # the case closes: its authorization ends; the family moves and a new case opens
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1", version=2, status="ended")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [], version=2))
    await authorize(nc, "AU-7", "C-7", "CH-1", "CO-3")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-7", [adult("A-1", email="new@x.org")]))
    await settle(nc)

    assert code(await signin(nc, "CO-1", GOOD_PIN)) == "pin_invalid"  # no active authorization
    assert (await signin(nc, "CO-3", GOOD_PIN, device="k-2"))["adult"]["person_id"] == "A-1"
    assert len(await links_for(nc, "A-1")) == 1  # no new welcome: the PIN stays

    # the first case reopens
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")], version=3))
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1", version=3)
    await settle(nc)
    assert (await signin(nc, "CO-1", GOOD_PIN, device="k-3"))["ok"]


async def test_repeated_and_older_pushes_change_nothing(
    identity: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # AUTH-1 (identity's copies), ID-3: one welcome however often a case arrives
    event_id = str(uuid.uuid4())
    newer = {**case("C-1", [adult("A-1", email="second@x.org")], version=2), "event_id": event_id}
    await publish(nc, subjects.ELIGIBILITY_CASE, newer)
    await publish(nc, subjects.ELIGIBILITY_CASE, newer)
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1", email="first@x.org")]))
    await settle(nc)
    [person] = await rows(settings, tables.adults, tables.adults.c.person_id == "A-1")
    assert person.email == "second@x.org"
    history = await rows(settings, tables.case_versions)
    assert sorted((h.version, h.applied) for h in history) == [(1, False), (2, True)]
    await newest_link(nc, "A-1")  # the relay publishes after the commit
    assert len(await links_for(nc, "A-1")) == 1


async def test_only_a_keyed_hash_of_the_pin_is_stored(
    identity: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # ID-2: a dump without the pepper reveals nothing usable
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")]))
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    [person] = await rows(settings, tables.adults, tables.adults.c.person_id == "A-1")
    pepper = settings.pin_pepper.get_secret_value().encode()
    assert person.pin_hash == hmac.new(pepper, f"pin:{GOOD_PIN}".encode(), hashlib.sha256).digest()
    assert person.pin_hash != hashlib.sha256(GOOD_PIN.encode()).digest()
    [stored_link] = await rows(settings, tables.pin_links)
    assert link["link_token"].encode() not in stored_link.token_hash


async def test_two_adults_choosing_one_pin_at_once_cannot_both_have_it(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-2
    await publish(
        nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult(f"A-{n}") for n in range(1, 7)])
    )
    tokens = [(await newest_link(nc, f"A-{n}"))["link_token"] for n in range(1, 7)]
    answers = await asyncio.gather(*(set_pin(nc, token, GOOD_PIN) for token in tokens))
    assert sorted(str(code(a)) for a in answers) == ["None"] + ["pin_in_use"] * 5


async def test_a_link_that_keeps_hitting_pins_in_use_stops_working(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-2: a link is no oracle for other adults' PINs
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1"), adult("A-2")]))
    maria = await newest_link(nc, "A-1")
    jose = await newest_link(nc, "A-2")
    assert await set_pin(nc, maria["link_token"], GOOD_PIN) == {"ok": True}
    for _ in range(3):
        assert code(await set_pin(nc, jose["link_token"], GOOD_PIN)) == "pin_in_use"
    assert code(await set_pin(nc, jose["link_token"], OTHER_PIN)) == "link_expired"


async def test_the_tap_check_uses_the_day_of_the_tap_and_names_the_cases(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-4, ATT-6 (identity.credential.verify, for attendance)
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1", end_date="2026-11-08")
    await authorize(nc, "AU-2", "C-1", "CH-2", "CO-1", first_name="Leo")
    await authorize(nc, "AU-3", "C-2", "CH-2", "CO-1", first_name="Leo")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")]))
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-2", [adult("A-1")]))
    await settle(nc)
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    async def verify(at: datetime | None) -> dict:
        body = {"provider_id": "CO-1", "device_id": "k-1", "pin": GOOD_PIN}
        return await ask(nc, CREDENTIAL_VERIFY, {**body, "at": at} if at else body)

    today = await verify(None)
    assert [(c["child_id"], c["case_ids"]) for c in today["children"]] == [("CH-2", ["C-1", "C-2"])]
    offline = await verify(START - timedelta(days=1))  # an offline kiosk sends yesterday's tap
    assert {c["child_id"] for c in offline["children"]} == {"CH-1", "CH-2"}


async def test_taps_checked_together_are_judged_each_as_alone(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-4, ID-2 (identity.credential.verify_many, for attendance's taps)
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")]))
    await settle(nc)
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}

    def check(pin: str, device: str, provider_id: str = "CO-1") -> dict:
        return {"provider_id": provider_id, "device_id": device, "pin": pin}

    reply = await ask(
        nc,
        CREDENTIAL_VERIFY_MANY,
        {
            "checks": [
                check(GOOD_PIN, "k-1"),
                check(OTHER_PIN, "k-2"),  # nobody's PIN
                check(GOOD_PIN, "k-1", "CO-2"),  # no child of hers there
                *[check(OTHER_PIN, "k-3") for _ in range(5)],  # enough to lock k-3
            ]
        },
    )
    first, nobodys, elsewhere, *guesses = reply["answers"]
    assert [c["child_id"] for c in first["children"]] == ["CH-1"]
    assert first["children"][0]["case_ids"] == ["C-1"]
    assert code(nobodys) == code(elsewhere) == "pin_invalid"
    assert {code(g) for g in guesses} == {"pin_invalid"}
    after = await ask(nc, CREDENTIAL_VERIFY_MANY, {"checks": [check(GOOD_PIN, "k-3")]})
    assert code(after["answers"][0]) == "device_locked"  # five failures counted, ID-2
    assert code(await ask(nc, CREDENTIAL_VERIFY_MANY, {"checks": []})) == "invalid_request"
    assert GOOD_PIN not in json.dumps(reply) and OTHER_PIN not in json.dumps(reply)


async def test_the_kiosk_shows_who_is_checked_in(
    identity: RunningSystem, nc: NatsClient
) -> None:  # ID-4 reply `checked_in`, from attendance's events
    await authorize(nc, "AU-1", "C-1", "CH-1", "CO-1")
    await publish(nc, subjects.ELIGIBILITY_CASE, case("C-1", [adult("A-1")]))
    link = await newest_link(nc, "A-1")
    assert await set_pin(nc, link["link_token"], GOOD_PIN) == {"ok": True}
    record = {
        "record_id": "R-1",
        "provider_id": "CO-1",
        "child_id": "CH-1",
        "case_id": "C-1",
        "direction": "in",
        "channel": "kiosk",
        "status": "confirmed",
        "occurred_at": (START - timedelta(hours=1)).isoformat(),
    }
    await publish(nc, subjects.ATTENDANCE_RECORDED, record)
    await settle(nc)
    assert (await signin(nc, "CO-1", GOOD_PIN))["children"][0]["checked_in"] is True

    await publish(
        nc,
        subjects.ATTENDANCE_RECORDED,
        {**record, "record_id": "R-2", "direction": "out", "occurred_at": START.isoformat()},
    )
    await settle(nc)
    assert (await signin(nc, "CO-1", GOOD_PIN))["children"][0]["checked_in"] is False


async def test_a_burst_of_taps_leaves_each_child_at_their_latest_mark(
    identity: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # ID-4 `checked_in`: a whole fetch of attendance's events kept at once
    def recorded(record_id: str, child: str, direction: str, minutes: int) -> dict:
        return {
            "record_id": record_id,
            "provider_id": "CO-1",
            "child_id": child,
            "case_id": "C-1",
            "direction": direction,
            "channel": "kiosk",
            "status": "confirmed",
            "occurred_at": (START + timedelta(minutes=minutes)).isoformat(),
        }

    burst = [
        recorded("R-1", "CH-1", "in", 0),
        recorded("R-2", "CH-1", "out", 30),
        recorded("R-3", "CH-1", "in", 10),  # an offline kiosk's tap, sent late
        recorded("R-4", "CH-2", "in", 5),
        recorded("R-5", "CH-3", "in", 5),
        recorded("R-6", "CH-3", "out", 5),  # the same minute: the later received wins
    ]
    for body in burst:
        await publish(nc, subjects.ATTENDANCE_RECORDED, body)
    await publish(nc, subjects.ATTENDANCE_RECORDED, burst[1])  # a repeat changes nothing
    await settle(nc)

    kept = {r.child_id: (r.record_id, r.direction) for r in await rows(settings, tables.presence)}
    assert kept == {"CH-1": ("R-2", "out"), "CH-2": ("R-4", "in"), "CH-3": ("R-6", "out")}

    await publish(nc, subjects.ATTENDANCE_RECORDED, recorded("R-7", "CH-1", "in", 20))
    await settle(nc)  # sent last, but older than CH-1's check-out (R-2, minute 30)
    kept = {r.child_id: r.record_id for r in await rows(settings, tables.presence)}
    assert kept["CH-1"] == "R-2"


async def test_operators_are_recorded_on_everything_they_do(
    identity: RunningSystem, nc: NatsClient, settings: Settings
) -> None:  # ID-7
    staff = [{"first_name": "Ana", "last_name": "Ruiz", "email": "a@x.org", "role": "owner"}]
    await publish(
        nc,
        subjects.PROVIDER_CHANGED,
        provider("CO-1", staff=staff, version=2, occurred_at=START),
    )
    await settle(nc)
    sent = await ask(
        nc,
        OPS_REGISTRATION_CODE,
        {"provider_id": "CO-1", "first_name": "Ana", "last_name": "Ruiz", "operator_id": "sys-1"},
    )
    assert sent["ok"]
    [issued] = await eventually(lambda: events_on(nc, "identity.registration_code_issued"))
    ana = await ask(
        nc,
        provider_identity_subject("CO-1", "admin.register"),
        {"first_name": "Ana", "last_name": "Ruiz", "code": issued["code"]},
    )
    ana_id = ana["operator"]["operator_id"]
    lia = await ask(
        nc,
        provider_identity_subject("CO-1", OPERATORS_CREATE),
        {
            "event_id": str(uuid.uuid4()),
            "operator_id": ana_id,
            "operator": {"first_name": "Lia", "last_name": "Ortiz"},
        },
    )
    assert lia["ok"]

    lines = await rows(settings, tables.journal)
    assert [(line.actor, line.action) for line in lines] == [
        ("sys-1", "registration_code_issued"),
        (ana_id, "administrator_registered"),
        (ana_id, "operator_created"),
    ]
    [created] = await rows(
        settings, tables.operators, tables.operators.c.operator_id == lia["operator"]["operator_id"]
    )
    assert created.created_by == ana_id


async def test_a_sign_in_continues_the_kiosks_trace_and_never_echoes_a_pin(
    identity: RunningSystem, nc: NatsClient
) -> None:  # architecture rules 6 and 7
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    body = b'{"device_id": "k-1", "pin": "48151623"}'
    reply = await nc.request(subjects.kiosk_signin("CO-1"), body, timeout=5, headers=headers)
    assert code(json.loads(reply.data)) == "pin_invalid"

    async def traced() -> bool:  # the span ends just after the reply is sent
        spans = identity.spans.get_finished_spans()
        return any(format(s.context.trace_id, "032x") == trace_id for s in spans)

    assert await eventually(traced)

    malformed = await nc.request(subjects.kiosk_signin("CO-1"), b'{"pin": "48151623"}', timeout=5)
    answer = json.loads(malformed.data)
    assert code(answer) == "invalid_request" and "device_id" in answer["error"]["message"]
    assert "48151623" not in malformed.data.decode()
