"""Eligibility sync against the real NATS and PostgreSQL (AUTH-1): pushes that
repeat, arrive out of order, are backdated, split a month or cancel; records that
arrive before their provider or case; and malformed records."""

from __future__ import annotations

import uuid
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
    dead_letters,
    events,
    events_of,
    get_authorization,
    provider_record,
    push,
    received,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
async def service(nc: NatsClient, settings: Settings):
    async with running(settings, ("authorization",), clock=FixedClock(NOW)) as system:
        yield system


@pytest.fixture
async def known(service, nc: NatsClient) -> None:
    """The provider and the case are known before the authorizations arrive."""
    await push(nc, "provider", provider_record())
    await push(nc, "case", case_record())
    await eventually(lambda: _ok(ask(nc, "authorization.provider.get", {"provider_id": "CO-1"})))
    await eventually(lambda: _ok(ask(nc, "authorization.case.get", {"case_id": "CASE-1"})))


async def test_out_of_order_versions_end_at_the_latest(known, nc: NatsClient) -> None:  # AUTH-1
    for version, end in ((3, "2027-06-30"), (1, "2027-01-31"), (2, "2027-03-31")):
        await push(nc, "authorization", authorization_record(version=version, end_date=end))

    answer = await eventually(lambda: received(nc, "AUTH-1", 3))
    assert answer["authorization"]["version"] == 3
    assert answer["authorization"]["end_date"] == "2027-06-30"
    assert [(h["version"], h["outcome"], h["applied"]) for h in answer["history"]] == [
        (3, "applied", True),
        (1, "stale", False),
        (2, "stale", False),
    ]
    [event] = await events_of(nc, "AUTH-1", 1)
    assert (event["version"], event["end_date"], event["revision"]) == (3, "2027-06-30", 1)


async def test_a_repeat_changes_nothing_and_is_kept(known, nc: NatsClient) -> None:  # AUTH-1
    record = authorization_record(event_id=str(uuid.uuid4()))
    await push(nc, "authorization", record)
    await push(nc, "authorization", record)  # the same push again: handled once
    await push(nc, "authorization", authorization_record())  # same version, another push
    answer = await eventually(lambda: received(nc, "AUTH-1", 2))
    assert [h["outcome"] for h in answer["history"]] == ["applied", "duplicate"]
    assert len(await events_of(nc, "AUTH-1", 1)) == 1
    assert len([e for e in await events(nc) if e["authorization_id"] == "AUTH-1"]) == 1


async def test_a_backdated_version_is_announced_with_its_earlier_days(
    known, nc: NatsClient
) -> None:  # AUTH-1, AUTH-2: backdating makes earlier attendance billable
    await push(nc, "authorization", authorization_record(start_date="2026-11-01"))
    await eventually(lambda: announced(nc, "AUTH-1"))
    await push(nc, "authorization", authorization_record(version=2, start_date="2026-09-15"))
    _, event = await events_of(nc, "AUTH-1", 2)
    assert event["start_date"] == "2026-09-15"
    assert event["changes"] == ["months", "start_date"]
    assert [m["month"] for m in event["months"]][:3] == ["2026-09", "2026-10", "2026-11"]
    page = await ask(
        nc, "authorization.provider.active", {"provider_id": "CO-1", "date": "2026-09-20"}
    )
    assert [a["authorization_id"] for a in page["authorizations"]] == ["AUTH-1"]


async def test_a_shorter_end_date_is_announced(known, nc: NatsClient) -> None:  # AUTH-1
    await push(nc, "authorization", authorization_record())
    await eventually(lambda: announced(nc, "AUTH-1"))
    await push(nc, "authorization", authorization_record(version=2, end_date="2026-12-15"))
    _, event = await events_of(nc, "AUTH-1", 2)
    assert (event["end_date"], event["last_day"]) == ("2026-12-15", "2026-12-15")
    assert "end_date" in event["changes"] and event["revision"] == 2


async def test_a_split_month_is_two_authorizations(known, nc: NatsClient) -> None:  # AUTH-1
    # two periods in one month for one child (seed 003, scenario 1)
    await push(
        nc,
        "authorization",
        authorization_record(
            authorization_id="AUTH-A", start_date="2026-11-01", end_date="2026-11-14"
        ),
    )
    await push(
        nc,
        "authorization",
        authorization_record(
            authorization_id="AUTH-B", start_date="2026-11-15", end_date="2027-02-28"
        ),
    )
    for authorization_id in ("AUTH-A", "AUTH-B"):
        state = await eventually(lambda a=authorization_id: announced(nc, a))
        assert state["months"][0]["month"] == "2026-11"

    child = await ask(nc, "authorization.child.list", {"child_id": "CH-1"})
    assert [e["authorization"]["authorization_id"] for e in child["authorizations"]] == [
        "AUTH-A",
        "AUTH-B",
    ]

    async def covering(day: str) -> list[str]:
        page = await ask(nc, "authorization.provider.active", {"provider_id": "CO-1", "date": day})
        return [a["authorization_id"] for a in page["authorizations"]]

    assert await covering("2026-11-10") == ["AUTH-A"]
    assert await covering("2026-11-20") == ["AUTH-B"]
    assert await covering("2026-10-31") == []


async def test_a_cancellation_covers_no_day(known, nc: NatsClient) -> None:  # AUTH-1, AUTH-2
    await push(nc, "authorization", authorization_record())
    await eventually(lambda: announced(nc, "AUTH-1"))
    await push(nc, "authorization", authorization_record(version=2, status="cancelled"))
    _, event = await events_of(nc, "AUTH-1", 2)
    assert event["status"] == "cancelled"
    assert event["last_day"] is None and event["months"] == []
    page = await ask(
        nc, "authorization.provider.active", {"provider_id": "CO-1", "date": "2026-12-01"}
    )
    assert page["authorizations"] == []


async def test_an_authorization_before_its_provider_waits_and_is_applied_after(
    service, nc: NatsClient
) -> None:  # AUTH-1: out-of-order pushes are normal, never dropped
    await push(nc, "case", case_record())
    # the case is applied first: each kind has its own consumer, in no set order
    await eventually(lambda: _ok(ask(nc, "authorization.case.get", {"case_id": "CASE-1"})))
    await push(nc, "authorization", authorization_record())
    answer = await eventually(lambda: received(nc, "AUTH-1", 1))
    assert answer["announced"] is None and answer["waiting_for"] == ["provider"]
    missing = await ask(nc, "authorization.provider.get", {"provider_id": "CO-1"})
    assert missing["error"]["code"] == "not_found"
    assert "1 authorization(s) wait for it" in missing["error"]["message"]
    assert await events(nc) == []

    await push(nc, "provider", provider_record())
    [event] = await events_of(nc, "AUTH-1", 1)
    assert (event["program"], event["timezone"], event["provider_type"]) == (
        "colorado",
        "America/Denver",
        "center",
    )
    assert (await get_authorization(nc, "AUTH-1"))["waiting_for"] == []


async def test_an_authorization_before_its_case_waits_for_its_adults(
    service, nc: NatsClient
) -> None:  # AUTH-1
    await push(nc, "provider", provider_record())
    await eventually(lambda: _ok(ask(nc, "authorization.provider.get", {"provider_id": "CO-1"})))
    await push(nc, "authorization", authorization_record())
    answer = await eventually(lambda: received(nc, "AUTH-1", 1))
    assert answer["waiting_for"] == ["case"]

    await push(nc, "case", case_record())
    [event] = await events_of(nc, "AUTH-1", 1)
    assert [a["person_id"] for a in event["adults"]] == ["PER-1"]
    assert "card_number" not in event["adults"][0]

    adults = case_record()["adults"] + [
        {"person_id": "PER-2", "first_name": "Luis", "last_name": "Garcia", "role": "parent"}
    ]
    await push(nc, "case", case_record(version=2, adults=adults))
    _, again = await events_of(nc, "AUTH-1", 2)
    assert again["changes"] == ["adults"] and again["revision"] == 2
    assert again["version"] == 1  # the state's version is the authorization's own


async def test_a_malformed_record_is_dead_lettered_and_the_consumer_goes_on(
    known, nc: NatsClient
) -> None:  # bad input: every field error, nothing changed, nothing stopped
    bad = authorization_record(
        authorization_id="AUTH-BAD", end_date="2020-01-01", care_level="sometimes"
    )
    del bad["child"]
    await push(nc, "authorization", bad)
    await push(nc, "authorization", authorization_record())

    letters = await eventually(lambda: dead_letters(nc))
    [letter] = letters
    assert letter["_subject"] == "deadletter.eligibility.authorization"
    assert letter["code"] == "malformed_message"
    assert {e["field"] for e in letter["errors"]} >= {"child", "care_level"}
    assert await eventually(lambda: announced(nc, "AUTH-1"))
    assert (await get_authorization(nc, "AUTH-BAD"))["error"]["code"] == "not_found"


async def test_who_sent_what_and_when_is_kept(known, nc: NatsClient) -> None:  # AUTH-1
    await push(
        nc,
        "authorization",
        authorization_record(),
        **{"Ccats-Source": "ccats import nightly.jsonl:17", "Nats-Msg-Id": "m-17"},
    )
    answer = await eventually(lambda: received(nc, "AUTH-1", 1))
    [receipt] = answer["history"]
    assert receipt["source"] == "ccats import nightly.jsonl:17"
    assert receipt["event_id"] == "m-17"
    assert receipt["stream_sequence"] >= 1
    assert datetime.fromisoformat(receipt["received_at"]) == NOW
    provider = await eventually(
        lambda: _ok(ask(nc, "authorization.provider.get", {"provider_id": "CO-1"}))
    )
    assert [h["outcome"] for h in provider["history"]] == ["applied"]
    case = await eventually(lambda: _ok(ask(nc, "authorization.case.get", {"case_id": "CASE-1"})))
    assert case["case"]["adults"][0]["card_number"] == "CARD-0001"  # the record as sent


async def _ok(answer_coro) -> dict | None:
    answer = await answer_coro
    return answer if answer.get("ok") else None
