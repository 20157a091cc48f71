"""Who is in care, kept from a whole fetch of attendance's events at once (ID-4
`checked_in`): the same as applying them one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.identity.domain.presence import Mark, latest_marks

START = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)

marks = st.lists(
    st.builds(
        Mark,
        provider_id=st.sampled_from(["CO-1", "CO-2"]),
        child_id=st.sampled_from(["CH-1", "CH-2", "CH-3"]),
        record_id=st.uuids().map(str),
        direction=st.sampled_from(["in", "out"]),
        occurred_at=st.integers(0, 6).map(lambda m: START + timedelta(minutes=m)),
        status=st.just("confirmed"),
    ),
    max_size=30,
)


def one_by_one(stored: dict[tuple[str, str], Mark], new: list[Mark]) -> dict:
    """The stored rule applied to each mark in the order received: a mark replaces
    the child's mark unless that one is later."""
    kept = dict(stored)
    for mark in new:
        key = (mark.provider_id, mark.child_id)
        if key not in kept or kept[key].occurred_at <= mark.occurred_at:
            kept[key] = mark
    return kept


@given(stored=marks, new=marks)
def test_a_batch_leaves_each_child_as_one_by_one_would(stored: list[Mark], new: list[Mark]) -> None:
    # ID-4: a late tap from an offline kiosk never hides a newer mark
    before = one_by_one({}, stored)
    reduced = latest_marks(new)
    assert len({(m.provider_id, m.child_id) for m in reduced}) == len(reduced)
    assert one_by_one(before, reduced) == one_by_one(before, new)


def test_the_later_received_of_two_marks_at_the_same_moment_wins() -> None:  # ID-4
    first = Mark("CO-1", "CH-1", "R-1", "in", START, "confirmed")
    second = Mark("CO-1", "CH-1", "R-2", "out", START, "confirmed")
    assert latest_marks([first, second]) == [second]
