"""Issuing a SET PIN link (ID-3): the one place a token is made, stored as a keyed
hash and announced to notify in `PinSetLinkIssued` (its only way out)."""

from __future__ import annotations

from datetime import datetime

from shared.contract.events import PinSetLinkIssued
from shared.service import Transaction

from . import tokens
from .domain.policy import link_lifetime, packs_for
from .hasher import Hasher
from .store import adults, journal
from .store import links as stored_links
from .store.adults import Contact


async def issue_link(
    tx: Transaction,
    hasher: Hasher,
    contact: Contact,
    *,
    issued_at: datetime,
    reminder: bool,
    issued_by: str,
) -> datetime:
    """A new link for the adult, valid for their programs' link lifetime; older unused
    links stop working. Returns when the new one expires."""
    packs = packs_for(await adults.programs_of(tx.conn, contact.person_id))
    expires_at = issued_at + link_lifetime(packs)
    token = tokens.link_token()
    await stored_links.add(
        tx.conn,
        hasher.link(token),
        person_id=contact.person_id,
        issued_at=issued_at,
        expires_at=expires_at,
        reminder=reminder,
        issued_by=issued_by,
    )
    await tx.emit(
        PinSetLinkIssued(
            occurred_at=issued_at,
            person_id=contact.person_id,
            link_token=token,
            expires_at=expires_at,
            reminder=reminder,
            first_name=contact.first_name,
            email=contact.email,
            phone=contact.phone,
            language=contact.language,  # type: ignore[arg-type]
        )
    )
    await journal.record(
        tx.conn,
        at=issued_at,
        actor=issued_by,
        action="pin_link_reminder" if reminder else "pin_link_issued",
        subject=contact.person_id,
        details={"expires_at": expires_at.isoformat()},
    )
    return expires_at
