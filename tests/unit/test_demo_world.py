"""The demo world (`ccats/demo_world.jsonl`), published by `ccats demo` as the state
eligibility system would (AUTH-1), and the message ids the feed gives each record."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccats.demo import DEMO_WORLD
from ccats.feed import ID_FIELD, LINE, message_id
from shared.contract.eligibility import AuthorizationLine, CaseLine, ProviderLine

DEMO_MONTH_START = date(2026, 12, 1)
"""The first day of the demo month: ages are read on it (AUTH-4)."""

RAW_LINES = [line for line in DEMO_WORLD.read_text().splitlines() if line.strip()]
LINES = [LINE.validate_json(line) for line in RAW_LINES]
PROVIDERS = {r.provider_id: r for r in LINES if isinstance(r, ProviderLine)}
CASES = {r.case_id: r for r in LINES if isinstance(r, CaseLine)}
AUTHORIZATIONS = [r for r in LINES if isinstance(r, AuthorizationLine)]


def age_in_months(birth: date, on: date) -> int:
    """Whole months of age on `on` (AUTH-4)."""
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    return months - 1 if on.day < birth.day else months


@pytest.mark.parametrize(
    ("birth", "on", "months"),
    [
        (date(2025, 12, 5), date(2026, 12, 1), 11),  # turns 1 on the 5th: 0 years that month
        (date(2025, 12, 1), date(2026, 12, 1), 12),
        (date(2026, 11, 30), date(2026, 12, 1), 0),
        (date(2020, 1, 20), date(2026, 12, 1), 82),
    ],
)
def test_age_in_months_on_the_first_of_the_month(birth: date, on: date, months: int) -> None:
    # AUTH-4: a child who turns 1 on the 5th is 0 for that whole month.
    assert age_in_months(birth, on) == months


# --- the file -------------------------------------------------------------------


def test_the_demo_world_is_not_empty() -> None:
    assert RAW_LINES
    assert PROVIDERS and CASES and AUTHORIZATIONS


@pytest.mark.parametrize("number", range(len(RAW_LINES)))
def test_every_line_validates_as_the_feed_reads_it(number: int) -> None:
    # `ccats demo` publishes each line through LINE: one bad line stops the demo.
    record = LINE.validate_json(RAW_LINES[number])
    assert record.record in ID_FIELD
    assert getattr(record, ID_FIELD[record.record])


def test_there_is_a_provider_of_each_program() -> None:
    # The four policy packs (domain rules) all run in the demo.
    programs = Counter(p.program for p in PROVIDERS.values())
    assert set(programs) == {"colorado", "california", "arizona", "texas"}


def test_every_provider_has_an_authorized_child() -> None:
    assert {a.provider_id for a in AUTHORIZATIONS} == set(PROVIDERS)


@pytest.mark.parametrize("auth", AUTHORIZATIONS, ids=lambda a: a.authorization_id)
def test_every_authorization_names_a_provider_and_case_in_the_file(
    auth: AuthorizationLine,
) -> None:
    # AUTH-2: attendance needs the authorization's provider (and the case's adults to sign).
    assert auth.provider_id in PROVIDERS
    assert auth.case_id in CASES
    assert CASES[auth.case_id].adults, "nobody could sign for this child"


@pytest.mark.parametrize("auth", AUTHORIZATIONS, ids=lambda a: a.authorization_id)
def test_every_child_is_in_the_providers_ages_in_the_demo_month(
    auth: AuthorizationLine,
) -> None:
    # AUTH-4 / BILL-4: a child out of the provider's range would bill nothing.
    ages = PROVIDERS[auth.provider_id].ages_served
    age = age_in_months(auth.child.birth_date, DEMO_MONTH_START)
    assert ages.min_months <= age <= ages.max_months, (auth.child.child_id, age)


@pytest.mark.parametrize("auth", AUTHORIZATIONS, ids=lambda a: a.authorization_id)
def test_every_authorization_covers_the_demo_month(auth: AuthorizationLine) -> None:
    # AUTH-2: attendance in the demo month must be recordable.
    assert auth.status == "active"
    assert auth.start_date <= DEMO_MONTH_START <= auth.end_date


@pytest.mark.parametrize("kind", sorted(ID_FIELD))
def test_ids_are_unique_per_kind(kind: str) -> None:
    ids = [getattr(r, ID_FIELD[kind]) for r in LINES if r.record == kind]
    assert ids, kind
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_adults_are_unique() -> None:
    # ID-2: each adult is one person with one PIN.
    people = [a.person_id for c in CASES.values() for a in c.adults]
    assert len(people) == len(set(people))


def test_every_line_gets_its_own_message_id() -> None:
    # Two lines with one Nats-Msg-Id: JetStream would silently drop the second (rule 4).
    ids = [
        str(r.event_id)
        if r.event_id
        else message_id(r.record, getattr(r, ID_FIELD[r.record]), r.version)
        for r in LINES
    ]
    assert len(ids) == len(set(ids))


# --- message ids ------------------------------------------------------------------

kinds = st.sampled_from(sorted(ID_FIELD))
record_ids = st.text(min_size=1, max_size=20)
versions = st.integers(min_value=1, max_value=10**6)


@given(kind=kinds, record_id=record_ids, version=versions)
def test_message_id_is_stable_for_a_record_and_version(
    kind: str, record_id: str, version: int
) -> None:
    # AUTH-1: the same push published twice is dropped by JetStream's duplicate window.
    assert message_id(kind, record_id, version) == message_id(kind, record_id, version)


@given(kind=kinds, record_id=record_ids, first=versions, second=versions)
def test_message_id_differs_across_versions(
    kind: str, record_id: str, first: int, second: int
) -> None:
    # AUTH-1: a new version must not be mistaken for a repeat of the old one.
    if first != second:
        assert message_id(kind, record_id, first) != message_id(kind, record_id, second)


@given(a=st.tuples(kinds, record_ids, versions), b=st.tuples(kinds, record_ids, versions))
def test_message_ids_of_different_records_never_collide(
    a: tuple[str, str, int], b: tuple[str, str, int]
) -> None:
    # A provider and a case sharing an id, or ids ending in ":v1", stay distinct.
    if a != b:
        assert message_id(*a) != message_id(*b)


def test_message_id_examples() -> None:
    assert message_id("authorization", "AUTH-CO-1", 1) == "eligibility:authorization:AUTH-CO-1:v1"
    assert message_id("case", "X:v1", 2) != message_id("case", "X", 12)
    assert message_id("provider", "X", 1) != message_id("case", "X", 1)
