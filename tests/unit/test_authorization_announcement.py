"""What `AuthorizationChanged` announces (AUTH-1..AUTH-4), and that the body the
service builds without running the contract model is one the model accepts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

from hypothesis import given, settings
from hypothesis import strategies as st

from services.authorization.batch import flat_event
from services.authorization.bulk import Json
from services.authorization.domain import (
    Ending,
    EndingReason,
    ProviderFacts,
    Waiting,
    announced_state,
    authorized_adults,
    changed_fields,
    waiting_for,
)
from shared.contract.eligibility import AuthorizationRecord, CaseRecord
from shared.contract.events import AuthorizationChanged

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
PROVIDER = ProviderFacts(
    provider_id="AZ-1",
    program="arizona",
    type="center",
    status="active",
    timezone="America/Phoenix",
    min_months=12,
    max_months=156,
    status_since=NOW,
)
CASE = CaseRecord.model_validate(
    {
        "case_id": "CASE-1",
        "version": 1,
        "adults": [
            {
                "person_id": "PER-1",
                "first_name": "Ana",
                "last_name": "Garcia",
                "email": "ana@example.org",
                "phone": "6025550101",
                "language": "es",
                "role": "parent",
                "card_number": "CARD-0001",
                "birth_date": "1990-01-01",
            }
        ],
    }
)


def record(**overrides: Any) -> dict[str, Any]:
    body = {
        "authorization_id": "AUTH-1",
        "version": 1,
        "case_id": "CASE-1",
        "child": {
            "child_id": "CH-1",
            "first_name": "Leo",
            "last_name": "Garcia",
            "birth_date": "2024-02-05",
        },
        "provider_id": "AZ-1",
        "start_date": "2025-02-06",
        "end_date": "2025-05-31",
        "status": "active",
        "schedule": {"kind": "fixed", "days": ["mon", "tue"], "hours_per_week": 20},
        "care_level": "part_time",
        "protective_services": False,
        "absence_exceptions": [],
    } | overrides
    return AuthorizationRecord.model_validate(body).model_dump(
        mode="json", by_alias=True, exclude={"event_id"}
    )


def adults() -> list[dict[str, Any]]:
    return authorized_adults(CASE.model_dump(mode="json")["adults"])


def test_an_active_authorization_covers_its_period_with_an_age_each_month() -> None:
    state = announced_state(record(), PROVIDER, adults(), None)  # AUTH-1, AUTH-4
    assert state["status"] == "active"
    assert state["last_day"] == "2025-05-31"
    assert (state["program"], state["timezone"], state["provider_type"]) == (
        "arizona",
        "America/Phoenix",
        "center",
    )
    assert [(m["month"], m["served"]) for m in state["months"]] == [
        ("2025-02", False),
        ("2025-03", True),
        ("2025-04", True),
        ("2025-05", True),
    ]


def test_the_adults_are_announced_without_their_card() -> None:  # NOT-1, ATT-6; ID-9 stays
    [adult] = adults()
    assert adult == {
        "person_id": "PER-1",
        "first_name": "Ana",
        "last_name": "Garcia",
        "role": "parent",
        "language": "es",
        "email": "ana@example.org",
        "phone": "6025550101",
    }


def test_a_cancelled_authorization_covers_no_day() -> None:  # AUTH-1
    ending = Ending(date(2025, 3, 1), EndingReason.provider_terminated, "AZ-1")
    state = announced_state(record(status="cancelled"), PROVIDER, adults(), ending)
    assert state["status"] == "cancelled"
    assert state["last_day"] is None and state["months"] == []
    assert state["ended_on"] is None  # cancelled wins over an ending


def test_an_ended_authorization_covers_up_to_its_ending() -> None:  # AUTH-3
    ending = Ending(date(2025, 3, 15), EndingReason.provider_terminated, "AZ-1")
    state = announced_state(record(), PROVIDER, adults(), ending)
    assert state["status"] == "ended"
    assert (state["ended_on"], state["ended_reason"]) == ("2025-03-15", "provider_terminated")
    assert state["last_day"] == "2025-03-15"
    assert [m["month"] for m in state["months"]] == ["2025-02", "2025-03"]


def test_an_ending_after_the_end_date_keeps_the_end_date() -> None:  # AUTH-3
    ending = Ending(date(2025, 12, 1), EndingReason.provider_type_changed, "AZ-1")
    assert announced_state(record(), PROVIDER, adults(), ending)["last_day"] == "2025-05-31"


def test_an_authorization_ended_before_it_began_covers_no_day() -> None:  # AUTH-3
    ending = Ending(date(2025, 1, 10), EndingReason.provider_terminated, "AZ-1")
    state = announced_state(record(), PROVIDER, adults(), ending)
    assert state["status"] == "ended"
    assert state["last_day"] is None and state["months"] == []


def test_a_change_of_end_date_names_what_it_changes() -> None:  # AUTH-1: backdating, end
    before = announced_state(record(), PROVIDER, adults(), None)
    after = announced_state(
        record(version=2, start_date="2025-01-02", end_date="2025-04-30"), PROVIDER, adults(), None
    )
    assert changed_fields(before, after) == ["end_date", "last_day", "months", "start_date"]


def test_waiting_names_what_is_missing() -> None:  # AUTH-1: out-of-order pushes wait
    assert waiting_for(True, True) == []
    assert waiting_for(False, True) == [Waiting.provider]
    assert waiting_for(False, False) == [Waiting.provider, Waiting.case]


# --- the body the service writes is a valid AuthorizationChanged ------------

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def situations(draw: st.DrawFn) -> tuple[dict[str, Any], ProviderFacts, Ending | None]:
    start = draw(dates)
    end = draw(st.dates(min_value=start, max_value=date(2031, 12, 31)))
    body = record(
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        status=draw(st.sampled_from(["active", "cancelled"])),
        child={
            "child_id": "CH-1",
            "first_name": "Leo",
            "last_name": "García",
            "birth_date": draw(dates).isoformat(),
        },
    )
    low = draw(st.integers(0, 100))
    facts = ProviderFacts(
        provider_id="AZ-1",
        program=draw(st.sampled_from(["colorado", "california", "arizona", "texas"])),
        type=draw(st.sampled_from(["center", "group_home", "family_home", "license_exempt"])),
        status="active",
        timezone="America/Phoenix",
        min_months=low,
        max_months=draw(st.integers(low, 200)),
        status_since=NOW,
    )
    ending = draw(
        st.none() | st.builds(Ending, dates, st.sampled_from(list(EndingReason)), st.just("AZ-1"))
    )
    return body, facts, ending


@settings(max_examples=150, deadline=None)
@given(situations(), st.lists(st.sampled_from(["status", "months", "end_date"]), unique=True))
def test_the_flat_body_is_a_valid_authorization_changed(
    situation: tuple[dict[str, Any], ProviderFacts, Ending | None], changes: list[str]
) -> None:  # AUTH-1: what the service publishes is what the contract promises
    body, facts, ending = situation
    state = {**announced_state(body, facts, adults(), ending), "revision": 3}
    event_id = str(uuid4())
    payload = flat_event(
        {"event_id": event_id, "occurred_at": NOW.isoformat(), "changes": changes}, Json.of(state)
    )
    event = AuthorizationChanged.model_validate_json(payload)
    assert str(event.event_id) == event_id and event.occurred_at == NOW
    assert event.changes == changes and event.revision == 3
    assert (
        event.model_dump(mode="json", by_alias=True, exclude={"event_id", "occurred_at", "changes"})
        == state
    )
    assert json.loads(payload)["authorization_id"] == "AUTH-1"
