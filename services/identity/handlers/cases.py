"""Adults from `eligibility.case` (ID-3, ID-4): each adult once, whatever cases they
are on; the first time an adult appears they get a SET PIN link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.contract.eligibility import Adult, CaseRecord
from shared.service import ServiceRuntime, Transaction

from ..domain.cards import last_four
from ..domain.phones import national_phone
from ..domain.versions import is_newer
from ..hasher import Hasher
from ..links import issue_link
from ..store import adults, cards, journal, readmodel

STATE = "state"
"""The actor of what the eligibility system pushed."""


def kept_state(record: CaseRecord) -> dict[str, Any]:
    """The case as kept in its history: a card number only by its last four digits
    (the card itself is kept as a keyed hash, ID-9)."""
    state = record.model_dump(mode="json", exclude={"event_id"})
    for person in state["adults"]:
        number = person.pop("card_number", None)
        if number:
            person["card_last4"] = last_four(number)
    return state


def _once(people: list[Adult]) -> list[Adult]:
    """A person listed twice on one case counts once (the last listing wins)."""
    return list({adult.person_id: adult for adult in people}.values())


async def accept_state_card(
    tx: Transaction, hasher: Hasher, person_id: str, card_number: str, at: datetime
) -> None:
    """The card the state issued becomes the adult's card, unless it was voided (a
    reported lost card never works again, ID-9) or belongs to someone else."""
    card_hash = hasher.card(card_number)
    known = await cards.by_hash(tx.conn, card_hash)
    if known is not None:
        return
    await cards.void_active(tx.conn, person_id, at, "replaced_by_state")
    await cards.add(
        tx.conn, card_hash, person_id=person_id, last4=last_four(card_number), source=STATE, at=at
    )


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    @rt.consume("eligibility.case", CaseRecord)
    async def on_case(record: CaseRecord, tx: Transaction) -> None:
        """A case pushed by the eligibility system: its adults, each kept once (ID-4)."""
        await journal.lock(tx.conn, f"case:{record.case_id}")
        newer = is_newer(await readmodel.case_version(tx.conn, record.case_id), record.version)
        await readmodel.keep_case_version(
            tx.conn,
            record.case_id,
            record.version,
            kept_state(record),
            applied=newer,
        )
        if not newer:
            return
        people = _once(record.adults)
        await readmodel.save_case(
            tx.conn, record.case_id, record.version, [(a.person_id, a.role) for a in people]
        )
        now = rt.clock.now()
        for adult in people:
            await journal.lock(tx.conn, f"adult:{adult.person_id}")
            created = await adults.save_from_case(
                tx.conn,
                person_id=adult.person_id,
                first_name=adult.first_name,
                last_name=adult.last_name,
                email=str(adult.email) if adult.email else None,
                phone=national_phone(adult.phone),
                birth_date=adult.birth_date,
                language=adult.language,
            )
            if adult.card_number:
                await accept_state_card(tx, hasher, adult.person_id, adult.card_number, now)
            if created:
                contact = await adults.contact(tx.conn, adult.person_id)
                assert contact is not None
                await issue_link(
                    tx, hasher, contact, issued_at=now, reminder=False, issued_by=STATE
                )
