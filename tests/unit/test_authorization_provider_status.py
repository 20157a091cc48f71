"""AUTH-3: hold, contract termination and a change of provider type, as the pure
rules of the authorization service see them."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

from hypothesis import given
from hypothesis import strategies as st

from services.authorization.domain import (
    Ending,
    EndingReason,
    ProviderFacts,
    ending_for,
    provider_after,
)

NOV_20 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 08:00 in Denver
NOV_21_EARLY = datetime(2026, 11, 21, 5, 30, tzinfo=UTC)  # still Nov 20, 22:30 in Denver


def provider(
    before: ProviderFacts | None = None,
    *,
    status: str = "active",
    type: str = "center",
    now: datetime = NOV_20,
    sequence: int | None = 10,
) -> ProviderFacts:
    return provider_after(
        before,
        provider_id="CO-1",
        program="colorado",
        type=type,
        status=status,
        timezone="America/Denver",
        min_months=0,
        max_months=156,
        now=now,
        sequence=sequence,
    )


def test_an_active_provider_ends_nothing() -> None:  # AUTH-3: active is normal
    assert ending_for(provider(), first_sequence=5, kept=None) is None


def test_a_hold_ends_nothing() -> None:  # AUTH-3: attendance kept, nothing paid (BILL-8)
    on_hold = provider(provider(), status="hold", now=NOV_20 + timedelta(days=3))
    assert on_hold.status_since == NOV_20 + timedelta(days=3)
    assert ending_for(on_hold, first_sequence=5, kept=None) is None


def test_termination_ends_every_authorization_on_the_providers_day() -> None:  # AUTH-3
    terminated = provider(provider(), status="terminated", now=NOV_21_EARLY)
    ending = ending_for(terminated, first_sequence=5, kept=None)
    # the day is the provider's: 05:30 UTC on the 21st is still the 20th in Denver
    assert ending == Ending(date(2026, 11, 20), EndingReason.provider_terminated, "CO-1")
    assert ending_for(terminated, first_sequence=99, kept=None) == ending  # also the later ones


def test_the_status_keeps_its_start_while_it_stays() -> None:  # AUTH-3
    held = provider(provider(), status="hold", now=NOV_20)
    again = provider(held, status="hold", now=NOV_20 + timedelta(days=9))
    assert again.status_since == NOV_20


def test_a_type_change_ends_the_authorizations_received_before_it() -> None:  # AUTH-3
    old = provider(type="family_home", sequence=3)
    changed = provider(old, type="group_home", now=NOV_20, sequence=40)
    assert changed.type_changed_sequence == 40
    assert ending_for(changed, first_sequence=12, kept=None) == Ending(
        date(2026, 11, 20), EndingReason.provider_type_changed, "CO-1"
    )
    assert ending_for(changed, first_sequence=41, kept=None) is None  # new ones follow
    assert ending_for(changed, first_sequence=None, kept=None) is not None  # stored before


def test_a_first_version_is_no_type_change() -> None:
    assert provider(type="group_home").type_changed_sequence is None


def test_an_ending_stays_when_the_provider_is_reinstated() -> None:  # AUTH-3
    ending = Ending(date(2026, 11, 20), EndingReason.provider_terminated, "CO-1")
    reinstated = provider(provider(status="terminated"), status="active")
    assert ending_for(reinstated, first_sequence=5, kept=ending) == ending


def test_an_ending_by_another_provider_does_not_follow_the_authorization() -> None:
    # the state moved the authorization to CO-1: CO-2's termination no longer ends it
    elsewhere = Ending(date(2026, 11, 1), EndingReason.provider_terminated, "CO-2")
    assert ending_for(provider(), first_sequence=5, kept=elsewhere) is None


statuses = st.sampled_from(["active", "hold", "terminated"])
types = st.sampled_from(["center", "group_home", "family_home", "license_exempt"])


@given(st.lists(st.tuples(statuses, types), min_size=1, max_size=8), st.integers(0, 20))
def test_only_termination_or_an_earlier_type_change_ends(
    versions: list[tuple[str, str]], first_sequence: int
) -> None:  # AUTH-3: a hold never ends an authorization
    facts = None
    for sequence, (status, kind) in enumerate(versions, start=1):
        facts = provider(
            facts,
            status=status,
            type=kind,
            sequence=sequence * 3,
            now=NOV_20 + timedelta(days=sequence),
        )
    assert facts is not None
    ending = ending_for(facts, first_sequence=first_sequence, kept=None)
    type_changed = facts.type_changed_sequence is not None and (
        first_sequence < facts.type_changed_sequence
    )
    assert (ending is not None) == (facts.status == "terminated" or type_changed)
