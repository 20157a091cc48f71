"""What a tap needs to know before identity is asked, read in one statement.

A tap needs the answer already given to its `event_id` (ATT-1), its provider
(status, program, time zone: AUTH-3) and the active authorizations of its
children there (AUTH-2). Three queries through the service engine cost a ping,
a BEGIN, three round trips and a ROLLBACK; here they are scalar subqueries of one
autocommit SELECT, each answering as JSON. The day is not chosen here: the
authorizations of every period are returned, and `Coverage.covers` decides in
the provider's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Text

from .domain.taps import Coverage
from .providers import Provider
from .store import SCHEMA

TAP_CONTEXT = text(
    f"""
    SELECT
      (SELECT json_build_object('subject', r.subject, 'reply', r.reply)
         FROM {SCHEMA}.request_replies r WHERE r.event_id = :event_id) AS earlier,
      (SELECT json_build_object('program', p.program, 'timezone', p.timezone,
                                'status', p.status)
         FROM {SCHEMA}.providers p WHERE p.provider_id = :provider_id) AS provider,
      (SELECT coalesce(json_agg(json_build_object(
                'authorization_id', a.authorization_id, 'case_id', a.case_id,
                'child_id', a.child_id, 'start_date', a.start_date,
                'end_date', a.end_date, 'status', a.status)), '[]')
         FROM {SCHEMA}.authorizations a
        WHERE a.provider_id = :provider_id AND a.child_id = ANY(:child_ids)
          AND a.status = 'active') AS authorizations
    """
).bindparams(bindparam("child_ids", type_=ARRAY(Text)))


@dataclass(frozen=True)
class TapContext:
    """An earlier answer's (subject, reply), the provider, the children's coverages."""

    earlier: tuple[str, dict[str, Any]] | None
    provider: Provider | None
    coverages: tuple[Coverage, ...]


async def tap_context(
    conn: AsyncConnection, event_id: str, provider_id: str, child_ids: Sequence[str]
) -> TapContext:
    row = (
        await conn.execute(
            TAP_CONTEXT,
            {"event_id": event_id, "provider_id": provider_id, "child_ids": list(child_ids)},
        )
    ).one()
    earlier = (row.earlier["subject"], row.earlier["reply"]) if row.earlier else None
    provider = (
        Provider(
            provider_id,
            row.provider["program"],
            row.provider["timezone"],
            row.provider["status"],
        )
        if row.provider
        else None
    )
    coverages = tuple(
        Coverage(
            a["authorization_id"],
            a["case_id"],
            a["child_id"],
            provider_id,
            date.fromisoformat(a["start_date"]),
            date.fromisoformat(a["end_date"]),
            a["status"],
        )
        for a in row.authorizations
    )
    return TapContext(earlier, provider, coverages)
