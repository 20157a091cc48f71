"""The read queries of the authorization service, answered over NATS from its own
tables, and the AUTH-4 ages published with each authorization (seed 003, scenario 3:
a child turning 1 on the 5th is 0 for that whole month)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.queries import QUERIES
from shared.settings import Settings
from tests.factories import authorization_record
from tests.integration.test_authorization_records import (
    announced,
    ask,
    case_record,
    provider_record,
    push,
    received,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration

NOW = datetime(2025, 2, 3, 17, 0, tzinfo=UTC)


@pytest.fixture
async def service(nc: NatsClient, settings: Settings):
    async with running(settings, ("authorization",), clock=FixedClock(NOW)) as system:
        yield system


async def test_a_child_turning_1_on_the_5th_is_not_served_that_month(
    service, nc: NatsClient
) -> None:  # AUTH-4, seed 003 scenario 3 (BILL-4 then pays nothing for February)
    await push(
        nc,
        "provider",
        provider_record(
            provider_id="AZ-1",
            program="arizona",
            timezone="America/Phoenix",
            ages_served={"min_months": 12, "max_months": 156},
        ),
    )
    await push(nc, "case", case_record())
    child = {
        "child_id": "CH-9",
        "first_name": "Mia",
        "last_name": "Ruiz",
        "birth_date": "2024-02-05",
    }
    await push(
        nc,
        "authorization",
        authorization_record(
            authorization_id="AZ-AUTH-9",
            provider_id="AZ-1",
            child=child,
            start_date="2025-02-06",
            end_date="2025-04-30",
        ),
    )

    state = await eventually(lambda: announced(nc, "AZ-AUTH-9"))
    assert state["months"] == [
        {"month": "2025-02", "age_months": 11, "served": False},
        {"month": "2025-03", "age_months": 12, "served": True},
        {"month": "2025-04", "age_months": 13, "served": True},
    ]


async def test_each_reply_is_the_contracts_reply(service, nc: NatsClient) -> None:
    await push(nc, "provider", provider_record())
    await push(nc, "case", case_record())
    await push(nc, "authorization", authorization_record())
    await eventually(lambda: announced(nc, "AUTH-1"))
    bodies = {
        "authorization.get": {"authorization_id": "AUTH-1"},
        "authorization.provider.active": {"provider_id": "CO-1", "date": "2026-12-01"},
        "authorization.child.list": {"child_id": "CH-1"},
        "authorization.provider.get": {"provider_id": "CO-1"},
        "authorization.case.get": {"case_id": "CASE-1"},
    }
    assert set(bodies) == set(QUERIES)
    for subject, body in bodies.items():
        answer = await ask(nc, subject, body)
        assert answer["ok"] is True, (subject, answer)
        QUERIES[subject].reply_type.model_validate(answer)


async def test_unknown_records_are_not_found(service, nc: NatsClient) -> None:
    for subject, body in (
        ("authorization.get", {"authorization_id": "NOPE"}),
        ("authorization.provider.get", {"provider_id": "NOPE"}),
        ("authorization.case.get", {"case_id": "NOPE"}),
    ):
        answer = await ask(nc, subject, body)
        assert answer["ok"] is False and answer["error"]["code"] == "not_found", subject
    empty = await ask(nc, "authorization.child.list", {"child_id": "NOPE"})
    assert empty == {"ok": True, "child_id": "NOPE", "authorizations": []}


async def test_a_malformed_query_is_refused_with_its_fields(service, nc: NatsClient) -> None:
    answer = await ask(
        nc, "authorization.provider.active", {"provider_id": "CO-1", "date": "someday", "limit": 0}
    )
    assert answer["error"]["code"] == "invalid_request"
    assert "date" in answer["error"]["message"] and "limit" in answer["error"]["message"]


async def test_a_providers_authorizations_come_a_page_at_a_time(
    service, nc: NatsClient
) -> None:  # services rebuild their read models at start-up
    await push(nc, "provider", provider_record())
    await push(nc, "case", case_record())
    ids = [f"AUTH-{n:02d}" for n in range(5)]
    for authorization_id in ids:
        await push(nc, "authorization", authorization_record(authorization_id=authorization_id))
    await push(
        nc,
        "authorization",
        authorization_record(authorization_id="AUTH-LATER", start_date="2027-01-01"),
    )
    for authorization_id in [*ids, "AUTH-LATER"]:
        await eventually(lambda a=authorization_id: announced(nc, a))

    seen, after = [], None
    while True:
        page = await ask(
            nc,
            "authorization.provider.active",
            {"provider_id": "CO-1", "date": "2026-12-01", "limit": 2, "after": after},
        )
        seen += [a["authorization_id"] for a in page["authorizations"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == ids  # AUTH-LATER does not cover December 1st


async def test_a_waiting_authorization_is_listed_with_what_it_waits_for(
    service, nc: NatsClient
) -> None:  # AUTH-1: kept, never dropped
    await push(nc, "authorization", authorization_record())
    await eventually(lambda: received(nc, "AUTH-1", 1))
    child = await ask(nc, "authorization.child.list", {"child_id": "CH-1"})
    [entry] = child["authorizations"]
    assert entry["announced"] is None
    assert entry["waiting_for"] == ["provider", "case"]
    assert entry["authorization"]["authorization_id"] == "AUTH-1"
