"""Setting a PIN with a SET PIN link, new links on demand, and reminders (ID-1..ID-3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.events import PinSet
from shared.contract.identity import IssueLinkRequest, PinResetRequest
from shared.contract.replies import RequestRefused
from shared.contract.requests import PinSetRequest, RemindLinksRequest
from shared.service import ServiceRuntime

from ..domain.links import after_in_use_refusal, check_link, reminder_due
from ..domain.pins import check_new_pin
from ..domain.policy import packs_for, pin_length
from ..hasher import Hasher
from ..links import issue_link
from ..store import adults, journal
from ..store import links as stored_links

REMINDER_EVERY = timedelta(minutes=10)
"""How often the schedule looks for expired links (ID-3)."""


def _pin_in_use() -> RequestRefused:
    # ID-2: never says who holds it
    return RequestRefused(ErrorCode.pin_in_use, "This PIN cannot be used; choose another one.")


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    @rt.serve(subjects.PIN_SET, PinSetRequest)
    async def set_pin(request: PinSetRequest, _subject: str) -> dict[str, Any]:
        """Set or change a PIN with a SET PIN link (ID-1, ID-2, ID-3)."""
        now = rt.clock.now()
        pin = request.pin.get_secret_value()
        token_hash = hasher.link(request.link_token)
        refusal: RequestRefused | None = None
        async with rt.transaction() as tx:
            link = check_link(await stored_links.by_token(tx.conn, token_hash), now)
            length = pin_length(packs_for(await adults.programs_of(tx.conn, link.person_id)))
            check_new_pin(pin, request.pin_confirm.get_secret_value(), length)
            pin_hash = hasher.pin(pin)
            holder = await adults.pin_holder(tx.conn, pin_hash)
            if holder not in (None, link.person_id) or not await adults.set_pin(
                tx.conn, link.person_id, pin_hash, now
            ):
                counted = after_in_use_refusal(link, now)
                await stored_links.save_refusals(tx.conn, token_hash, counted)
                refusal = _pin_in_use()
            else:
                await stored_links.use(tx.conn, token_hash, link.person_id, now)
                await tx.emit(PinSet(occurred_at=now, person_id=link.person_id))
                await journal.record(
                    tx.conn,
                    at=now,
                    actor=link.person_id,
                    action="pin_set",
                    subject=link.person_id,
                )
        if refusal is not None:  # raised after the commit: the refusal is counted
            raise refusal
        return {"ok": True}

    async def new_link(person_id: str, actor: str) -> dict[str, Any]:
        now = rt.clock.now()
        async with rt.transaction() as tx:
            await journal.lock(tx.conn, f"adult:{person_id}")
            contact = await adults.contact(tx.conn, person_id)
            if contact is None:
                raise RequestRefused(ErrorCode.not_found, "No such adult.")
            expires_at = await issue_link(
                tx, hasher, contact, issued_at=now, reminder=False, issued_by=actor
            )
        return {"ok": True, "expires_at": expires_at.isoformat()}

    @rt.serve(PinResetRequest.subject, PinResetRequest)
    async def reset_pin(request: PinResetRequest, subject: str) -> dict[str, Any]:
        """An adult asks for a new SET PIN link to change or recover their PIN (ID-1, ID-3)."""
        person_id = subjects.scope_of(subject)
        return await new_link(person_id, person_id)

    @rt.serve(IssueLinkRequest.subject, IssueLinkRequest)
    async def issue(request: IssueLinkRequest, _subject: str) -> dict[str, Any]:
        """Support sends an adult a new SET PIN link (ID-3)."""
        return await new_link(request.person_id, request.operator_id or journal.SCHEDULE)

    async def remind(as_of: datetime, actor: str) -> int:
        """Reminders with a new link for adults whose link expired unused (ID-3)."""
        reminded = 0
        async with rt.transaction() as tx:
            await journal.lock(tx.conn, "identity:remind_links")
            for candidate in await stored_links.reminder_candidates(tx.conn):
                if not reminder_due(
                    candidate.latest,
                    pin_set=False,
                    reminders_sent=candidate.reminders_sent,
                    as_of=as_of,
                ):
                    continue
                contact = await adults.contact(tx.conn, candidate.person_id)
                assert contact is not None
                await issue_link(
                    tx, hasher, contact, issued_at=as_of, reminder=True, issued_by=actor
                )
                reminded += 1
        if reminded:
            rt.log.info("SET PIN reminders sent", extra={"reminded": reminded})
        return reminded

    @rt.serve(subjects.OPS_REMIND_LINKS, RemindLinksRequest)
    async def remind_links(request: RemindLinksRequest, _subject: str) -> dict[str, Any]:
        """`ops.identity.remind_links {as_of}`: the reminder job for a given time (ID-3)."""
        reminded = await remind(request.as_of, request.operator_id or journal.SCHEDULE)
        return {"ok": True, "reminded": reminded}

    @rt.periodic("remind_links", every=REMINDER_EVERY)
    async def remind_on_schedule(now: datetime) -> None:
        await remind(now, journal.SCHEDULE)
