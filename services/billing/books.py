"""Reading a provider's month from billing's tables into the domain's plain values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.attendance.domain.days import start_of_day

from .domain.calendar import month_end, month_start
from .domain.values import (
    Absence,
    Attestation,
    AuthorizationPeriod,
    LiveRecord,
    MonthFacts,
    ProviderTerms,
    Rate,
    Schedule,
)
from .domain.view import Submission
from .snapshot import line_from_json, supplemental_from_json
from .store import (
    absences,
    attestations,
    authorizations,
    providers,
    submissions,
    supplementals,
)


async def load_provider(conn: AsyncConnection, provider_id: str) -> ProviderTerms | None:
    row = (
        await conn.execute(select(providers).where(providers.c.provider_id == provider_id))
    ).first()
    return provider_terms(row._mapping) if row is not None else None


def provider_terms(row: Any) -> ProviderTerms:
    return ProviderTerms(
        provider_id=row["provider_id"],
        name=row["name"],
        program=row["program"],
        type=row["type"],
        status=row["status"],
        timezone=row["timezone"],
        min_months=row["min_months"],
        max_months=row["max_months"],
        rates=tuple(
            Rate(r["care_level"], r["unit"], Decimal(str(r["amount"]))) for r in row["rates"]
        ),
        paid_holidays=frozenset(date.fromisoformat(d) for d in row["paid_holidays"]),
    )


async def load_month(conn: AsyncConnection, provider: ProviderTerms, month: str) -> MonthFacts:
    """The provider's authorizations, live records and absences of `month`."""
    first, last = month_start(month), month_end(month)
    auth_rows = await conn.execute(
        select(authorizations.c.state, authorizations.c.status).where(
            authorizations.c.provider_id == provider.provider_id,
            authorizations.c.start_date <= last,
            authorizations.c.end_date >= first,
        )
    )
    absence_rows = await conn.execute(
        select(absences).where(
            absences.c.provider_id == provider.provider_id,
            absences.c.day >= first,
            absences.c.day <= last,
        )
    )
    return MonthFacts(
        month=month,
        provider=provider,
        authorizations=tuple(authorization_period(r.state, r.status) for r in auth_rows.all()),
        records=await live_records(conn, provider, month),
        absences=tuple(
            Absence(
                child_id=r.child_id,
                case_id=r.case_id,
                authorization_id=r.authorization_id,
                day=r.day,
                kind=r.kind,
                reason=r.reason,
                counts_as_absence=r.counts_as_absence,
            )
            for r in absence_rows.all()
        ),
    )


LIVE_RECORDS = """
    SELECT record_id, child_id, case_id, direction, occurred_at, status, change,
           (occurred_at AT TIME ZONE %(tz)s)::date
    FROM billing.records
    WHERE provider_id = %(provider_id)s AND live
      AND occurred_at >= %(start)s AND occurred_at < %(end)s
"""


async def live_records(
    conn: AsyncConnection, provider: ProviderTerms, month: str
) -> tuple[LiveRecord, ...]:
    """The provider's live records of the month, each with its local day.

    Read through the driver's own cursor: a large provider's month is tens of
    thousands of rows, and building SQLAlchemy rows for each took most of the time
    (see benchmarks/billing_month.md). Same connection, same transaction.
    """
    raw = (await conn.get_raw_connection()).driver_connection
    first, last = month_start(month), month_end(month)
    async with raw.cursor() as cursor:
        await cursor.execute(
            LIVE_RECORDS,
            {
                "tz": provider.timezone,
                "provider_id": provider.provider_id,
                "start": start_of_day(first, provider.timezone),
                "end": start_of_day(last + timedelta(days=1), provider.timezone),
            },
        )
        return tuple(map(LiveRecord._make, await cursor.fetchall()))


def authorization_period(state: dict[str, Any], status: str) -> AuthorizationPeriod:
    """The authorization as announced. Where the announcement carries them, its last day
    (an authorization ended early by its provider's termination or change of type,
    AUTH-3) and the child's age of each month (AUTH-4) are taken as announced."""
    schedule = state["schedule"]
    child = state["child"]
    end = date.fromisoformat(state["end_date"])
    last_day = state.get("last_day")
    if last_day is not None:
        end = min(end, date.fromisoformat(last_day))
    elif status == "ended":
        status = "cancelled"  # ended before it began: it covers no day
    return AuthorizationPeriod(
        authorization_id=state["authorization_id"],
        child_id=child["child_id"],
        case_id=state["case_id"],
        birth_date=date.fromisoformat(child["birth_date"]),
        start_date=date.fromisoformat(state["start_date"]),
        end_date=end,
        status=status,
        schedule=Schedule(
            kind=schedule["kind"],
            days=tuple(schedule.get("days") or ()),
            hours_per_week=_decimal(schedule.get("hours_per_week")),
            max_days_per_month=schedule.get("max_days_per_month"),
            max_hours_per_month=_decimal(schedule.get("max_hours_per_month")),
        ),
        care_level=state["care_level"],
        first_name=child.get("first_name", ""),
        last_name=child.get("last_name", ""),
        protective_services=bool(state.get("protective_services")),
        announced_ages=tuple(
            (m["month"], int(m["age_months"]))
            for m in state.get("months") or ()
            if isinstance(m, dict) and "month" in m and "age_months" in m
        ),
    )


def _decimal(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def load_submissions(
    conn: AsyncConnection, provider_id: str, month: str
) -> dict[str, Submission]:
    rows = await conn.execute(
        select(submissions).where(
            submissions.c.provider_id == provider_id, submissions.c.month == month
        )
    )
    return {
        r.child_id: Submission(
            child_id=r.child_id,
            submitted_at=r.submitted_at,
            lines=tuple(line_from_json(line) for line in r.lines),
            supplemental=tuple(supplemental_from_json(s) for s in r.supplemental),
            invoice=r.invoice,
        )
        for r in rows
    }


async def load_later_supplementals(conn: AsyncConnection, provider_id: str, month: str) -> list:
    """Supplemental entries recorded after submission (BILL-2), oldest first."""
    rows = await conn.execute(
        select(supplementals)
        .where(
            supplementals.c.provider_id == provider_id,
            supplementals.c.month == month,
            ~supplementals.c.source.startswith("submission:"),
        )
        .order_by(supplementals.c.id)
    )
    return [
        supplemental_from_json(
            {
                "child_id": r.child_id,
                "authorization_id": r.authorization_id,
                "code": r.code,
                "days": r.days,
                "reason": r.reason,
            }
        )
        for r in rows
    ]


async def load_attestations(
    conn: AsyncConnection, provider_id: str, month: str
) -> list[Attestation]:
    rows = await conn.execute(
        select(attestations)
        .where(attestations.c.provider_id == provider_id, attestations.c.month == month)
        .order_by(attestations.c.attested_at)
    )
    return [Attestation(r.child_id, r.by_role, r.by, r.attested_at) for r in rows]
