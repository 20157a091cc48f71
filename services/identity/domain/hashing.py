"""Keyed hashes (ID-2, architecture rule 6): what identity stores instead of secrets.

`HMAC-SHA256(pepper, purpose:value)`: equal inputs give equal hashes, so a unique
column refuses a PIN already in use and finds its adult at a kiosk, while a
database dump without the pepper reveals nothing usable. The purpose keeps a
PIN's hash apart from a card's or a link's with the same characters.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum


class Purpose(StrEnum):
    pin = "pin"
    card = "card"
    link = "link"
    registration_code = "registration_code"


def keyed_hash(pepper: bytes, purpose: Purpose, value: str) -> bytes:
    """The 32-byte keyed hash of `value` for `purpose`."""
    if not pepper:
        raise ValueError("the PIN pepper must not be empty")
    return hmac.new(pepper, f"{purpose.value}:{value}".encode(), hashlib.sha256).digest()
