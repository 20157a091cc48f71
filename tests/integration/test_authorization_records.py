"""Eligibility records and bus helpers shared by the authorization tests, and the
check that each builder gives a record the contract accepts (AUTH-1)."""

from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client as NatsClient

from shared.contract.eligibility import AuthorizationRecord, CaseRecord, ProviderRecord
from tests.factories import as_json, authorization_record
from tests.running import eventually, stream_messages


def provider_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "provider_id": "CO-1",
        "version": 1,
        "name": "Sunshine Early Learning Center",
        "program": "colorado",
        "type": "center",
        "status": "active",
        "timezone": "America/Denver",
        "ages_served": {"min_months": 0, "max_months": 156},
        "email": "office@sunshine.example",
        "staff": [
            {
                "first_name": "Maria",
                "last_name": "Lopez",
                "email": "maria@sunshine.example",
                "role": "owner",
            }
        ],
        "rates": [{"care_level": "full_time", "unit": "day", "amount": 52.5}],
        "paid_holidays": ["2026-11-26"],
    }
    record.update(overrides)
    return record


def case_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "case_id": "CASE-1",
        "version": 1,
        "adults": [
            {
                "person_id": "PER-1",
                "first_name": "Ana",
                "last_name": "Garcia",
                "email": "ana@example.org",
                "phone": "7205550101",
                "birth_date": "1991-04-12",
                "language": "es",
                "role": "parent",
                "card_number": "CARD-0001",
            }
        ],
    }
    record.update(overrides)
    return record


# --- the bus ---------------------------------------------------------------


async def push(nc: NatsClient, kind: str, record: dict[str, Any], **headers: str) -> None:
    """Publish one eligibility record as the state does (JetStream, `eligibility.<kind>`)."""
    await nc.jetstream().publish(
        f"eligibility.{kind}", as_json(record), headers=headers or None, timeout=5
    )


async def ask(nc: NatsClient, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=15)
    return json.loads(reply.data)


async def get_authorization(nc: NatsClient, authorization_id: str) -> dict[str, Any]:
    return await ask(nc, "authorization.get", {"authorization_id": authorization_id})


async def announced(nc: NatsClient, authorization_id: str, revision: int = 1) -> dict | None:
    """The announced state once it reached `revision` (for `eventually`)."""
    answer = await get_authorization(nc, authorization_id)
    state = answer.get("announced") if answer.get("ok") else None
    return state if state and state["revision"] >= revision else None


async def received(nc: NatsClient, authorization_id: str, pushes: int) -> dict | None:
    """The `authorization.get` answer once `pushes` pushes were kept (for `eventually`)."""
    answer = await get_authorization(nc, authorization_id)
    return answer if answer.get("ok") and len(answer["history"]) >= pushes else None


async def events(nc: NatsClient, subject: str = "authorization.changed") -> list[dict]:
    """Every event on `subject` in the AUTHORIZATION stream, in publication order."""
    return [json.loads(m.data) for m in await stream_messages(nc, "AUTHORIZATION", subject)]


async def events_of(nc: NatsClient, authorization_id: str, count: int) -> list[dict]:
    """The first `count` `AuthorizationChanged` of one authorization, waiting for them."""

    async def probe() -> list[dict] | None:
        mine = [e for e in await events(nc) if e["authorization_id"] == authorization_id]
        return mine if len(mine) >= count else None

    return await eventually(probe)


async def dead_letters(nc: NatsClient) -> list[dict]:
    return [
        json.loads(m.data) | {"_subject": m.subject}
        for m in await stream_messages(nc, "DEADLETTER", "deadletter.>")
    ]


# --- the builders match the contract ---------------------------------------


def test_the_builders_make_valid_records() -> None:  # AUTH-1
    assert ProviderRecord.model_validate(provider_record()).provider_id == "CO-1"
    assert CaseRecord.model_validate(case_record()).adults[0].person_id == "PER-1"
    record = AuthorizationRecord.model_validate(authorization_record(provider_id="CO-1"))
    assert record.case_id == "CASE-1"
