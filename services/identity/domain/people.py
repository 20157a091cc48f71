"""Recognising the same adult (ID-4: each adult once; ID-5: a delegate who already
has a PIN keeps it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def name_key(first_name: str, last_name: str) -> tuple[str, str]:
    """Names compared as people read them: case, outer and repeated spaces ignored."""
    return (" ".join(first_name.split()).casefold(), " ".join(last_name.split()).casefold())


def email_key(email: str | None) -> str | None:
    return email.strip().casefold() if email else None


@dataclass(frozen=True)
class Person:
    person_id: str
    first_name: str
    last_name: str
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None


def same_adult(
    known: Person,
    first_name: str,
    last_name: str,
    *,
    birth_date: date,
    email: str | None,
    phone: str | None,
) -> bool:
    """The same names and one more thing in common: the birth date, email or phone."""
    if name_key(known.first_name, known.last_name) != name_key(first_name, last_name):
        return False
    return (
        (known.birth_date is not None and known.birth_date == birth_date)
        or (email_key(email) is not None and email_key(known.email) == email_key(email))
        or (phone is not None and known.phone == phone)
    )


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday
