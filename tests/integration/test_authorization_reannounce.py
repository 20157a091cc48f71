"""A newer provider or case is announced again to the authorizations naming it only
where what they announce changes (AUTH-1: each announcement says what changed, so
one that changes nothing is not made; a nightly file re-pushes thousands)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import (
    announced,
    ask,
    case_record,
    events,
    events_of,
    provider_record,
    push,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
async def service(nc: NatsClient, settings: Settings):
    async with running(settings, ("authorization",), clock=FixedClock(NOW)) as system:
        yield system


async def _pushes_kept(nc: NatsClient, subject: str, key: str, record_id: str, count: int):
    answer = await ask(nc, subject, {key: record_id})
    return answer if answer.get("ok") and len(answer["history"]) >= count else None


async def test_only_what_reaches_an_announcement_announces_again(
    service, nc: NatsClient
) -> None:  # AUTH-1, AUTH-4
    await push(nc, "provider", provider_record())
    await push(nc, "case", case_record())
    await push(nc, "authorization", authorization_record())
    await eventually(lambda: announced(nc, "AUTH-1"))

    adults = case_record()["adults"]
    new_card = [adults[0] | {"card_number": "CARD-0002"}]
    await push(nc, "case", case_record(version=2, adults=new_card))  # not announced
    await push(nc, "provider", provider_record(version=2, email="front@sunshine.example"))
    await eventually(
        lambda: _pushes_kept(nc, "authorization.provider.get", "provider_id", "CO-1", 2)
    )
    await push(nc, "case", case_record(version=3, adults=[new_card[0] | {"phone": "7205550199"}]))
    first, phone = await events_of(nc, "AUTH-1", 2)
    assert (first["revision"], phone["revision"]) == (1, 2)
    assert phone["changes"] == ["adults"]
    assert phone["adults"][0]["phone"] == "7205550199"

    older = {"min_months": 0, "max_months": 24}  # the child is 4: no month served now
    await push(nc, "provider", provider_record(version=3, ages_served=older))
    *_, ages = await events_of(nc, "AUTH-1", 3)
    assert (ages["revision"], ages["changes"]) == (3, ["months"])
    assert not any(month["served"] for month in ages["months"])
    case = await ask(nc, "authorization.case.get", {"case_id": "CASE-1"})
    assert [h["outcome"] for h in case["history"]] == ["applied", "applied", "applied"]
    assert len([e for e in await events(nc) if e["authorization_id"] == "AUTH-1"]) == 3
