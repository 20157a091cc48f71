"""The authorization service's pure rules (services/authorization/domain.py).

AUTH-1: pushes from the state may repeat, arrive out of order or be backdated;
the latest version wins and nothing is applied twice.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.authorization.domain import (
    VersionOutcome,
    changed_fields,
    fold_versions,
    version_outcome,
)
from shared.contract.eligibility import AuthorizationRecord

# --- version_outcome ----------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        (None, 1, VersionOutcome.applied),  # first push of a record
        (None, 7, VersionOutcome.applied),  # first push need not be version 1
        (1, 2, VersionOutcome.applied),  # the next version
        (2, 9, VersionOutcome.applied),  # versions may be skipped
        (3, 3, VersionOutcome.duplicate),  # the same push again
        (3, 2, VersionOutcome.stale),  # an older push arriving late
        (3, 1, VersionOutcome.stale),
    ],
)
def test_version_outcome(current: int | None, incoming: int, expected: VersionOutcome) -> None:
    # AUTH-1: the latest version wins, whatever order the pushes arrive in.
    assert version_outcome(current, incoming) is expected


def test_outcomes_are_the_words_the_service_logs() -> None:
    assert [o.value for o in VersionOutcome] == ["applied", "duplicate", "stale"]


def _fold(versions: list[int]) -> tuple[int | None, list[int], list[VersionOutcome]]:
    """Receive the pushes in order, as the authorization service does."""
    current: int | None = None
    applied: list[int] = []
    outcomes: list[VersionOutcome] = []
    for version in versions:
        outcome = version_outcome(current, version)
        outcomes.append(outcome)
        if outcome is VersionOutcome.applied:
            current = version
            applied.append(version)
    return current, applied, outcomes


def _new_maxima(versions: list[int]) -> list[int]:
    seen: list[int] = []
    for version in versions:
        if not seen or version > seen[-1]:
            seen.append(version)
    return seen


versions_lists = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=40)


@given(versions=versions_lists)
def test_folding_pushes_keeps_the_latest_and_applies_each_once(versions: list[int]) -> None:
    # AUTH-1: repeats, any order, backdating: the latest wins and nothing applies twice.
    current, applied, outcomes = _fold(versions)
    assert current == max(versions)
    assert len(applied) == len(set(applied))
    assert applied == _new_maxima(versions)
    assert applied == sorted(applied)
    assert outcomes.count(VersionOutcome.applied) == len(_new_maxima(versions))


@given(versions=versions_lists, data=st.data())
def test_the_order_of_arrival_does_not_change_the_result(
    versions: list[int], data: st.DataObject
) -> None:
    # AUTH-1: whatever order the pushes arrive in, the same version ends up current.
    shuffled = data.draw(st.permutations(versions))
    assert _fold(shuffled)[0] == _fold(versions)[0] == max(versions)


@given(versions=versions_lists)
def test_a_redelivery_of_everything_changes_nothing(versions: list[int]) -> None:
    # Rule 4 / AUTH-1: the feed replayed after the fact applies nothing.
    current, _, _ = _fold(versions)
    for version in versions:
        assert version_outcome(current, version) is not VersionOutcome.applied


@given(current=st.integers(1, 10**6), incoming=st.integers(1, 10**6))
def test_outcome_is_decided_by_comparison_alone(current: int, incoming: int) -> None:
    outcome = version_outcome(current, incoming)
    if incoming > current:
        assert outcome is VersionOutcome.applied
    elif incoming == current:
        assert outcome is VersionOutcome.duplicate
    else:
        assert outcome is VersionOutcome.stale


# --- fold_versions: a batch of pushes, as if received one by one -------------


def test_a_batch_is_folded_in_arrival_order() -> None:  # AUTH-1
    outcomes = fold_versions(
        {"A": 2},
        [("A", 3), ("B", 1), ("A", 3), ("A", 1), ("B", 2), ("A", 5)],
    )
    assert outcomes == [
        VersionOutcome.applied,  # newer than the 2 held
        VersionOutcome.applied,  # B seen the first time
        VersionOutcome.duplicate,  # 3 again, within the batch
        VersionOutcome.stale,
        VersionOutcome.applied,
        VersionOutcome.applied,
    ]


@given(
    held=st.dictionaries(st.sampled_from("ABC"), st.integers(1, 9), max_size=3),
    pushes=st.lists(st.tuples(st.sampled_from("ABC"), st.integers(1, 9)), max_size=30),
)
def test_folding_a_batch_equals_receiving_each_push_alone(
    held: dict[str, int], pushes: list[tuple[str, int]]
) -> None:  # AUTH-1: batching changes nothing about which version wins
    current = dict(held)
    one_by_one = []
    for record_id, version in pushes:
        outcome = version_outcome(current.get(record_id), version)
        if outcome is VersionOutcome.applied:
            current[record_id] = version
        one_by_one.append(outcome)
    assert fold_versions(held, pushes) == one_by_one


# --- changed_fields -----------------------------------------------------------

RECORD = AuthorizationRecord.model_validate(
    {
        "authorization_id": "AUTH-CO-1",
        "version": 1,
        "event_id": "8f1f2bd6-6b5e-4a3e-9b8e-1d7c6f0e2a11",
        "case_id": "CASE-CO-1",
        "child": {
            "child_id": "CH-101",
            "first_name": "Sofia",
            "last_name": "Garcia",
            "birth_date": "2022-05-05",
        },
        "provider_id": "CO-1001",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "status": "active",
        "schedule": {
            "kind": "fixed",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "hours_per_week": 40,
            "max_days_per_month": 23,
        },
        "care_level": "full_time",
    }
)
STATE: dict[str, Any] = RECORD.model_dump(mode="json")
FIELDS = sorted(set(STATE) - {"version", "event_id"})


def test_a_first_seen_record_lists_every_field_but_version_and_event_id() -> None:
    # AuthorizationChanged.changes for a new authorization: everything is new.
    assert changed_fields(None, STATE) == FIELDS
    assert "version" not in FIELDS and "event_id" not in FIELDS
    assert {"child", "schedule", "start_date", "end_date", "status"} <= set(FIELDS)


def test_identical_states_change_nothing() -> None:
    assert changed_fields(STATE, copy.deepcopy(STATE)) == []


def test_a_new_version_with_the_same_content_changes_nothing() -> None:
    # A push that only bumps the version (or carries a new event id) has no changes.
    after = {**STATE, "version": 2, "event_id": "0b7a6f2e-0000-4000-8000-000000000001"}
    assert changed_fields(STATE, after) == []


def test_one_nested_change_names_its_top_level_field() -> None:
    after = copy.deepcopy(STATE)
    after["schedule"]["days"] = ["mon", "wed", "fri"]
    assert changed_fields(STATE, after) == ["schedule"]


def test_several_changes_are_listed_once_each_in_order() -> None:
    after = copy.deepcopy(STATE)
    after["status"] = "cancelled"
    after["end_date"] = "2026-06-30"
    after["child"]["last_name"] = "Garcia-Lopez"
    after["version"] = 2
    assert changed_fields(STATE, after) == ["child", "end_date", "status"]


def test_a_field_that_appears_or_disappears_is_a_change() -> None:
    before = {k: v for k, v in STATE.items() if k != "absence_exceptions"}
    after = {**STATE, "absence_exceptions": [{"kind": "disability", "from": "2026-01-01"}]}
    assert changed_fields(before, after) == ["absence_exceptions"]
    assert changed_fields(after, before) == ["absence_exceptions"]


@given(changed=st.sets(st.sampled_from([*FIELDS, "version", "event_id"])))
def test_exactly_the_changed_fields_are_listed(changed: set[str]) -> None:
    after = copy.deepcopy(STATE)
    for key in changed:
        after[key] = ["changed", after[key]]
    assert changed_fields(STATE, after) == sorted(changed - {"version", "event_id"})
