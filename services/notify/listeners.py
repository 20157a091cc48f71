"""Consumers: contacts kept from the events that carry them, and the causing events
whose messages are decided in the same transaction (NOT-2, NOT-3)."""

from __future__ import annotations

from services.notify import directory, messages
from services.notify.decide import Decider
from services.notify.domain.contacts import adult_address, provider_address
from services.notify.domain.planners import PLANNERS
from services.notify.domain.plans import RecipientType, WaitingFor
from shared.contract import subjects
from shared.contract.base import Event
from shared.contract.eligibility import CaseRecord
from shared.contract.events import AuthorizationChanged, ProviderChanged
from shared.service import ServiceRuntime, Transaction


def register_contacts(rt: ServiceRuntime, decider: Decider) -> None:
    @rt.consume(subjects.ELIGIBILITY_CASE, CaseRecord)
    async def on_case(record: CaseRecord, tx: Transaction) -> None:
        """A case's adults: who to tell about its children, and how (NOT-1, NOT-2).
        Messages kept for them go out now (NOT-3)."""
        if not await directory.apply_case(tx.conn, record):
            return
        now = rt.clock.now()
        for adult in record.adults:
            address = adult_address(adult.first_name, adult.last_name, adult.email, adult.phone)
            if address is not None:
                await messages.readdress(
                    tx.conn, RecipientType.person, adult.person_id, address, now
                )
            await decider.resolve(tx.conn, WaitingFor.person, adult.person_id, now)
        await decider.resolve(tx.conn, WaitingFor.case, record.case_id, now)

    @rt.consume(subjects.PROVIDER_CHANGED, ProviderChanged)
    async def on_provider(event: ProviderChanged, tx: Transaction) -> None:
        """A provider's name, zone, program and addresses (NOT-2); messages kept for
        it go out now (NOT-3)."""
        if not await directory.apply_provider(tx.conn, event):
            return
        now = rt.clock.now()
        known = await directory.provider(tx.conn, event.provider_id)
        address = provider_address(known) if known else None
        if address is not None:
            await messages.readdress(
                tx.conn, RecipientType.provider, event.provider_id, address, now
            )
        await decider.resolve(tx.conn, WaitingFor.provider, event.provider_id, now)

    @rt.consume(subjects.AUTHORIZATION_CHANGED, AuthorizationChanged)
    async def on_authorization(event: AuthorizationChanged, tx: Transaction) -> None:
        """A child's name and the provider caring for the case, for the words of messages."""
        await directory.apply_authorization(tx.conn, event)


def register_causes(rt: ServiceRuntime, decider: Decider) -> None:
    """One durable consumer per causing event; the inbox makes each decided once."""
    for event_type in PLANNERS:
        _consume_cause(rt, decider, event_type)


def _consume_cause(rt: ServiceRuntime, decider: Decider, event_type: type[Event]) -> None:
    async def on_cause(event: Event, tx: Transaction) -> None:
        await decider.decide(tx.conn, event, rt.clock.now())

    on_cause.__doc__ = f"The messages `{event_type.subject}` calls for (NOT-2)."
    rt.consume(event_type.subject, event_type)(on_cause)
