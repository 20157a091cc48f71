"""Reading a provider's month from billing's tables into the domain's plain values."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psycopg.rows import dict_row, tuple_row
from sqlalchemy.ext.asyncio import AsyncConnection

from services.attendance.domain.days import start_of_day

from .domain.calendar import month_end, month_start
from .domain.claims.lines import Supplemental
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


async def load_provider(conn: AsyncConnection, provider_id: str) -> ProviderTerms | None:
    rows = await fetch(conn, PROVIDER, {"provider_id": provider_id}, as_dicts=True)
    return provider_terms(rows[0]) if rows else None


PROVIDER = """
    SELECT provider_id, name, program, type, status, timezone, min_months, max_months,
           rates, paid_holidays
    FROM billing.providers WHERE provider_id = %(provider_id)s
"""


async def fetch(
    conn: AsyncConnection, sql: str, params: dict[str, Any], *, as_dicts: bool = False
) -> list[Any]:
    """Rows through the driver's own cursor, on the same connection and transaction.

    A month close or a claim reads each provider's month with a handful of small
    queries; SQLAlchemy's execution path cost several times the query itself
    (about 300 µs against 70 µs each, see benchmarks/billing_results.md).
    """
    raw = (await conn.get_raw_connection()).driver_connection
    async with raw.cursor(row_factory=dict_row if as_dicts else tuple_row) as cursor:  # type: ignore[arg-type]
        await cursor.execute(sql, params)
        return await cursor.fetchall()


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


AUTHORIZATIONS = """
    SELECT state, status FROM billing.authorizations
    WHERE provider_id = %(provider_id)s AND start_date <= %(last)s AND end_date >= %(first)s
"""

ABSENCES = """
    SELECT child_id, case_id, authorization_id, day, kind, reason, counts_as_absence
    FROM billing.absences
    WHERE provider_id = %(provider_id)s AND day >= %(first)s AND day <= %(last)s
"""


async def load_month(conn: AsyncConnection, provider: ProviderTerms, month: str) -> MonthFacts:
    """The provider's authorizations, live records and absences of `month`."""
    span = {
        "provider_id": provider.provider_id,
        "first": month_start(month),
        "last": month_end(month),
    }
    return MonthFacts(
        month=month,
        provider=provider,
        authorizations=tuple(
            authorization_period(state, status)
            for state, status in await fetch(conn, AUTHORIZATIONS, span)
        ),
        records=await live_records(conn, provider, month),
        absences=tuple(Absence(*row) for row in await fetch(conn, ABSENCES, span)),
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
    (see benchmarks/billing_results.md). Same connection, same transaction.
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


SUBMISSIONS = """
    SELECT child_id, submitted_at, lines, supplemental, invoice FROM billing.submissions
    WHERE provider_id = %(provider_id)s AND month = %(month)s
"""

LATER_SUPPLEMENTALS = """
    SELECT child_id, authorization_id, code, days, reason FROM billing.supplementals
    WHERE provider_id = %(provider_id)s AND month = %(month)s
      AND source NOT LIKE 'submission:%%'
    ORDER BY id
"""

ATTESTATIONS = """
    SELECT child_id, by_role, "by", attested_at FROM billing.attestations
    WHERE provider_id = %(provider_id)s AND month = %(month)s
    ORDER BY attested_at
"""


async def load_submissions(
    conn: AsyncConnection, provider_id: str, month: str
) -> dict[str, Submission]:
    rows = await fetch(conn, SUBMISSIONS, {"provider_id": provider_id, "month": month})
    return {
        child_id: Submission(
            child_id=child_id,
            submitted_at=submitted_at,
            lines=tuple(line_from_json(line) for line in lines),
            supplemental=tuple(supplemental_from_json(s) for s in supplemental),
            invoice=invoice,
        )
        for child_id, submitted_at, lines, supplemental, invoice in rows
    }


async def load_later_supplementals(
    conn: AsyncConnection, provider_id: str, month: str
) -> list[Supplemental]:
    """Supplemental entries recorded after submission (BILL-2), oldest first."""
    rows = await fetch(
        conn, LATER_SUPPLEMENTALS, {"provider_id": provider_id, "month": month}, as_dicts=True
    )
    return [supplemental_from_json(row) for row in rows]


async def load_attestations(
    conn: AsyncConnection, provider_id: str, month: str
) -> list[Attestation]:
    rows = await fetch(conn, ATTESTATIONS, {"provider_id": provider_id, "month": month})
    return [Attestation(*row) for row in rows]
