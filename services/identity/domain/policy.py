"""Which policy pack speaks for an adult or a child: their providers' programs.

An adult may have children at providers of several programs; the PIN works at
all of them (ID-4), so rules that concern the adult combine those packs. With no
provider known yet, every pack counts: the strictest reading wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from shared.policy import PolicyPack, all_packs, load_pack


def packs_for(programs: Iterable[str]) -> list[PolicyPack]:
    """The packs of these programs, or every pack when none is named."""
    names = sorted(set(programs))
    return [load_pack(name) for name in names] if names else list(all_packs().values())


def pin_length(packs: Iterable[PolicyPack]) -> int:
    """The one PIN length of these packs (ID-1); packs that disagree cannot share a PIN."""
    lengths = {pack.identity.pin_length for pack in packs}
    if len(lengths) != 1:
        raise ValueError(f"policy packs disagree on the PIN length: {sorted(lengths)}")
    return lengths.pop()


def link_lifetime(packs: Iterable[PolicyPack]) -> timedelta:
    """How long a SET PIN link works (ID-3): the shortest of these packs."""
    return timedelta(hours=min(pack.identity.pin_link_valid_hours for pack in packs))


def sponsor_phone_digits(packs: Iterable[PolicyPack]) -> int | None:
    """Digits of a sponsor's phone where a program signs in with phone and PIN (ID-6)."""
    digits = {
        pack.identity.sponsor_phone_digits
        for pack in packs
        if pack.identity.sponsor_phone_digits is not None
    }
    return max(digits) if digits else None


def uses_cards(packs: Iterable[PolicyPack]) -> bool:
    """Whether any of these programs signs in with a card and PIN (ID-9)."""
    return any(pack.identity.credential == "card_pin" for pack in packs)
