"""What arrives after a child's month was submitted goes on a supplemental bill
(BILL-2): a new, split or changed authorization, an approved or corrected record,
any later attendance or absence for a submitted month."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from services.attendance.domain.days import local_day
from shared.contract.events import AuthorizationChanged, SupplementalReason
from shared.service import Transaction

from . import ledger
from .domain.calendar import month_of
from .domain.claims.lines import Supplemental
from .domain.later_changes import affects_billing, days_of_period_in, months_of_change
from .readmodel import provider_timezone
from .store import authorizations
from .submitting import note_supplemental


async def after_authorization_change(
    tx: Transaction, event: AuthorizationChanged, before: dict[str, Any] | None
) -> None:
    """A new or changed authorization touching a submitted month (BILL-2, AUTH-2)."""
    if not affects_billing(event.changes if before is not None else []):
        return
    old = (
        (date.fromisoformat(before["start_date"]), date.fromisoformat(before["end_date"]))
        if before is not None
        else None
    )
    months = months_of_change(old, (event.start_date, event.end_date))
    providers = {event.provider_id} | ({before["provider_id"]} if before else set())
    what = ", ".join(event.changes) if before is not None else "new authorization"
    for provider_id in sorted(providers):
        for month in months:
            await ledger.lock_month(tx.conn, provider_id, month)
        for month in await ledger.submitted_months(
            tx.conn, provider_id, event.child.child_id, months
        ):
            start, end = (
                old if event.status == "cancelled" and old else (event.start_date, event.end_date)
            )
            entry = Supplemental(
                event.child.child_id,
                event.authorization_id,
                SupplementalReason.already_submitted,
                days_of_period_in(month, start, end),
                f"authorization {event.authorization_id} version {event.version} "
                f"({what}) after the month was submitted",
            )
            await note_supplemental(
                tx, provider_id, month, entry, str(event.event_id), event.occurred_at
            )


async def after_attendance(
    tx: Transaction,
    *,
    provider_id: str,
    child_id: str,
    case_id: str,
    moment: datetime | None,
    day: date | None,
    authorization_id: str | None,
    what: str,
    source: str,
    now: datetime,
) -> None:
    """Attendance or an absence for a day whose month was already submitted (BILL-2)."""
    if day is None:
        tz = await provider_timezone(tx.conn, provider_id)
        if tz is None or moment is None:
            return
        day = local_day(moment, tz)
    month = month_of(day)
    await ledger.lock_month(tx.conn, provider_id, month)
    if not await ledger.submitted_months(tx.conn, provider_id, child_id, [month]):
        return
    chosen = authorization_id or await _covering(tx, provider_id, child_id, case_id, day)
    entry = Supplemental(
        child_id,
        chosen,
        SupplementalReason.already_submitted,
        (day,),
        f"{what} after the month was submitted",
    )
    await note_supplemental(tx, provider_id, month, entry, source, now)


async def _covering(
    tx: Transaction, provider_id: str, child_id: str, case_id: str, day: date
) -> str:
    rows = await tx.conn.execute(
        select(authorizations.c.authorization_id, authorizations.c.case_id)
        .where(
            authorizations.c.provider_id == provider_id,
            authorizations.c.child_id == child_id,
            authorizations.c.start_date <= day,
            authorizations.c.end_date >= day,
            authorizations.c.status != "cancelled",
        )
        .order_by(authorizations.c.start_date)
    )
    found = [(r.authorization_id, r.case_id) for r in rows]
    same_case = [a for a, c in found if c == case_id]
    return (same_case or [a for a, _ in found] or ["unknown"])[0]
