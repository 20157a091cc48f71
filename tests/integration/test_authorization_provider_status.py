"""Provider status and type against the real NATS and PostgreSQL (AUTH-3): a hold
changes no authorization, a contract termination ends each one (each announced),
a change of provider type ends the old ones while new ones follow; and what a
provider change means for the months served (AUTH-4)."""

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

NOW = datetime(2026, 12, 10, 5, 30, tzinfo=UTC)  # Dec 9, 22:30 in Denver


@pytest.fixture
async def world(nc: NatsClient, settings: Settings):
    """A provider with two children authorized, both announced."""
    async with running(settings, ("authorization",), clock=FixedClock(NOW)) as system:
        await push(nc, "provider", provider_record())
        await push(nc, "case", case_record())
        for authorization_id, child_id in (("AUTH-1", "CH-1"), ("AUTH-2", "CH-2")):
            child = {**authorization_record()["child"], "child_id": child_id}
            await push(
                nc,
                "authorization",
                authorization_record(authorization_id=authorization_id, child=child),
            )
        for authorization_id in ("AUTH-1", "AUTH-2"):
            await eventually(lambda a=authorization_id: announced(nc, a))
        yield system


async def provider_changes(nc: NatsClient, count: int) -> list[dict]:
    async def probe() -> list[dict] | None:
        found = await events(nc, "authorization.provider_changed")
        return found if len(found) >= count else None

    return await eventually(probe)


async def test_a_provider_is_announced_with_its_full_state(world, nc: NatsClient) -> None:
    [event] = await provider_changes(nc, 1)  # AUTH-1: other services build on it
    for field in (
        "program",
        "type",
        "status",
        "timezone",
        "ages_served",
        "staff",
        "rates",
        "paid_holidays",
        "email",
        "name",
    ):
        assert field in event, field
    assert event["rates"] == [{"care_level": "full_time", "unit": "day", "amount": 52.5}]
    assert event["paid_holidays"] == ["2026-11-26"]
    assert event["status_since"] is not None


async def test_a_hold_changes_no_authorization(world, nc: NatsClient) -> None:  # AUTH-3
    await push(nc, "provider", provider_record(version=2, status="hold"))
    _, hold = await provider_changes(nc, 2)
    assert (hold["status"], hold["changes"]) == ("hold", ["status"])
    assert datetime.fromisoformat(hold["status_since"]) == NOW
    page = await ask(
        nc, "authorization.provider.active", {"provider_id": "CO-1", "date": "2026-12-20"}
    )
    assert [a["status"] for a in page["authorizations"]] == ["active", "active"]
    assert len(await events(nc)) == 2  # the two first announcements, nothing more


async def test_termination_ends_each_authorization(world, nc: NatsClient) -> None:  # AUTH-3
    await push(nc, "provider", provider_record(version=2, status="terminated"))
    for authorization_id in ("AUTH-1", "AUTH-2"):
        _, ended = await events_of(nc, authorization_id, 2)
        assert ended["status"] == "ended"
        assert ended["ended_reason"] == "provider_terminated"
        assert ended["ended_on"] == "2026-12-09"  # the provider's day, not UTC's
        assert ended["last_day"] == "2026-12-09"
        assert ended["months"][-1]["month"] == "2026-12"
        assert ended["version"] == 1 and ended["revision"] == 2
        assert set(ended["changes"]) == {"ended_on", "ended_reason", "last_day", "months", "status"}

    def covering(day: str):
        return ask(nc, "authorization.provider.active", {"provider_id": "CO-1", "date": day})

    assert len((await covering("2026-12-09"))["authorizations"]) == 2  # days before: billable
    assert (await covering("2026-12-10"))["authorizations"] == []


async def test_an_authorization_after_the_termination_is_ended_on_arrival(
    world, nc: NatsClient
) -> None:  # AUTH-3: a backdated one still covers the days before
    await push(nc, "provider", provider_record(version=2, status="terminated"))
    await events_of(nc, "AUTH-1", 2)
    await push(
        nc,
        "authorization",
        authorization_record(
            authorization_id="AUTH-3", start_date="2026-10-01", end_date="2027-03-31"
        ),
    )
    [event] = await events_of(nc, "AUTH-3", 1)
    assert (event["status"], event["last_day"]) == ("ended", "2026-12-09")


async def test_a_reinstated_provider_does_not_revive_its_old_authorizations(
    world, nc: NatsClient
) -> None:  # AUTH-3: the state sends new authorizations
    await push(nc, "provider", provider_record(version=2, status="terminated"))
    await events_of(nc, "AUTH-1", 2)
    await push(nc, "provider", provider_record(version=3, status="active"))
    await provider_changes(nc, 3)
    await push(nc, "authorization", authorization_record(authorization_id="AUTH-NEW"))
    [new] = await events_of(nc, "AUTH-NEW", 1)
    assert new["status"] == "active"
    assert (await announced(nc, "AUTH-1"))["status"] == "ended"


async def test_a_type_change_ends_the_old_authorizations_and_new_ones_follow(
    world, nc: NatsClient
) -> None:  # AUTH-3, seed 003: certified home to contracted group home
    await push(nc, "provider", provider_record(version=2, type="group_home"))
    for authorization_id in ("AUTH-1", "AUTH-2"):
        _, ended = await events_of(nc, authorization_id, 2)
        assert (ended["status"], ended["ended_reason"]) == ("ended", "provider_type_changed")
        assert ended["provider_type"] == "group_home"

    await push(
        nc,
        "authorization",
        authorization_record(
            authorization_id="AUTH-1B", start_date="2026-12-10", end_date="2027-06-30"
        ),
    )
    [new] = await events_of(nc, "AUTH-1B", 1)
    assert (new["status"], new["provider_type"], new["ended_on"]) == ("active", "group_home", None)


async def test_new_ages_served_change_the_months_served(world, nc: NatsClient) -> None:  # AUTH-4
    # the child (born 2022-05-05) is 54 months old in November 2026
    await push(
        nc, "provider", provider_record(version=2, ages_served={"min_months": 0, "max_months": 54})
    )
    _, event = await events_of(nc, "AUTH-1", 2)
    assert event["changes"] == ["months"]
    served = {m["month"]: (m["age_months"], m["served"]) for m in event["months"]}
    assert served["2026-11"] == (53, True)
    assert served["2026-12"] == (54, True)
    assert served["2027-01"] == (55, False)
