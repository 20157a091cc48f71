"""Who can be told: adults and providers as notify knows them, and how to reach them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

LANGUAGES: tuple[str, ...] = ("en", "es")
"""Languages every message is written in (NOT-1); the first is the fallback."""


class Channel(StrEnum):
    """How a message travels; both sit behind the same delivery interface (NOT-3)."""

    email = "email"
    sms = "sms"


@dataclass(frozen=True)
class Address:
    channel: Channel
    to: str
    name: str | None = None
    """The display name written beside an e-mail address."""


@dataclass(frozen=True)
class AdultContact:
    """An adult on a case (`eligibility.case`)."""

    person_id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    language: str
    role: str = "parent"


@dataclass(frozen=True)
class StaffContact:
    first_name: str
    last_name: str
    email: str | None
    role: str


@dataclass(frozen=True)
class ProviderContact:
    """A provider (`authorization.provider_changed`)."""

    provider_id: str
    name: str
    program: str
    timezone: str
    email: str | None
    staff: tuple[StaffContact, ...] = ()


STAFF_TO_TELL: tuple[str, ...] = ("admin", "director", "owner", "assistant_director")
"""Whom to write to at a provider with no e-mail of its own, first match wins:
the administrator submits attendance (ID-7), then the facility's leaders."""


def adult_address(
    first_name: str, last_name: str, email: str | None, phone: str | None
) -> Address | None:
    """E-mail when the adult has one; a text message to a phone otherwise; else none."""
    if email:
        return Address(Channel.email, email, f"{first_name} {last_name}".strip())
    if phone:
        return Address(Channel.sms, phone)
    return None


def provider_address(provider: ProviderContact) -> Address | None:
    """The provider's own e-mail, or its most senior staff member who has one."""
    if provider.email:
        return Address(Channel.email, provider.email, provider.name)
    for role in STAFF_TO_TELL:
        for member in provider.staff:
            if member.role == role and member.email:
                name = f"{member.first_name} {member.last_name}"
                return Address(Channel.email, member.email, name)
    return None


def choose_language(preferred: str | None, offered: Sequence[str] = LANGUAGES) -> str:
    """The adult's language when it is offered, else the first one offered (NOT-1)."""
    usable = [lang for lang in offered if lang in LANGUAGES] or list(LANGUAGES)
    return preferred if preferred in usable else usable[0]


def parents_to_tell(adults: Sequence[AdultContact]) -> tuple[AdultContact, ...]:
    """The parents of a case; every adult on it when none is marked parent.

    Approving pending records and hearing about absences is the parent's duty
    (ATT-2, ATT-8); a case listing only other caretakers still has someone told.
    """
    parents = tuple(a for a in adults if a.role == "parent")
    return parents or tuple(adults)
