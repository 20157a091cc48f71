"""Submitting a provider's month: once per child, refused with the reason where
attendance has errors or awaits the parent (BILL-1, BILL-2, ATT-4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.attendance.domain.days import local_day
from shared.contract.events import MonthSubmitted, SupplementalBillRequired
from shared.contract.requests import MonthSubmitRequest, SubmitRefusal, SubmitReply
from shared.policy import load_pack
from shared.service import Transaction

from . import ledger
from .books import load_month
from .claiming import known_provider
from .domain.claims.compute import compute_claim
from .domain.claims.lines import Supplemental
from .domain.submission import check_submission_window, children_to_submit, review_children
from .heap import without_cycle_collection


async def submit_month(
    tx: Transaction, provider_id: str, request: MonthSubmitRequest, now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The answer to a submission and the children submitted by it.

    A resent request (same `event_id`) gets the first answer and changes nothing.
    """
    event_id = str(request.event_id)
    await ledger.lock_month(tx.conn, provider_id, request.month)
    earlier = await ledger.earlier_answer(tx.conn, event_id)
    if earlier is not None:
        return earlier, []
    provider = await known_provider(tx.conn, provider_id)
    pack = load_pack(provider.program)
    today = local_day(now, provider.timezone)
    check_submission_window(request.month, today, pack)
    invoices = {i.child_id: Decimal(str(i.amount)) for i in request.invoices}
    with without_cycle_collection():
        facts = replace(await load_month(tx.conn, provider, request.month), invoices=invoices)
        result = compute_claim(facts, pack, today)
    done = await ledger.submitted_children(tx.conn, provider_id, request.month)
    accepted, refused = review_children(children_to_submit(result, result.days), result.days, done)
    for child_id in accepted:
        supplemental = [s for s in result.supplemental if s.child_id == child_id]
        await ledger.record_submission(
            tx.conn,
            provider_id=provider_id,
            month=request.month,
            child_id=child_id,
            submitted_at=now,
            request_event_id=event_id,
            operator_id=request.operator_id,
            invoice=invoices.get(child_id),
            lines=[line for line in result.lines if line.child_id == child_id],
            supplemental=supplemental,
        )
        for entry in supplemental:
            await note_supplemental(
                tx, provider_id, request.month, entry, f"submission:{event_id}", now
            )
    if accepted:
        await tx.emit(
            MonthSubmitted(
                occurred_at=now, provider_id=provider_id, month=request.month, child_ids=accepted
            )
        )
    reply = SubmitReply(
        submitted=accepted,
        refused=[
            SubmitRefusal(child_id=r.child_id, code=r.code, days=list(r.days)) for r in refused
        ],
    ).model_dump(mode="json")
    await ledger.keep_answer(
        tx.conn, event_id, provider_id, request.month, request.operator_id, reply
    )
    return reply, accepted


async def note_supplemental(
    tx: Transaction, provider_id: str, month: str, entry: Supplemental, source: str, now: datetime
) -> None:
    """Keep the entry; the first time for its child, authorization and code, tell the
    provider with `SupplementalBillRequired` (NOT-2)."""
    if await ledger.record_supplemental(tx.conn, provider_id, month, entry, source):
        await tx.emit(
            SupplementalBillRequired(
                occurred_at=now,
                provider_id=provider_id,
                month=month,
                child_id=entry.child_id,
                authorization_id=entry.authorization_id,
                code=str(entry.code),
            )
        )
