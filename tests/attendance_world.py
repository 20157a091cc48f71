"""The world the attendance end-to-end tests run in (it holds no tests itself).

Attendance runs as a service on the real NATS and PostgreSQL of the fixtures.
What other services would announce (providers, authorizations, cases, submitted
months) is published on JetStream with the contract's own models; identity's
credential check (`identity.credential.verify`) is answered by a small real
responder on the test's NATS connection, with a table of PINs.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from sqlalchemy import func, select

from services.attendance import store
from shared.clock import FixedClock
from shared.contract.base import Event
from shared.contract.eligibility import CaseRecord
from shared.contract.events import (
    AuthorizationChanged,
    CardReportedLost,
    MonthSubmitted,
    ProviderChanged,
)
from shared.contract.identity import CredentialVerifyManyRequest, CredentialVerifyRequest
from shared.db import async_engine
from shared.settings import Settings
from tests.factories import authorization_record
from tests.running import RunningSystem, eventually, running, stream_messages

DENVER = "America/Denver"
PHOENIX = "America/Phoenix"
CHICAGO = "America/Chicago"
MONDAY = date(2026, 11, 9)


def local(day: date, hour: int, minute: int = 0, tz: str = DENVER) -> datetime:
    """A wall-clock time at the provider, as an aware moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


@dataclass
class Adult:
    person_id: str
    pin: str
    children: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """provider_id -> child_id -> case ids, as identity would answer."""


class IdentityStandIn:
    """Answers attendance's credential checks from a table of PINs, like identity:
    `pin_invalid` for an unknown PIN or one not valid at the provider,
    `device_locked` for a locked device."""

    def __init__(self) -> None:
        self.adults: dict[str, Adult] = {}
        self.locked_devices: set[str] = set()
        self.asked = 0
        self.traceparents: list[str | None] = []

    def add(self, adult: Adult) -> Adult:
        self.adults[adult.pin] = adult
        return adult

    async def answer(self, msg: Msg) -> None:
        """`identity.credential.verify_many`: each check judged as identity would."""
        self.traceparents.append((msg.headers or {}).get("traceparent"))
        request = CredentialVerifyManyRequest.model_validate_json(msg.data)
        answers = [self.judge(check) for check in request.checks]
        await msg.respond(json.dumps({"ok": True, "answers": answers}).encode())

    def judge(self, request: CredentialVerifyRequest) -> dict[str, Any]:
        self.asked += 1
        adult = self.adults.get(request.pin.get_secret_value())
        if request.device_id in self.locked_devices:
            return _error("device_locked", "This device is locked.")
        if adult is None or request.provider_id not in adult.children:
            return _error("pin_invalid", "That PIN is not valid here.")
        return {
            "ok": True,
            "adult": {"person_id": adult.person_id, "first_name": "Ana"},
            "children": [
                {"child_id": c, "first_name": "Kid", "checked_in": False, "case_ids": cases}
                for c, cases in adult.children[request.provider_id].items()
            ],
        }


def _error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


@dataclass
class World:
    nc: NatsClient
    settings: Settings
    clock: FixedClock
    system: RunningSystem
    identity: IdentityStandIn

    # --- what other services announce ------------------------------------

    async def publish(self, event: Event | CaseRecord, subject: str | None = None) -> None:
        target = subject or event.subject  # type: ignore[union-attr]
        headers = {"Nats-Msg-Id": str(getattr(event, "event_id", None) or uuid4())}
        await self.nc.jetstream().publish(
            target, event.model_dump_json(by_alias=True).encode(), headers=headers
        )

    async def provider(
        self,
        provider_id: str = "CO-1",
        *,
        program: str = "colorado",
        timezone: str = DENVER,
        status: str = "active",
        version: int = 1,
    ) -> None:
        event = ProviderChanged.model_validate(
            {
                "provider_id": provider_id,
                "name": f"Provider {provider_id}",
                "program": program,
                "type": "center",
                "status": status,
                "timezone": timezone,
                "ages_served": {"min_months": 0, "max_months": 144},
                "version": version,
                "occurred_at": self.clock.now(),
                "changes": ["status"],
            }
        )
        await self.publish(event)
        await eventually(lambda: self._count(store.providers, version=version, key=provider_id))

    async def authorization(self, **overrides: Any) -> dict[str, Any]:
        record = authorization_record(**overrides)
        event = AuthorizationChanged.model_validate(
            {**record, "occurred_at": self.clock.now(), "changes": ["status"]}
        )
        await self.publish(event)
        await eventually(
            lambda: self._count(
                store.authorizations, version=record["version"], key=record["authorization_id"]
            )
        )
        return record

    async def case(self, case_id: str, *adults: str, version: int = 1) -> None:
        record = CaseRecord.model_validate(
            {
                "case_id": case_id,
                "version": version,
                "adults": [
                    {"person_id": p, "first_name": "Ana", "last_name": "Garcia"} for p in adults
                ],
            }
        )
        await self.publish(record, "eligibility.case")
        await eventually(lambda: self._count(store.cases, version=version, key=case_id))

    async def month_submitted(self, provider_id: str, month: str, *child_ids: str) -> None:
        event = MonthSubmitted(
            occurred_at=self.clock.now(),
            provider_id=provider_id,
            month=month,
            child_ids=list(child_ids),
        )
        await self.publish(event)
        await eventually(lambda: self._submitted(provider_id, month, len(child_ids)))

    async def card_reported_lost(self, person_id: str, at: datetime) -> date:
        """Identity's announcement of a lost card (ID-9); the day attendance kept."""
        await self.publish(CardReportedLost(occurred_at=at, person_id=person_id))
        return await eventually(lambda: self._lost_card_day(person_id))

    async def family(
        self,
        *,
        provider_id: str = "CO-1",
        child_id: str = "CH-1",
        case_id: str = "CASE-1",
        person_id: str = "PARENT-1",
        pin: str = "48151623",
        authorization_id: str = "AUTH-1",
        **authorization: Any,
    ) -> Adult:
        """A case with one parent and one child authorized at the provider."""
        await self.case(case_id, person_id)
        await self.authorization(
            authorization_id=authorization_id,
            case_id=case_id,
            provider_id=provider_id,
            child={
                "child_id": child_id,
                "first_name": "Sofia",
                "last_name": "Garcia",
                "birth_date": "2022-05-05",
            },
            **authorization,
        )
        adult = self.identity.adults.get(pin) or self.identity.add(Adult(person_id, pin))
        adult.children.setdefault(provider_id, {}).setdefault(child_id, []).append(case_id)
        return adult

    # --- requests through the contract -------------------------------------

    async def ask(self, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await self.nc.request(subject, json.dumps(body, default=str).encode(), timeout=10)
        return json.loads(reply.data)

    async def tap(
        self,
        *child_ids: str,
        direction: str = "in",
        at: datetime | None = None,
        pin: str = "48151623",
        provider_id: str = "CO-1",
        channel: str = "kiosk",
        device_id: str = "KIOSK-1",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        return await self.ask(
            f"kiosk.{provider_id}.tap",
            {
                "event_id": event_id or str(uuid4()),
                "device_id": device_id,
                "pin": pin,
                "child_ids": list(child_ids or ("CH-1",)),
                "direction": direction,
                "occurred_at": (at or self.clock.now()).isoformat(),
                "channel": channel,
            },
        )

    async def provider_record(
        self,
        direction: str,
        at: datetime,
        *,
        child_id: str = "CH-1",
        provider_id: str = "CO-1",
        case_id: str | None = None,
        channel: str = "provider",
    ) -> dict[str, Any]:
        body = {
            "event_id": str(uuid4()),
            "operator_id": "OP-1",
            "child_id": child_id,
            "direction": direction,
            "occurred_at": at.isoformat(),
            "channel": channel,
        }
        if case_id:
            body["case_id"] = case_id
        return await self.ask(f"provider.{provider_id}.attendance.record", body)

    async def board(self, day: date, provider_id: str = "CO-1") -> dict[str, Any]:
        return await self.ask(f"provider.{provider_id}.attendance.day", {"date": day.isoformat()})

    async def history(self, record_id: str, provider_id: str = "CO-1") -> dict[str, Any]:
        return await self.ask(
            f"provider.{provider_id}.attendance.history", {"record_id": record_id}
        )

    async def resolve(
        self, record_id: str, action: str, at: datetime | None = None, person: str = "PARENT-1"
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"event_id": str(uuid4()), "record_id": record_id, "action": action}
        if at is not None:
            body["occurred_at"] = at.isoformat()
        return await self.ask(f"parent.{person}.pending.resolve", body)

    async def pending(self, person: str = "PARENT-1") -> list[dict[str, Any]]:
        reply = await self.ask(f"parent.{person}.pending.list", {})
        assert reply["ok"], reply
        return reply["records"]

    async def close_day(self, day: date, provider_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"date": day.isoformat()}
        if provider_id:
            body["provider_id"] = provider_id
        return await self.ask("ops.attendance.close_day", body)

    # --- what attendance announced -----------------------------------------

    async def events(self, subject: str) -> list[dict[str, Any]]:
        return [json.loads(m.data) for m in await stream_messages(self.nc, "ATTENDANCE", subject)]

    async def events_eventually(self, subject: str, count: int) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            found = await self.events(subject)
            return found if len(found) >= count else None

        return await eventually(enough)

    # --- waiting for the read models ----------------------------------------

    async def _count(self, table: Any, *, version: int, key: str) -> bool:
        engine = async_engine(self.settings.database_url)
        try:
            async with engine.connect() as conn:
                pk = next(iter(table.primary_key.columns))
                found = await conn.execute(
                    select(table.c.version).where(pk == key, table.c.version >= version)
                )
                return found.first() is not None
        finally:
            await engine.dispose()

    async def _lost_card_day(self, person_id: str) -> date | None:
        engine = async_engine(self.settings.database_url)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    select(func.max(store.lost_cards.c.reported_on)).where(
                        store.lost_cards.c.person_id == person_id
                    )
                )
                return found.scalar()
        finally:
            await engine.dispose()

    async def _submitted(self, provider_id: str, month: str, count: int) -> bool:
        engine = async_engine(self.settings.database_url)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    select(func.count()).where(
                        store.submitted_months.c.provider_id == provider_id,
                        store.submitted_months.c.month == month,
                    )
                )
                return found.scalar_one() >= count
        finally:
            await engine.dispose()


@contextlib.asynccontextmanager
async def attendance_world(nc: NatsClient, settings: Settings) -> AsyncIterator[World]:
    """Attendance running with its clock at 9:00 on a Monday in Denver.

    Each test module turns this into its `world` fixture.
    """
    clock = FixedClock(local(MONDAY, 9).astimezone(UTC))
    identity = IdentityStandIn()
    responder = await nc.subscribe(CredentialVerifyManyRequest.subject, cb=identity.answer)
    try:
        async with running(settings, ("attendance",), clock=clock) as system:
            yield World(nc, settings, clock, system, identity)
    finally:
        await responder.unsubscribe()
