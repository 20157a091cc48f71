"""A lost card (texas, ID-9): the old card stops working at once, a new one is issued."""

from __future__ import annotations

from typing import Any

from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.events import CardReportedLost
from shared.contract.replies import RequestRefused
from shared.contract.requests import CardReportLostRequest
from shared.service import ServiceRuntime, Transaction

from .. import tokens
from ..domain.cards import last_four
from ..hasher import Hasher
from ..store import cards, journal
from .requests_once import once


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    async def replace(person_id: str, tx: Transaction) -> dict[str, Any]:
        now = rt.clock.now()
        await journal.lock(tx.conn, f"adult:{person_id}")
        if await cards.active_of(tx.conn, person_id) is None:
            raise RequestRefused(ErrorCode.card_not_issued, "You have no attendance card.")
        await cards.void_active(tx.conn, person_id, now, "reported_lost")
        number = tokens.card_number()
        await cards.add(
            tx.conn,
            hasher.card(number),
            person_id=person_id,
            last4=last_four(number),
            source="replacement",
            at=now,
        )
        await journal.record(
            tx.conn,
            at=now,
            actor=person_id,
            action="card_reported_lost",
            subject=person_id,
            details={"new_card_last4": last_four(number)},
        )
        await tx.emit(CardReportedLost(occurred_at=now, person_id=person_id))
        return {"ok": True, "card_number": number}

    @rt.serve(CardReportLostRequest.subject, CardReportLostRequest)
    async def report_lost(request: CardReportLostRequest, subject: str) -> dict[str, Any]:
        """`parent.<person_id>.card.report_lost` (ID-9): the lost card is void from now;
        the reply carries the replacement's number (shown once)."""
        person_id = subjects.scope_of(subject)
        return await once(
            rt, request.event_id, "card.report_lost", lambda tx: replace(person_id, tx)
        )
