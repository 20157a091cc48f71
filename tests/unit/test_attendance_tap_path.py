"""The pure parts of the tap path: the answer kept for an `event_id`, the events a
record announces, and the coverage a tap is checked against in the provider's
time zone (ATT-1, ATT-2, AUTH-2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.attendance import records
from services.attendance.domain.days import local_day
from services.attendance.domain.taps import Coverage, attribute_case
from services.attendance.replies import first_answer
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused

MOMENT = datetime(2026, 11, 10, 6, 30, tzinfo=UTC)  # Nov 9, 11:30 pm in Denver


def a_record(**changes: object) -> records.Record:
    fields: dict[str, object] = {
        "provider_id": "CO-1",
        "child_id": "CH-1",
        "case_id": "CASE-1",
        "authorization_id": "AUTH-1",
        "direction": "in",
        "occurred_at": MOMENT,
        "local_date": date(2026, 11, 9),
        "channel": "kiosk",
        "status": "confirmed",
        "recorded_at": MOMENT,
    }
    return records.original(**{**fields, **changes})


def test_a_resent_tap_gets_its_first_answer() -> None:  # ATT-1
    kept = {"ok": True, "records": [{"child_id": "CH-1", "record_id": "R-1"}]}
    assert first_answer("kiosk.CO-1.tap", kept, "kiosk.CO-1.tap") == kept


def test_an_event_id_reused_for_another_request_is_refused() -> None:  # ATT-1
    with pytest.raises(RequestRefused) as refused:
        first_answer("kiosk.CO-1.tap", {"ok": True}, "kiosk.CO-2.tap")
    assert refused.value.code == ErrorCode.invalid_request


def test_a_confirmed_tap_announces_that_it_was_recorded() -> None:  # ATT-1
    record = a_record()
    (event,) = records.announcements(record)
    assert event.subject == "attendance.recorded"
    assert (event.record_id, event.status, event.occurred_at) == (
        record.record_id,
        "confirmed",
        MOMENT,
    )


def test_a_pending_record_also_announces_its_deadline() -> None:  # ATT-2
    deadline = MOMENT + timedelta(days=9)
    recorded, pending = records.announcements(a_record(status="pending", deadline=deadline))
    assert recorded.subject == "attendance.recorded"
    assert pending.subject == "attendance.pending" and pending.deadline == deadline


@given(st.integers(min_value=-48, max_value=48))
def test_a_tap_counts_under_the_authorization_of_its_local_day(hours: int) -> None:  # AUTH-2
    """Coverage is read for every period; the day is the provider's, not UTC's."""
    at = MOMENT + timedelta(hours=hours)
    day = local_day(at, "America/Denver")
    coverages = [
        Coverage(
            "A-NOV9", "CASE-1", "CH-1", "CO-1", date(2026, 11, 1), date(2026, 11, 9), "active"
        ),
        Coverage(
            "A-LATER", "CASE-1", "CH-1", "CO-1", date(2026, 11, 10), date(2026, 12, 31), "active"
        ),
    ]
    chosen = attribute_case(coverages, child_id="CH-1", provider_id="CO-1", day=day)
    assert chosen.authorization_id == ("A-NOV9" if day <= date(2026, 11, 9) else "A-LATER")
