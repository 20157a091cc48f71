"""Requests that change state are answered once per `event_id` (ATT-1): the reply
is stored in the same transaction as the change, and a resent request gets the
first answer back with nothing recorded again. A refusal changes nothing and is
not stored, so a resend after the cause is fixed is judged anew."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime, Transaction

from .store import request_replies

Work = Callable[[Transaction], Awaitable[dict[str, Any]]]


class _AnsweredMeanwhile(Exception):
    """The same event_id committed first in a concurrent transaction."""


async def stored_answer(
    conn: AsyncConnection, event_id: str, subject: str
) -> dict[str, Any] | None:
    """The answer already given to this `event_id`, read on the caller's connection."""
    row = (
        await conn.execute(
            select(request_replies.c.subject, request_replies.c.reply).where(
                request_replies.c.event_id == event_id
            )
        )
    ).first()
    if row is None:
        return None
    return first_answer(row.subject, row.reply, subject)


def first_answer(stored_subject: str, reply: dict[str, Any], subject: str) -> dict[str, Any]:
    """The stored answer, if it was given on this subject: an `event_id` names one
    request, so reusing it for another is refused rather than answered wrongly."""
    if stored_subject != subject:
        raise RequestRefused(
            ErrorCode.invalid_request, "This event_id was already used for another request."
        )
    return dict(reply)


async def earlier_answer(engine: AsyncEngine, event_id: str, subject: str) -> dict[str, Any] | None:
    """The answer already given to this `event_id`, if any."""
    async with engine.connect() as conn:
        return await stored_answer(conn, event_id, subject)


async def answer_once(
    rt: ServiceRuntime, event_id: str, subject: str, work: Work
) -> dict[str, Any]:
    """Run `work` in one transaction and keep its reply under `event_id`.

    When a concurrent request with the same id commits first, this one rolls
    back whole and returns that first answer.
    """
    try:
        async with rt.transaction() as tx:
            reply = await work(tx)
            kept = await tx.conn.execute(
                insert(request_replies)
                .values(event_id=event_id, subject=subject, reply=reply)
                .on_conflict_do_nothing()
                .returning(request_replies.c.event_id)
            )
            if kept.first() is None:
                raise _AnsweredMeanwhile
    except _AnsweredMeanwhile:
        first = await earlier_answer(rt.engine, event_id, subject)
        if first is None:  # pragma: no cover - the conflicting row is committed
            raise
        return first
    return reply


async def once(rt: ServiceRuntime, event_id: str, subject: str, work: Work) -> dict[str, Any]:
    """The first answer to `event_id`, or `work` done now and remembered."""
    return await earlier_answer(rt.engine, event_id, subject) or await answer_once(
        rt, event_id, subject, work
    )
