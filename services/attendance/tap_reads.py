"""What taps need to know before identity is asked, for many taps in one statement.

A tap needs the answer already given to its `event_id` (ATT-1), its provider
(status, program, time zone: AUTH-3) and the active authorizations of its
children there (AUTH-2). Here they are three aggregates of one autocommit SELECT,
for every tap read together (`shared.coalesce`: the taps that arrive while one
read is under way share the next), each answering as JSON. The day is not chosen
here: the authorizations of every period are returned, and `Coverage.covers`
decides in the provider's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from .domain.taps import Coverage
from .providers import Provider
from .store import SCHEMA

TAP_CONTEXTS = f"""
    SELECT
      (SELECT json_agg(json_build_array(r.event_id, r.subject, r.reply))
         FROM {SCHEMA}.request_replies r
        WHERE r.event_id = ANY(%(event_ids)s::text[])) AS earlier,
      (SELECT json_agg(json_build_array(p.provider_id, p.program, p.timezone, p.status))
         FROM {SCHEMA}.providers p
        WHERE p.provider_id = ANY(%(provider_ids)s::text[])) AS providers,
      (SELECT json_agg(json_build_array(a.authorization_id, a.case_id, a.child_id,
                                        a.provider_id, a.start_date, a.end_date, a.status))
         FROM {SCHEMA}.authorizations a
         JOIN unnest(%(pair_providers)s::text[], %(pair_children)s::text[])
              AS asked(provider_id, child_id)
           ON a.provider_id = asked.provider_id AND a.child_id = asked.child_id
        WHERE a.status = 'active') AS authorizations
    """
"""Run as the driver's SQL (no statement to compile on a hot path)."""


@dataclass(frozen=True)
class TapAsk:
    """One tap's question: its `event_id`, provider and children."""

    event_id: str
    provider_id: str
    child_ids: tuple[str, ...]


@dataclass(frozen=True)
class TapContext:
    """An earlier answer's (subject, reply), the provider, the children's coverages."""

    earlier: tuple[str, dict[str, Any]] | None
    provider: Provider | None
    coverages: tuple[Coverage, ...]


async def tap_contexts(conn: AsyncConnection, asks: Sequence[TapAsk]) -> list[TapContext]:
    """Each tap's context, in the order asked."""
    pairs = sorted({(a.provider_id, c) for a in asks for c in a.child_ids})
    row = (
        await conn.exec_driver_sql(
            TAP_CONTEXTS,
            {
                "event_ids": sorted({a.event_id for a in asks}),
                "provider_ids": sorted({a.provider_id for a in asks}),
                "pair_providers": [p for p, _ in pairs],
                "pair_children": [c for _, c in pairs],
            },
        )
    ).one()
    found_earlier, found_providers, found_authorizations = row
    earlier = {event_id: (subject, reply) for event_id, subject, reply in found_earlier or ()}
    providers = {p[0]: Provider(*p) for p in found_providers or ()}
    coverages: dict[tuple[str, str], list[Coverage]] = {}
    for a in found_authorizations or ():
        coverage = Coverage(
            a[0], a[1], a[2], a[3], date.fromisoformat(a[4]), date.fromisoformat(a[5]), a[6]
        )
        coverages.setdefault((coverage.provider_id, coverage.child_id), []).append(coverage)
    return [
        TapContext(
            earlier.get(ask.event_id),
            providers.get(ask.provider_id),
            tuple(
                c for child in ask.child_ids for c in coverages.get((ask.provider_id, child), ())
            ),
        )
        for ask in asks
    ]
