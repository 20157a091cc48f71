"""Who may sign which child where (ID-4), and what a kiosk's credential must match.

The same PIN works at every provider where the adult has a child with an active
authorization that day, and nowhere else; a PIN that exists but has no child
here is refused exactly like a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import Credential, PolicyPack

from .lockout import Device
from .phones import national_phone

SIGNABLE_PROVIDER_STATUSES = frozenset({"active", "hold"})
"""A provider on hold still records attendance (AUTH-3); a terminated one does not."""


@dataclass(frozen=True)
class Provider:
    provider_id: str
    program: str
    timezone: str
    status: str


@dataclass(frozen=True)
class Adult:
    """The adult a PIN belongs to, with the second factor their programs may ask for."""

    person_id: str
    first_name: str
    phone: str | None
    card_hash: bytes | None


@dataclass(frozen=True)
class Typed:
    """What was typed at the kiosk beside the PIN, the card already keyed-hashed."""

    phone: str | None
    card_hash: bytes | None


@dataclass(frozen=True)
class Presence:
    """The child's latest attendance mark at this provider (from attendance's events)."""

    direction: str
    occurred_at: datetime
    status: str


@dataclass(frozen=True)
class Route:
    """One authorization through which the adult may sign a child at this provider."""

    child_id: str
    first_name: str
    case_id: str
    start_date: date
    end_date: date
    presence: Presence | None = None


@dataclass(frozen=True)
class ChildHere:
    child_id: str
    first_name: str
    checked_in: bool
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class Signin:
    adult: Adult
    children: tuple[ChildHere, ...]


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day of `moment` at the provider (all dates are local)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def check_provider(provider: Provider | None) -> Provider:
    if provider is None or provider.status not in SIGNABLE_PROVIDER_STATUSES:
        raise RequestRefused(
            ErrorCode.provider_not_active, "This provider does not take attendance here now."
        )
    return provider


def check_device(device: Device, now: datetime) -> None:
    if device.locked_at(now):
        raise RequestRefused(
            ErrorCode.device_locked,
            "Too many wrong PINs on this device; it is locked for a while. Try again later.",
        )


def credential_matches(adult: Adult, typed: Typed, pack: PolicyPack) -> bool:
    """The second factor the provider's program asks for (ID-4, ID-6, ID-9)."""
    form = pack.identity.credential
    if form == Credential.phone_pin:
        digits = pack.identity.sponsor_phone_digits or 10
        wanted = national_phone(adult.phone, digits)
        return wanted is not None and national_phone(typed.phone, digits) == wanted
    if form == Credential.card_pin:
        return adult.card_hash is not None and typed.card_hash == adult.card_hash
    return True


def checked_in(presence: Presence | None, day: date, timezone: str) -> bool:
    """In care now: the latest mark here is a live check-in made that day."""
    return (
        presence is not None
        and presence.direction == "in"
        and presence.status in ("confirmed", "pending")
        and local_day(presence.occurred_at, timezone) == day
    )


def children_on(routes: list[Route], day: date, timezone: str) -> tuple[ChildHere, ...]:
    """The children the adult may sign on `day`, each once, with the cases that allow it."""
    by_child: dict[str, list[Route]] = {}
    for route in routes:
        if route.start_date <= day <= route.end_date:
            by_child.setdefault(route.child_id, []).append(route)
    children = [
        ChildHere(
            child_id,
            found[0].first_name,
            checked_in(found[0].presence, day, timezone),
            tuple(sorted({r.case_id for r in found})),
        )
        for child_id, found in by_child.items()
    ]
    return tuple(sorted(children, key=lambda c: (c.first_name, c.child_id)))


def decide(
    *,
    provider: Provider,
    pack: PolicyPack,
    adult: Adult | None,
    typed: Typed,
    routes: list[Route],
    day: date,
) -> Signin | None:
    """The sign-in, or None for `pin_invalid`: no such PIN, a second factor that does
    not match, or no child to sign here that day: the kiosk cannot tell which."""
    if adult is None or not credential_matches(adult, typed, pack):
        return None
    children = children_on(routes, day, provider.timezone)
    return Signin(adult, children) if children else None


def pin_invalid() -> RequestRefused:
    """The one answer for every failed credential (ID-4): it names nothing."""
    return RequestRefused(ErrorCode.pin_invalid, "This PIN is not valid here.")
