"""Fresh secrets: SET PIN link tokens, registration codes, card numbers.

The only module that draws random values; each leaves it once, to the person
(through notify or a reply), and is stored only as a keyed hash.
"""

from __future__ import annotations

import secrets

from .domain.cards import new_card_number

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I: a code is read from an email and typed by hand."""
CODE_LENGTH = 10
LINK_TOKEN_BYTES = 32


def link_token() -> str:
    """A SET PIN link token: 256 random bits, URL-safe (ID-3)."""
    return secrets.token_urlsafe(LINK_TOKEN_BYTES)


def registration_code() -> str:
    """A one-time verification code for a provider administrator (ID-8): 50 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _random_digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def card_number() -> str:
    """A replacement or secondary cardholder's card number (ID-9)."""
    return new_card_number(_random_digits)
