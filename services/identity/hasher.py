"""The service's keyed hashes, with the pepper from settings (`CCATS_PIN_PEPPER`).

The pepper lives in this object only; it is never logged, shown or stored.
"""

from __future__ import annotations

from pydantic import SecretStr

from .domain.hashing import Purpose, keyed_hash


class Hasher:
    def __init__(self, pepper: SecretStr) -> None:
        self._pepper = pepper.get_secret_value().encode()
        if not self._pepper:
            raise ValueError("CCATS_PIN_PEPPER must not be empty")

    def __repr__(self) -> str:
        return "Hasher(pepper=**********)"

    def pin(self, pin: str) -> bytes:
        return keyed_hash(self._pepper, Purpose.pin, pin)

    def card(self, card_number: str) -> bytes:
        return keyed_hash(self._pepper, Purpose.card, card_number.strip())

    def link(self, token: str) -> bytes:
        return keyed_hash(self._pepper, Purpose.link, token)

    def registration_code(self, code: str) -> bytes:
        return keyed_hash(self._pepper, Purpose.registration_code, code.strip().upper())
