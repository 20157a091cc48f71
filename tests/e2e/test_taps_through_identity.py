"""Taps through the real services, from the state's records to the kiosk: the
authorization service announces the provider and the authorizations, identity
sends each parent a SET PIN link, the parent sets a PIN, and a burst of kiosk taps
is checked by identity (ID-4), recorded by attendance (ATT-1) and shown on the
sign-in screen (`checked_in`)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from nats.aio.client import Client as NatsClient
from sqlalchemy import Table, func, select

from services.attendance import store as attendance_store
from services.identity.domain.pins import pin_problem
from services.identity.store import tables as identity_tables
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import authorization_record
from tests.identity_world import code, newest_link, set_pin, signin
from tests.integration.test_authorization_records import case_record, provider_record, push
from tests.running import RunningSystem, eventually, running

pytestmark = pytest.mark.e2e

FAMILIES = 12
KIOSKS = 3


def pins(count: int) -> list[str]:
    """PINs that ID-1 takes, one per family."""
    found: list[str] = []
    candidate = 31_415_926
    while len(found) < count:
        candidate += 7_919
        if pin_problem(str(candidate), 8) is None:
            found.append(str(candidate))
    return found


@pytest.fixture
async def families(nc: NatsClient, settings: Settings) -> Any:
    """Identity, authorization and attendance running; a provider with twelve
    families whose authorizations cover today, each parent with a PIN set."""
    today = date.today()
    async with running(settings, ("identity", "authorization", "attendance")) as system:
        await push(nc, "provider", provider_record())
        chosen = pins(FAMILIES)
        parent = {k: v for k, v in case_record()["adults"][0].items() if k != "card_number"}
        for n in range(FAMILIES):
            adult = {**parent, "person_id": f"PER-{n}"}
            await push(nc, "case", case_record(case_id=f"CASE-{n}", adults=[adult]))
            await push(
                nc,
                "authorization",
                authorization_record(
                    authorization_id=f"AUTH-{n}",
                    case_id=f"CASE-{n}",
                    child={**authorization_record()["child"], "child_id": f"CH-{n}"},
                    start_date=(today - timedelta(days=40)).isoformat(),
                    end_date=(today + timedelta(days=120)).isoformat(),
                ),
            )
        for n, pin in enumerate(chosen):
            link = await newest_link(nc, f"PER-{n}")
            assert await set_pin(nc, link["link_token"], pin) == {"ok": True}
        for copies in (identity_tables.authorizations, attendance_store.authorizations):
            await eventually(lambda copies=copies: _count(settings, copies, FAMILIES))
        yield system, chosen


async def _count(settings: Settings, table: Table, expected: int) -> bool:
    """Whether `table` (a service's copy of the authorizations) holds `expected` rows."""
    engine = async_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            count = select(func.count()).select_from(table)
            return (await conn.execute(count)).scalar_one() == expected
    finally:
        await engine.dispose()


def tap_body(pin: str, child_id: str, device: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid4()),
        "device_id": device,
        "pin": pin,
        "child_ids": [child_id],
        "direction": "in",
        "occurred_at": datetime.now(UTC).isoformat(),
        "channel": "kiosk",
    }


async def tap(nc: NatsClient, body: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request("kiosk.CO-1.tap", json.dumps(body).encode(), timeout=15)
    return json.loads(reply.data)


async def test_a_burst_of_taps_is_checked_by_identity_and_recorded_once_each(
    families: tuple[RunningSystem, list[str]], nc: NatsClient, settings: Settings
) -> None:  # ATT-1, ID-4, ID-2
    _, chosen = families
    bodies = [tap_body(pin, f"CH-{n}", f"KIOSK-{n % KIOSKS}") for n, pin in enumerate(chosen)]
    wrong = tap_body("27182818", "CH-0", "KIOSK-9")  # a PIN nobody has
    stranger = tap_body(chosen[0], "CH-1", "KIOSK-8")  # a real PIN, another family's child
    resent = dict(bodies[0])  # the kiosk did not hear the answer and sends again

    replies = await asyncio.gather(*(tap(nc, b) for b in [*bodies, wrong, stranger, resent]))

    *accepted, refused_pin, refused_child, again = replies
    assert all(r["ok"] for r in accepted), accepted
    for n, reply in enumerate(accepted):
        [record] = reply["records"]
        assert record["child_id"] == f"CH-{n}"
        assert record["status"] == "confirmed"
    assert code(refused_pin) == "pin_invalid"
    assert code(refused_child) == "not_authorized"
    assert again == accepted[0]
    assert await _count(settings, attendance_store.records, FAMILIES)  # the resend: none

    async def shown_in_care(pin: str) -> bool:
        reply = await signin(nc, "CO-1", pin, device="KIOSK-0")
        return reply["children"][0]["checked_in"] is True

    for pin in chosen:
        assert await eventually(lambda pin=pin: shown_in_care(pin))
