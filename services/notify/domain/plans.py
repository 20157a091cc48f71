"""What deciding a message produces: drafts to write, or a wait for a contact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.notify.domain.contacts import Address, AdultContact, ProviderContact
from services.notify.domain.kinds import SECRET_KINDS, MessageKind


class RecipientType(StrEnum):
    person = "person"
    provider = "provider"


@dataclass(frozen=True)
class Recipient:
    """Who a message is for: an adult (`person_id`) or a provider (`provider_id`)."""

    type: RecipientType
    id: str


@dataclass(frozen=True)
class Draft:
    """One message decided: its kind, who gets it, how, and the facts it states.

    `address` is None when the recipient has no e-mail and no phone: the message
    is kept, undeliverable, until the contact gains one (NOT-3).
    """

    kind: MessageKind
    recipient: Recipient
    address: Address | None
    language: str
    timezone: str
    facts: Mapping[str, Any]

    @property
    def secret(self) -> bool:
        return self.kind in SECRET_KINDS


class WaitingFor(StrEnum):
    case = "case"
    provider = "provider"
    person = "person"


@dataclass(frozen=True)
class Held:
    """The recipients are not known yet: keep the cause until this contact arrives."""

    waiting_for: WaitingFor
    id: str


Plan = tuple[Draft, ...] | Held


@dataclass(frozen=True)
class Needs:
    """What the handler must look up before deciding."""

    case_id: str | None = None
    provider_id: str | None = None
    person_id: str | None = None
    child_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChildName:
    first_name: str
    last_name: str

    @property
    def full(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Directory:
    """What notify's read model knows about the people an event concerns.

    `case_adults` is None when the case has not arrived yet; `timezone` is the
    best zone known for the audience (the provider's, else one of the case's or
    the adult's providers').
    """

    case_adults: tuple[AdultContact, ...] | None = None
    provider: ProviderContact | None = None
    adult: AdultContact | None = None
    children: Mapping[str, ChildName] = field(default_factory=dict)
    timezone: str | None = None


@dataclass(frozen=True)
class Site:
    """Where the system is reached, and the zone used when no provider's is known."""

    public_url: str
    default_timezone: str = "UTC"
