"""A parent adds or removes delegates / secondary cardholders for their children (ID-5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import DelegatesAddRequest, DelegatesRemoveRequest, NewDelegate
from shared.service import ServiceRuntime, Transaction

from .. import tokens
from ..domain.cards import last_four
from ..domain.delegates import Candidate, check_delegate, combined
from ..domain.people import Person, same_adult
from ..domain.phones import is_sponsor_phone, national_phone
from ..domain.policy import packs_for, sponsor_phone_digits, uses_cards
from ..domain.signin import local_day
from ..hasher import Hasher
from ..links import issue_link
from ..store import adults, cards, journal, readmodel
from ..store import delegates as stored
from .requests_once import once

DELEGATE_PREFIX = "DLG-"
"""Ids of adults created as delegates (the state's ids are its own)."""


def _not_your_child() -> RequestRefused:
    return RequestRefused(
        ErrorCode.not_your_child, "You can only add delegates for children on your own case."
    )


async def _known_adult(tx: Transaction, delegate: NewDelegate, phone: str | None) -> Person | None:
    """The adult already known as this delegate (ID-4: each adult once, one PIN)."""
    return next(
        (
            p
            for p in await adults.people_named(tx.conn, delegate.first_name, delegate.last_name)
            if same_adult(
                p,
                delegate.first_name,
                delegate.last_name,
                birth_date=delegate.birth_date,
                email=str(delegate.email) if delegate.email else None,
                phone=phone,
            )
        ),
        None,
    )


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    async def add(
        parent_id: str, request: DelegatesAddRequest, tx: Transaction, now: datetime
    ) -> dict[str, Any]:
        child_ids = request.child_ids
        places = await stored.children_of_parent(tx.conn, parent_id, child_ids)
        if any(child not in places for child in child_ids):
            raise _not_your_child()
        current_places = [p for ps in places.values() for p in ps if p.status == "active"]
        provider_ids = {p.provider_id for p in current_places} or {
            p.provider_id for ps in places.values() for p in ps
        }
        providers = await readmodel.provider_details(tx.conn, provider_ids)
        packs = packs_for(provider.program for provider, _, _ in providers.values())
        timezone = min((p.timezone for p, _, _ in providers.values()), default="UTC")
        delegate = request.delegate
        digits = sponsor_phone_digits(packs)
        phone = national_phone(delegate.phone, digits or 10)
        if digits is not None and not is_sponsor_phone(phone, digits):
            raise RequestRefused(
                ErrorCode.delegate_phone_required,
                f"A sponsor signs in with a {digits}-digit phone number; give theirs.",
            )
        known = await _known_adult(tx, delegate, phone)
        if known is not None and known.person_id == parent_id:
            raise RequestRefused(ErrorCode.invalid_request, "You cannot be your own delegate.")
        if digits is not None and phone is not None:
            same = {known.person_id} if known else set()
            others = await adults.phone_holders(tx.conn, phone) - same
            if others:
                raise RequestRefused(
                    ErrorCode.phone_in_use,
                    "This phone number already identifies another adult; each sponsor has "
                    "their own.",
                )
        parents = await stored.parents_of(tx.conn, child_ids)
        now_delegates = await stored.delegates_of(tx.conn, parent_id)
        check_delegate(
            Candidate(
                delegate.first_name,
                delegate.last_name,
                delegate.birth_date,
                str(delegate.email) if delegate.email else None,
            ),
            rules=combined(pack.identity.delegates for pack in packs),
            staff=[member for _, _, staff in providers.values() for member in staff],
            parent_of_the_children=known is not None
            and all(known.person_id in parents.get(c, set()) for c in child_ids),
            delegates_now=len(now_delegates),
            already_a_delegate=known is not None and known.person_id in now_delegates,
            today=local_day(now, timezone),
        )
        person_id = known.person_id if known else f"{DELEGATE_PREFIX}{uuid4().hex[:16]}"
        await journal.lock(tx.conn, f"adult:{person_id}")
        if known is None:
            await adults.create_delegate(
                tx.conn,
                person_id=person_id,
                first_name=delegate.first_name,
                last_name=delegate.last_name,
                email=str(delegate.email) if delegate.email else None,
                phone=phone,
                birth_date=delegate.birth_date,
                language=delegate.language,
            )
        granted = await stored.grant(tx.conn, parent_id, person_id, child_ids, now)
        card_number = None
        if uses_cards(packs) and await cards.active_of(tx.conn, person_id) is None:
            card_number = tokens.card_number()
            await cards.add(
                tx.conn,
                hasher.card(card_number),
                person_id=person_id,
                last4=last_four(card_number),
                source="secondary",
                at=now,
            )
        contact = await adults.contact(tx.conn, person_id)
        assert contact is not None
        if not contact.pin_set:
            await issue_link(
                tx, hasher, contact, issued_at=now, reminder=False, issued_by=parent_id
            )
        await journal.record(
            tx.conn,
            at=now,
            actor=parent_id,
            action="delegate_added",
            subject=person_id,
            details={"child_ids": granted, "card_issued": card_number is not None},
        )
        return {"ok": True, "person_id": person_id, "card_number": card_number}

    @rt.serve(DelegatesAddRequest.subject, DelegatesAddRequest)
    async def add_delegate(request: DelegatesAddRequest, subject: str) -> dict[str, Any]:
        """`parent.<person_id>.delegates.add` (ID-5): the delegate then sets their own PIN."""
        parent_id = subjects.scope_of(subject)
        now = rt.clock.now()
        return await once(
            rt, request.event_id, "delegates.add", lambda tx: add(parent_id, request, tx, now)
        )

    async def remove(parent_id: str, delegate_id: str, tx: Transaction) -> dict[str, Any]:
        now = rt.clock.now()
        if not await stored.revoke(tx.conn, parent_id, delegate_id, now):
            raise RequestRefused(ErrorCode.not_found, "This adult is not one of your delegates.")
        await journal.record(
            tx.conn, at=now, actor=parent_id, action="delegate_removed", subject=delegate_id
        )
        return {"ok": True}

    @rt.serve(DelegatesRemoveRequest.subject, DelegatesRemoveRequest)
    async def remove_delegate(request: DelegatesRemoveRequest, subject: str) -> dict[str, Any]:
        """`parent.<person_id>.delegates.remove` (ID-5): at once, for all their children."""
        parent_id = subjects.scope_of(subject)
        return await once(
            rt,
            request.event_id,
            "delegates.remove",
            lambda tx: remove(parent_id, request.person_id, tx),
        )
