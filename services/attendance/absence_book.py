"""Absences as recorded (ATT-7) and the count toward the standard (ATT-8)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.contract.events import AbsenceRecorded, AbsenceStandardExceeded
from shared.policy import PolicyPack
from shared.service import Transaction

from .coverage import Authorized, authorizations_of
from .domain.absences import Absence, passes_standard, standard_count
from .domain.periods import eligibility_period
from .store import (
    absence_alerts,
    absences,
    authorizations,
    case_adults,
    lost_cards,
    outages,
    providers,
)


async def record_absence(
    tx: Transaction,
    *,
    authorized: Authorized,
    day: date,
    kind: str,
    reason: str,
    counts: bool,
    reported_by: str,
    now: datetime,
    event_id: str | None = None,
) -> tuple[str, bool]:
    """Keep an absence once per child, day and kind; (absence_id, newly recorded)."""
    c = authorized.coverage
    absence_id = str(uuid4())
    inserted = (
        await tx.conn.execute(
            insert(absences)
            .values(
                absence_id=absence_id,
                provider_id=c.provider_id,
                child_id=c.child_id,
                case_id=c.case_id,
                authorization_id=c.authorization_id,
                date=day,
                kind=kind,
                reason=reason,
                counts_as_absence=counts,
                protective_services=authorized.protective_services,
                reported_by=reported_by,
                event_id=event_id,
                recorded_at=now,
            )
            .on_conflict_do_nothing()
            .returning(absences.c.absence_id)
        )
    ).first()
    if inserted is None:
        existing = await tx.conn.execute(
            select(absences.c.absence_id).where(
                absences.c.provider_id == c.provider_id,
                absences.c.child_id == c.child_id,
                absences.c.date == day,
                absences.c.kind == kind,
            )
        )
        return existing.scalar_one(), False
    await tx.emit(
        AbsenceRecorded(
            occurred_at=now,
            provider_id=c.provider_id,
            child_id=c.child_id,
            case_id=c.case_id,
            authorization_id=c.authorization_id,
            date=day,
            kind=kind,  # type: ignore[arg-type]
            reason=reason,
            counts_as_absence=counts,
        )
    )
    return absence_id, True


async def absences_on(conn: AsyncConnection, provider_id: str, day: date) -> dict[str, list[Any]]:
    """The day's absences at a provider, by child."""
    rows = await conn.execute(
        select(absences).where(absences.c.provider_id == provider_id, absences.c.date == day)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row.child_id, []).append(row)
    return found


async def absences_between(
    conn: AsyncConnection, provider_id: str, child_id: str, first: date, last: date
) -> dict[date, str]:
    """A child's absences at a provider over a span, as `kind: reason` by day."""
    rows = await conn.execute(
        select(absences.c.date, absences.c.kind, absences.c.reason)
        .where(
            absences.c.provider_id == provider_id,
            absences.c.child_id == child_id,
            absences.c.date >= first,
            absences.c.date <= last,
        )
        .order_by(absences.c.date, absences.c.kind)
    )
    return {r.date: f"{r.kind}: {r.reason}" for r in rows}


async def reported_absent(
    conn: AsyncConnection, provider_id: str, child_id: str, day: date
) -> bool:
    row = await conn.execute(
        select(absences.c.absence_id).where(
            absences.c.provider_id == provider_id,
            absences.c.child_id == child_id,
            absences.c.date == day,
            absences.c.kind == "reported",
        )
    )
    return row.first() is not None


async def outage_on(conn: AsyncConnection, provider_id: str, day: date) -> bool:
    row = await conn.execute(
        select(outages.c.date).where(outages.c.provider_id == provider_id, outages.c.date == day)
    )
    return row.first() is not None


async def keep_lost_card(
    conn: AsyncConnection, person_id: str, reported_on: date, reported_by: str, now: datetime
) -> None:
    """A card reported lost on `reported_on` starts the lost-card allowance (ID-9);
    the same report twice is kept once."""
    await conn.execute(
        insert(lost_cards)
        .values(
            person_id=person_id,
            reported_on=reported_on,
            reported_by=reported_by,
            recorded_at=now,
        )
        .on_conflict_do_nothing()
    )


async def local_day_of_report(conn: AsyncConnection, person_id: str, at: datetime) -> date:
    """The day a report made at `at` falls on for the adult's providers: the earliest
    of their local days (the allowance starts with the first day the card was
    missing anywhere), or the UTC day while no provider of theirs is known."""
    zones = (
        await conn.execute(
            select(providers.c.timezone)
            .distinct()
            .select_from(
                case_adults.join(
                    authorizations, authorizations.c.case_id == case_adults.c.case_id
                ).join(providers, providers.c.provider_id == authorizations.c.provider_id)
            )
            .where(case_adults.c.person_id == person_id)
        )
    ).scalars()
    return min(
        (at.astimezone(ZoneInfo(zone)).date() for zone in zones),
        default=at.astimezone(UTC).date(),
    )


async def lost_card_days_used(
    conn: AsyncConnection, child_id: str, case_id: str, day: date
) -> tuple[int, bool]:
    """(Z-days already excused by the latest lost card, whether a card was lost).

    The latest card reported lost on or before `day` by an adult of the case
    starts the allowance (ID-9); Z-days of the child excused for it since count
    against it.
    """
    reported = (
        await conn.execute(
            select(func.max(lost_cards.c.reported_on))
            .select_from(
                lost_cards.join(case_adults, case_adults.c.person_id == lost_cards.c.person_id)
            )
            .where(case_adults.c.case_id == case_id, lost_cards.c.reported_on <= day)
        )
    ).scalar()
    if reported is None:
        return 0, False
    used = (
        await conn.execute(
            select(func.count()).where(
                absences.c.child_id == child_id,
                absences.c.kind == "zday",
                absences.c.reason == "lost_card",
                absences.c.date >= reported,
            )
        )
    ).scalar_one()
    return int(used), True


async def check_standard(
    tx: Transaction, pack: PolicyPack, child_id: str, case_id: str, day: date, now: datetime
) -> None:
    """Announce once when a child's counted absences pass the standard in the
    eligibility period holding `day` (ATT-8); the parent must be contacted."""
    policy = pack.absences
    if policy.standard is None or policy.period_months is None:
        return
    held = await authorizations_of(tx.conn, child_id, case_id)
    if not held:
        return
    first_day = min(a.coverage.start_date for a in held)
    start, end = eligibility_period(first_day, day, policy.period_months)
    outage = exists().where(
        and_(outages.c.provider_id == absences.c.provider_id, outages.c.date == absences.c.date)
    )
    rows = await tx.conn.execute(
        select(
            absences.c.date,
            absences.c.kind,
            absences.c.counts_as_absence,
            absences.c.protective_services,
            outage.label("outage"),
        ).where(
            absences.c.child_id == child_id,
            absences.c.case_id == case_id,
            absences.c.date >= start,
            absences.c.date <= end,
        )
    )
    counted = [
        Absence(
            r.date,
            r.counts_as_absence and not (r.kind == "zday" and r.outage),
            r.protective_services,
        )
        for r in rows
    ]
    exceptions = [e for a in held for e in a.exceptions]
    count = standard_count(counted, exceptions=exceptions, pack=pack)
    if not passes_standard(count, pack):
        return
    raised = await tx.conn.execute(
        insert(absence_alerts)
        .values(child_id=child_id, case_id=case_id, period_start=start, count=count, raised_at=now)
        .on_conflict_do_nothing()
        .returning(absence_alerts.c.child_id)
    )
    if raised.first() is None:
        return
    await tx.emit(
        AbsenceStandardExceeded(
            occurred_at=now,
            child_id=child_id,
            case_id=case_id,
            count=count,
            period_start=start,
            period_end=end,
            standard=policy.standard,
        )
    )
