"""Requests with an `event_id` are applied once: a resend gets the first answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime, Transaction

from ..store import journal

Apply = Callable[[Transaction], Awaitable[dict[str, Any]]]


def masked_card(reply: dict[str, Any]) -> dict[str, Any]:
    """The answer as kept for a resend: a card number is shown once, then masked."""
    number = reply.get("card_number")
    if not number:
        return reply
    return {**reply, "card_number": "X" * (len(number) - 4) + number[-4:]}


async def once(
    rt: ServiceRuntime,
    event_id: UUID,
    action: str,
    apply: Apply,
    kept: Callable[[dict[str, Any]], dict[str, Any]] = masked_card,
) -> dict[str, Any]:
    """Run `apply` in one transaction unless `event_id` was handled; a refusal rolls
    back the claim too, so a refused request may be corrected and sent again. The
    answer is kept as `kept` makes it (no card number in clear)."""
    async with rt.transaction() as tx:
        if not await journal.claim_request(tx.conn, str(event_id), action):
            earlier_action, earlier = await journal.earlier_reply(tx.conn, str(event_id))
            if earlier_action != action:
                raise RequestRefused(
                    ErrorCode.invalid_request, "This event_id was used for another request."
                )
            if earlier is not None:
                return earlier
        reply = await apply(tx)
        await journal.remember_reply(tx.conn, str(event_id), kept(reply))
    return reply
