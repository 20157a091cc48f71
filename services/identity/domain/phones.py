"""Phone numbers as a sponsor types them (ID-6): digits only, without the country code."""

from __future__ import annotations

NORTH_AMERICA = "1"


def national_phone(raw: str | None, digits: int = 10) -> str | None:
    """`+1 (602) 555-0100`, `16025550100` and `6025550100` are the same phone.

    Keeps the digits; drops a leading `1` when one digit too many. None stays None.
    """
    if raw is None:
        return None
    number = "".join(ch for ch in raw if ch.isascii() and ch.isdigit())
    if len(number) == digits + 1 and number.startswith(NORTH_AMERICA):
        number = number[1:]
    return number or None


def is_sponsor_phone(phone: str | None, digits: int) -> bool:
    """A phone that can identify a sponsor: exactly `digits` digits (ID-6)."""
    return phone is not None and len(phone) == digits and phone.isdigit()
