"""Attendance cards (texas, ID-9): a replacement gets a fresh number with a check digit."""

from __future__ import annotations

from collections.abc import Callable

CARD_DIGITS = 16


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body + digit` pass the Luhn check (as payment cards do)."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def new_card_number(random_digits: Callable[[int], str]) -> str:
    """A card number: random digits (never starting with 0) and a check digit, so a
    mistyped number is caught before it counts as a failed sign-in."""
    body = random_digits(CARD_DIGITS - 1)
    if body[0] == "0":
        body = "9" + body[1:]
    return body + luhn_check_digit(body)


def last_four(number: str) -> str:
    """What may be shown of a card: its last four characters."""
    return number[-4:]
