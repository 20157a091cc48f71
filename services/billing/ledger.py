"""Billing's own records: month closes, submissions, supplemental bills and their
notices, deadline reminders, rate draws and stored reports. Each insert refuses a
second copy, so a job run twice changes nothing the second time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain.claims.lines import ClaimLine, Supplemental
from .snapshot import line_to_json, supplemental_to_json
from .store import (
    authorizations,
    deadline_reminders,
    month_closes,
    providers,
    rate_draws,
    reports,
    submissions,
    submit_requests,
    supplemental_notices,
    supplementals,
)


async def lock_month(conn: AsyncConnection, provider_id: str, month: str) -> None:
    """Serialize a submission with the events arriving for the same provider and month:
    an event committed first is in the submitted claim; one committed after it sees the
    submission and goes on a supplemental bill (BILL-2). Never neither."""
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"billing-month:{provider_id}:{month}"},
    )


async def providers_billing(
    conn: AsyncConnection, month: str, first: date, last: date, provider_id: str | None = None
) -> list[Any]:
    """Providers with an authorization that is not cancelled within the month, each with
    `closed`: whether the month was closed for it already."""
    billed = (
        select(authorizations.c.provider_id)
        .where(
            authorizations.c.start_date <= last,
            authorizations.c.end_date >= first,
            authorizations.c.status != "cancelled",
        )
        .distinct()
    )
    closed = (
        select(month_closes.c.provider_id)
        .where(month_closes.c.provider_id == providers.c.provider_id, month_closes.c.month == month)
        .exists()
    )
    query = (
        select(providers, closed.label("closed"))
        .where(providers.c.provider_id.in_(billed))
        .order_by(providers.c.provider_id)
    )
    if provider_id is not None:
        query = query.where(providers.c.provider_id == provider_id)
    return [r._mapping for r in await conn.execute(query)]


async def close_month(
    conn: AsyncConnection, provider_id: str, month: str, submit_by: date, operator_id: str | None
) -> bool:
    """Record the close; False when the month was closed before (BILL-1)."""
    inserted = await conn.execute(
        insert(month_closes)
        .values(provider_id=provider_id, month=month, submit_by=submit_by, operator_id=operator_id)
        .on_conflict_do_nothing()
        .returning(month_closes.c.provider_id)
    )
    return inserted.first() is not None


async def closed_months(conn: AsyncConnection, since: date) -> list[Any]:
    """Closes whose submission deadline is on or after `since`."""
    rows = await conn.execute(select(month_closes).where(month_closes.c.submit_by >= since))
    return [r._mapping for r in rows]


async def submitted_children(conn: AsyncConnection, provider_id: str, month: str) -> set[str]:
    rows = await conn.execute(
        select(submissions.c.child_id).where(
            submissions.c.provider_id == provider_id, submissions.c.month == month
        )
    )
    return {r.child_id for r in rows}


async def submitted_months(
    conn: AsyncConnection, provider_id: str, child_id: str, months: Iterable[str]
) -> list[str]:
    """Which of `months` the child's month was submitted for at the provider."""
    rows = await conn.execute(
        select(submissions.c.month).where(
            submissions.c.provider_id == provider_id,
            submissions.c.child_id == child_id,
            submissions.c.month.in_(list(months)),
        )
    )
    return sorted(r.month for r in rows)


async def record_submission(
    conn: AsyncConnection,
    *,
    provider_id: str,
    month: str,
    child_id: str,
    submitted_at: datetime,
    request_event_id: str,
    operator_id: str,
    invoice: Decimal | None,
    lines: Iterable[ClaimLine],
    supplemental: Iterable[Supplemental],
) -> bool:
    inserted = await conn.execute(
        insert(submissions)
        .values(
            provider_id=provider_id,
            month=month,
            child_id=child_id,
            submitted_at=submitted_at,
            request_event_id=request_event_id,
            operator_id=operator_id,
            invoice=invoice,
            lines=[line_to_json(line) for line in lines],
            supplemental=[supplemental_to_json(s) for s in supplemental],
        )
        .on_conflict_do_nothing()
        .returning(submissions.c.child_id)
    )
    return inserted.first() is not None


async def earlier_answer(conn: AsyncConnection, event_id: str) -> dict[str, Any] | None:
    """The answer given to a submission request with this `event_id`, if any."""
    row = (
        await conn.execute(
            select(submit_requests.c.reply).where(submit_requests.c.event_id == event_id)
        )
    ).first()
    return row.reply if row is not None else None


async def keep_answer(
    conn: AsyncConnection,
    event_id: str,
    provider_id: str,
    month: str,
    operator_id: str,
    reply: dict[str, Any],
) -> None:
    await conn.execute(
        insert(submit_requests)
        .values(
            event_id=event_id,
            provider_id=provider_id,
            month=month,
            operator_id=operator_id,
            reply=reply,
        )
        .on_conflict_do_nothing()
    )


async def record_supplemental(
    conn: AsyncConnection, provider_id: str, month: str, entry: Supplemental, source: str
) -> bool:
    """Keep a supplemental entry; True the first time this child, authorization, month and
    code go on a supplemental bill (the moment to tell the provider, NOT-2)."""
    await conn.execute(
        insert(supplementals)
        .values(
            provider_id=provider_id,
            month=month,
            child_id=entry.child_id,
            authorization_id=entry.authorization_id,
            code=str(entry.code),
            days=[d.isoformat() for d in entry.days],
            reason=entry.reason,
            source=source,
        )
        .on_conflict_do_nothing()
    )
    noticed = await conn.execute(
        insert(supplemental_notices)
        .values(
            provider_id=provider_id,
            month=month,
            child_id=entry.child_id,
            authorization_id=entry.authorization_id,
            code=str(entry.code),
        )
        .on_conflict_do_nothing()
        .returning(supplemental_notices.c.code)
    )
    return noticed.first() is not None


async def remind_once(conn: AsyncConnection, provider_id: str, month: str, deadline: date) -> bool:
    inserted = await conn.execute(
        insert(deadline_reminders)
        .values(provider_id=provider_id, month=month, deadline=deadline)
        .on_conflict_do_nothing()
        .returning(deadline_reminders.c.month)
    )
    return inserted.first() is not None


async def rate_draw(conn: AsyncConnection, program: str, year: int) -> Any | None:
    row = (
        await conn.execute(
            select(rate_draws).where(rate_draws.c.program == program, rate_draws.c.year == year)
        )
    ).first()
    return row._mapping if row is not None else None


async def record_rate_draw(conn: AsyncConnection, **values: Any) -> bool:
    inserted = await conn.execute(
        insert(rate_draws).values(**values).on_conflict_do_nothing().returning(rate_draws.c.year)
    )
    return inserted.first() is not None


async def rate_draw_history(conn: AsyncConnection, year: int | None) -> list[Any]:
    query = select(rate_draws).order_by(rate_draws.c.year, rate_draws.c.program)
    if year is not None:
        query = query.where(rate_draws.c.year == year)
    return [r._mapping for r in await conn.execute(query)]


async def providers_of_program(conn: AsyncConnection, program: str) -> list[Any]:
    rows = await conn.execute(
        select(providers.c.provider_id, providers.c.type, providers.c.status).where(
            providers.c.program == program
        )
    )
    return [r._mapping for r in rows]


async def log_report(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(reports).values(**values).on_conflict_do_nothing())
