"""PIN shape (ID-1) over the whole 8-digit space: every accepted PIN obeys the rule,
and each refused one carries the code of the first rule it breaks."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from services.identity.domain.pins import check_new_pin, new_pin_problem, pin_problem
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import all_packs

LENGTH = 8
eight_digits = st.integers(0, 10**LENGTH - 1).map(lambda n: f"{n:08d}")


def expected_problem(pin: str) -> ErrorCode | None:
    """ID-1 read literally, written independently of the code under test."""
    if len(pin) != LENGTH or any(ch not in "0123456789" for ch in pin):
        return ErrorCode.pin_not_8_digits
    if pin.startswith("0"):
        return ErrorCode.pin_leading_zero
    if pin == pin[0] * LENGTH:
        return ErrorCode.pin_repeated_digit
    ascending = "0123456789"
    if pin in ascending or pin in ascending[::-1]:
        return ErrorCode.pin_sequential
    if pin[:4] == pin[4:]:
        return ErrorCode.pin_repeated_block
    return None


def test_every_pack_asks_for_eight_digits() -> None:  # ID-1: one PIN shape everywhere
    assert {pack.identity.pin_length for pack in all_packs().values()} == {LENGTH}


@given(eight_digits)
@example("12345678")
@example("87654321")
@example("11111111")
@example("12341234")
@example("01234567")
@example("48151623")
def test_any_eight_digits_get_the_code_of_the_first_rule_broken(pin: str) -> None:  # ID-1
    assert pin_problem(pin, LENGTH) == expected_problem(pin)


@given(
    st.from_regex(r"[1-9][0-9]{7}", fullmatch=True).filter(
        lambda p: pin_problem(p, LENGTH) is None
    )
)
def test_every_accepted_pin_obeys_id_1(pin: str) -> None:  # ID-1
    assert len(pin) == 8 and pin.isdigit()
    assert pin[0] != "0"
    assert len(set(pin)) > 1
    assert not all(int(b) - int(a) == 1 for a, b in zip(pin, pin[1:], strict=False))  # noqa: RUF007
    assert not all(int(a) - int(b) == 1 for a, b in zip(pin, pin[1:], strict=False))  # noqa: RUF007
    assert pin[:4] != pin[4:]


@given(st.text(max_size=12).filter(lambda t: not (len(t) == 8 and t.isascii() and t.isdigit())))
@example("1234567")
@example("123456789")
@example("1234 678")
@example("١٢٣٤٥٦٧٨")  # Arabic-Indic digits are digits, but not 0-9
def test_anything_but_eight_ascii_digits_is_not_8_digits(typed: str) -> None:  # ID-1
    assert pin_problem(typed, LENGTH) == ErrorCode.pin_not_8_digits


@given(st.integers(0, 10**7 - 1))
def test_a_leading_zero_is_refused(rest: int) -> None:  # ID-1
    assert pin_problem(f"0{rest:07d}", LENGTH) == ErrorCode.pin_leading_zero


@pytest.mark.parametrize("digit", "123456789")
def test_one_digit_repeated_is_refused(digit: str) -> None:  # ID-1: 1111-1111
    assert pin_problem(digit * 8, LENGTH) == ErrorCode.pin_repeated_digit


@pytest.mark.parametrize("pin", ["12345678", "23456789", "87654321", "98765432", "76543210"])
def test_every_straight_run_is_refused(pin: str) -> None:  # ID-1: 1234-5678, 8765-4321
    assert pin_problem(pin, LENGTH) == ErrorCode.pin_sequential


def test_runs_that_wrap_or_turn_are_not_straight() -> None:  # ID-1
    for pin in ("89012345", "12345676", "13579246", "21234567"):
        assert pin_problem(pin, LENGTH) is None, pin


def test_every_repeated_block_is_refused() -> None:  # ID-1: 1234-1234, all 9,000 of them
    for block in range(1000, 10000):
        pin = f"{block}{block}"
        wanted = (
            ErrorCode.pin_repeated_digit if len(set(pin)) == 1 else ErrorCode.pin_repeated_block
        )
        assert pin_problem(pin, LENGTH) == wanted, pin


@given(eight_digits, eight_digits)
def test_two_entries_must_match(pin: str, confirm: str) -> None:  # ID-1: entered twice
    problem = new_pin_problem(pin, confirm, LENGTH)
    if pin_problem(pin, LENGTH) is not None:
        assert problem == pin_problem(pin, LENGTH)  # the shape first: it must change anyway
    elif pin != confirm:
        assert problem == ErrorCode.pin_mismatch
    else:
        assert problem is None


@given(eight_digits)
def test_a_refusal_never_repeats_the_pin(pin: str) -> None:  # ID-2, architecture rule 6
    try:
        check_new_pin(pin, pin[::-1], LENGTH)
    except RequestRefused as refusal:
        assert pin not in refusal.message and pin[::-1] not in refusal.message
        assert pin not in str(refusal)
