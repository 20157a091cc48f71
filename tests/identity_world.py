"""A small world for the identity tests, built only from the contract: providers and
authorizations as authorization publishes them, cases as the eligibility system
pushes them, requests and the events identity publishes.

Helpers only (no tests here): the identity test modules import them.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError

from shared.contract import subjects
from shared.contract.events import AuthorizationChanged, ProviderChanged
from tests.running import eventually, stream_messages

DENVER = "America/Denver"
PHOENIX = "America/Phoenix"
CHICAGO = "America/Chicago"
IDENTITY_CONSUMER_STREAMS = ("ELIGIBILITY", "AUTHORIZATION", "ATTENDANCE")

GOOD_PIN = "48151623"
OTHER_PIN = "27182818"


# --- what the other parties publish ---------------------------------------------------


async def publish(nc: NatsClient, subject: str, body: dict[str, Any]) -> None:
    """Publish on JetStream with a fresh `Nats-Msg-Id`, as a publisher does."""
    await nc.jetstream().publish(
        subject, json.dumps(body, default=str).encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )


def provider(
    provider_id: str,
    *,
    program: str = "colorado",
    timezone: str = DENVER,
    status: str = "active",
    staff: list[dict[str, Any]] | None = None,
    email: str | None = "office@example.org",
    version: int = 1,
    occurred_at: datetime,
) -> dict[str, Any]:
    """A `ProviderChanged` body (authorization.provider_changed)."""
    body = {
        "provider_id": provider_id,
        "name": f"Provider {provider_id}",
        "program": program,
        "type": "center",
        "status": status,
        "timezone": timezone,
        "ages_served": {"min_months": 0, "max_months": 144},
        "email": email,
        "staff": staff or [],
        "version": version,
        "occurred_at": occurred_at.isoformat(),
        "changes": ["status"],
    }
    return ProviderChanged.model_validate(body).model_dump(mode="json")


def authorization(
    authorization_id: str,
    *,
    case_id: str,
    child_id: str,
    provider_id: str,
    first_name: str = "Sofia",
    start_date: str = "2026-11-01",
    end_date: str = "2027-04-30",
    status: str = "active",
    version: int = 1,
    occurred_at: datetime,
) -> dict[str, Any]:
    """An `AuthorizationChanged` body (authorization.changed)."""
    body = {
        "authorization_id": authorization_id,
        "version": version,
        "case_id": case_id,
        "child": {
            "child_id": child_id,
            "first_name": first_name,
            "last_name": "Garcia",
            "birth_date": "2022-05-05",
        },
        "provider_id": provider_id,
        "start_date": start_date,
        "end_date": end_date,
        "status": status,
        "schedule": {"kind": "fixed", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "care_level": "full_time",
        "occurred_at": occurred_at.isoformat(),
        "changes": ["status"],
    }
    return AuthorizationChanged.model_validate(body).model_dump(mode="json", by_alias=True)


def adult(
    person_id: str,
    first_name: str = "Maria",
    *,
    last_name: str = "Garcia",
    role: str = "parent",
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
    card_number: str | None = None,
    birth_date: str = "1990-05-01",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": person_id,
        "first_name": first_name,
        "last_name": last_name,
        "email": email or f"{person_id.lower()}@example.org",
        "birth_date": birth_date,
        "language": language,
        "role": role,
    }
    if phone:
        body["phone"] = phone
    if card_number:
        body["card_number"] = card_number
    return body


def case(case_id: str, adults: list[dict[str, Any]], version: int = 1) -> dict[str, Any]:
    """An `eligibility.case` record."""
    return {"case_id": case_id, "version": version, "adults": adults}


# --- waiting for identity -----------------------------------------------------------


async def consumed(nc: NatsClient) -> bool:
    """Every identity consumer has handled (and acked) everything on its stream."""
    js = nc.jetstream()
    for stream in IDENTITY_CONSUMER_STREAMS:
        try:
            infos = await js.consumers_info(stream)
        except NotFoundError:
            continue
        for info in infos:
            if info.name.startswith("identity-") and (info.num_pending or info.num_ack_pending):
                return False
    return True


async def settle(nc: NatsClient) -> None:
    """Wait until identity has taken in everything published so far."""
    await eventually(lambda: consumed(nc))


# --- identity's events ----------------------------------------------------------------


async def links_for(nc: NatsClient, person_id: str) -> list[dict[str, Any]]:
    """The `PinSetLinkIssued` events for an adult, oldest first (as notify reads them)."""
    messages = await stream_messages(nc, "IDENTITY", subjects.PIN_LINK_ISSUED)
    events = [json.loads(m.data) for m in messages]
    return [e for e in events if e["person_id"] == person_id]


async def link_count(nc: NatsClient, person_id: str, count: int) -> list[dict[str, Any]] | None:
    found = await links_for(nc, person_id)
    return found if len(found) >= count else None


async def newest_link(nc: NatsClient, person_id: str, count: int = 1) -> dict[str, Any]:
    """Wait for the adult's `count`-th link and return the newest."""
    return (await eventually(lambda: link_count(nc, person_id, count)))[-1]


async def events_on(nc: NatsClient, subject: str) -> list[dict[str, Any]]:
    return [json.loads(m.data) for m in await stream_messages(nc, "IDENTITY", subject)]


# --- requests ---------------------------------------------------------------------


async def ask(nc: NatsClient, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(subject, json.dumps(body, default=str).encode(), timeout=5)
    return json.loads(reply.data)


async def set_pin(
    nc: NatsClient, token: str, pin: str, confirm: str | None = None
) -> dict[str, Any]:
    return await ask(
        nc,
        subjects.PIN_SET,
        {"link_token": token, "pin": pin, "pin_confirm": pin if confirm is None else confirm},
    )


async def signin(
    nc: NatsClient, provider_id: str, pin: str, device: str = "kiosk-1", **second: str
) -> dict[str, Any]:
    return await ask(
        nc, subjects.kiosk_signin(provider_id), {"device_id": device, "pin": pin, **second}
    )


def code(reply: dict[str, Any]) -> str | None:
    """The error code of a refusal, None for a success."""
    return None if reply.get("ok") else reply["error"]["code"]
