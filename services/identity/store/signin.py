"""What a kiosk sign-in needs, read in one round trip: the provider, the device's
lock, the adult the PIN's keyed hash belongs to, and the routes by which they may
sign children here (ID-4), for many sign-ins in one statement (the sign-ins and
taps that arrive while one read is under way share the next). Only a failure
writes (the device's count)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.lockout import Device
from ..domain.signin import Adult, Presence, Provider, Route
from .tables import devices

_SNAPSHOTS = text(
    """
SELECT s.*
  FROM unnest(CAST(:provider_ids AS text[]), CAST(:device_ids AS text[]),
              CAST(:pin_hashes AS bytea[]))
       WITH ORDINALITY AS q(provider_id, device_id, pin_hash, i)
 CROSS JOIN LATERAL (
WITH adult AS (
    SELECT a.person_id, a.first_name, a.phone,
           (SELECT c.card_hash FROM identity.cards c
             WHERE c.person_id = a.person_id AND c.voided_at IS NULL) AS card_hash
      FROM identity.adults a
     WHERE a.pin_hash = q.pin_hash
),
via AS (  -- the adult's own cases (any child), and cases of parents who made them a delegate
    SELECT m.case_id, NULL::text AS child_id
      FROM identity.case_members m JOIN adult ON m.person_id = adult.person_id
    UNION ALL
    SELECT m.case_id, g.child_id
      FROM identity.delegate_grants g
      JOIN adult ON g.delegate_id = adult.person_id
      JOIN identity.case_members m ON m.person_id = g.parent_id AND m.role = 'parent'
     WHERE g.revoked_at IS NULL
),
routes AS (
    SELECT z.child_id, z.child_first_name, z.case_id, z.start_date, z.end_date,
           p.direction, p.occurred_at, p.status
      FROM identity.authorizations z
      JOIN via ON via.case_id = z.case_id AND (via.child_id IS NULL OR via.child_id = z.child_id)
      LEFT JOIN identity.presence p
             ON p.provider_id = z.provider_id AND p.child_id = z.child_id
     WHERE z.provider_id = q.provider_id AND z.status = 'active'
)
SELECT
    (SELECT json_build_array(program, timezone, status)
       FROM identity.providers WHERE provider_id = q.provider_id) AS provider,
    (SELECT json_build_array(failures, locked_until)
       FROM identity.devices WHERE provider_id = q.provider_id AND device_id = q.device_id)
       AS device,
    (SELECT json_build_array(person_id, first_name, phone, encode(card_hash, 'hex'))
       FROM adult) AS adult,
    (SELECT json_agg(json_build_array(child_id, child_first_name, case_id, start_date,
                                      end_date, direction, occurred_at, status))
       FROM routes) AS routes
 ) s
 ORDER BY q.i
"""
)


@dataclass(frozen=True)
class SnapshotAsk:
    """Who is asking: the provider, its kiosk, and the PIN's keyed hash."""

    provider_id: str
    device_id: str
    pin_hash: bytes


@dataclass(frozen=True)
class Snapshot:
    provider: Provider | None
    device: Device
    adult: Adult | None
    routes: list[Route]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _device(value: list[Any] | None) -> Device:
    if value is None:
        return Device()
    failures, locked_until = value
    return Device(tuple(_moment(f) for f in failures or ()), _moment(locked_until))  # type: ignore[misc]


def _route(value: list[Any]) -> Route:
    child_id, first_name, case_id, start, end, direction, occurred_at, status = value
    presence = Presence(direction, _moment(occurred_at), status) if direction else None  # type: ignore[arg-type]
    return Route(
        child_id, first_name, case_id, date.fromisoformat(start), date.fromisoformat(end), presence
    )


async def snapshots(conn: AsyncConnection, asks: Sequence[SnapshotAsk]) -> list[Snapshot]:
    """What each sign-in needs, for many at once (one statement), in the order asked."""
    rows = await conn.execute(
        _SNAPSHOTS,
        {
            "provider_ids": [a.provider_id for a in asks],
            "device_ids": [a.device_id for a in asks],
            "pin_hashes": [a.pin_hash for a in asks],
        },
    )
    return [_snapshot(ask.provider_id, row) for ask, row in zip(asks, rows, strict=True)]


def _snapshot(provider_id: str, row: Any) -> Snapshot:
    provider = Provider(provider_id, *row.provider) if row.provider else None
    adult = None
    if row.adult:
        person_id, first_name, phone, card_hex = row.adult
        adult = Adult(person_id, first_name, phone, bytes.fromhex(card_hex) if card_hex else None)
    return Snapshot(provider, _device(row.device), adult, [_route(r) for r in row.routes or ()])


async def device_for_update(conn: AsyncConnection, provider_id: str, device_id: str) -> Device:
    """The device's state, locked for this transaction: failures from one kiosk at the
    same moment are counted one after the other."""
    await conn.execute(
        insert(devices)
        .values(provider_id=provider_id, device_id=device_id, failures=[])
        .on_conflict_do_nothing()
    )
    row = (
        await conn.execute(
            select(devices.c.failures, devices.c.locked_until)
            .where(devices.c.provider_id == provider_id, devices.c.device_id == device_id)
            .with_for_update()
        )
    ).one()
    return Device(tuple(row.failures), row.locked_until)


async def save_device(
    conn: AsyncConnection, provider_id: str, device_id: str, device: Device
) -> None:
    await conn.execute(
        devices.update()
        .where(devices.c.provider_id == provider_id, devices.c.device_id == device_id)
        .values(failures=list(device.failures), locked_until=device.locked_until)
    )
