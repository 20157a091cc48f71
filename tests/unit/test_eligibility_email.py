"""The eligibility records' email check answers as pydantic's `EmailStr` did
(AUTH-1: a record the state sends is accepted or refused the same way, and an
address is stored as `email_validator` normalizes it), at a fraction of its cost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic.networks import validate_email

from shared.contract.eligibility import Adult, email_address

LOCAL = st.text(alphabet="abcXYZ09.+_-!#'~ é", min_size=0, max_size=12)
LABEL = st.text(alphabet="abcXYZ09-_é", min_size=0, max_size=8)
TLD = st.sampled_from(["org", "ORG", "com", "example", "test", "local", "o", "o1", "1a", "io"])


def expected(value: str) -> str | None:
    """What `EmailStr` made of `value`, or `None` when it refused it."""
    try:
        return validate_email(value)[1]
    except ValueError:
        return None


def answer(value: str) -> str | None:
    try:
        return email_address(value)
    except ValueError:
        return None


@settings(max_examples=400, deadline=None)
@given(local=LOCAL, labels=st.lists(LABEL, min_size=0, max_size=3), tld=TLD)
def test_same_answer_as_email_validator(local: str, labels: list[str], tld: str) -> None:
    # AUTH-1: accepted, refused and normalized exactly as before
    value = f"{local}@{'.'.join([*labels, tld])}"
    assert answer(value) == expected(value)


@settings(max_examples=200, deadline=None)
@given(value=st.text(alphabet="ab@.-_ XZé\t", max_size=20))
def test_any_text_gets_the_same_answer(value: str) -> None:
    # AUTH-1: arbitrary text, with or without an @
    assert answer(value) == expected(value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("ana@example.org", "ana@example.org"),
        ("Ana.Ruiz+care@Family.EXAMPLE", "Ana.Ruiz+care@family.example"),
        (" ana@example.org ", "ana@example.org"),
        ("Ana Ruiz <ana@example.org>", "ana@example.org"),
        ("josé@exámple.org", "josé@exámple.org"),
    ],
)
def test_an_adult_email_is_stored_normalized(value: str, stored: str) -> None:
    # AUTH-1: the domain lower-cased, surrounding spaces and a display name dropped
    adult = Adult(person_id="A-1", first_name="Ana", last_name="Ruiz", email=value)
    assert adult.email == stored


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ana..ruiz@example.org", "two periods in a row"),
        ("ana@localhost", "should have a period"),
        ("ana@x.test", "special-use or reserved name"),
        ("ana@ab--c.org", "two dashes"),
        ("ana.example.org", "@-sign"),
    ],
)
def test_a_bad_email_is_refused_with_its_reason(value: str, reason: str) -> None:
    # AUTH-1: the refusal names the field and says why, as the import report shows it
    with pytest.raises(ValidationError) as refused:
        Adult(person_id="A-1", first_name="Ana", last_name="Ruiz", email=value)
    (error,) = refused.value.errors()
    assert error["loc"] == ("email",)
    assert reason in error["msg"]
    assert error["msg"].startswith("value is not a valid email address")
