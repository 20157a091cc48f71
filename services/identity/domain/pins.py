"""PIN shape (ID-1): which rule a PIN breaks, in the order ID-1 states them."""

from __future__ import annotations

from itertools import pairwise

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused

_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.pin_not_8_digits: "A PIN is {length} digits, 0 to 9, and nothing else.",
    ErrorCode.pin_leading_zero: "A PIN must not begin with 0.",
    ErrorCode.pin_repeated_digit: "A PIN must not be one digit repeated, like 1111-1111.",
    ErrorCode.pin_sequential: "A PIN must not be a run of digits, like 1234-5678 or 8765-4321.",
    ErrorCode.pin_repeated_block: "A PIN must not repeat a block of digits, like 1234-1234.",
    ErrorCode.pin_mismatch: "The two PINs you typed are not the same; type the same PIN twice.",
}


def _straight_run(pin: str) -> bool:
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    return steps in ({1}, {-1})


def _repeated_block(pin: str) -> bool:
    half, odd = divmod(len(pin), 2)
    return not odd and pin[:half] == pin[half:]


def pin_problem(pin: str, length: int) -> ErrorCode | None:
    """The first rule of ID-1 that `pin` breaks, or None when it may be used.

    The order is ID-1's: length and digits, leading zero, one digit repeated,
    a straight run, a repeated block. A PIN that breaks several rules gets the
    first (1111-1111 is "one digit repeated", not "repeated block").
    """
    if len(pin) != length or not (pin.isascii() and pin.isdigit()):
        return ErrorCode.pin_not_8_digits
    if pin[0] == "0":
        return ErrorCode.pin_leading_zero
    if len(set(pin)) == 1:
        return ErrorCode.pin_repeated_digit
    if _straight_run(pin):
        return ErrorCode.pin_sequential
    if _repeated_block(pin):
        return ErrorCode.pin_repeated_block
    return None


def new_pin_problem(pin: str, confirm: str, length: int) -> ErrorCode | None:
    """What is wrong with a PIN typed twice: its shape first (the person must choose
    another anyway), then whether the two entries match."""
    return pin_problem(pin, length) or (ErrorCode.pin_mismatch if pin != confirm else None)


def check_new_pin(pin: str, confirm: str, length: int) -> None:
    """Refuse a new PIN with a reason the person can act on (ID-1); never echoes it."""
    problem = new_pin_problem(pin, confirm, length)
    if problem is not None:
        raise RequestRefused(problem, _MESSAGES[problem].format(length=length))
