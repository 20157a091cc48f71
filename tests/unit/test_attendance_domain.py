"""Pure attendance rules: pairing and errors, pending deadlines, tap checks,
case attribution, corrections, Z-days and the absence standard."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.attendance.domain.absences import (
    ExcusedPeriod,
    counted_absences,
    passes_standard,
    zday,
)
from services.attendance.domain.corrections import check_correction, signed_by_parent
from services.attendance.domain.days import end_of_day, local_day, local_moment
from services.attendance.domain.pairing import (
    DayError,
    Mark,
    pair_day,
    with_open_check_in_as_error,
)
from services.attendance.domain.pending import days_left, pending_deadline, reminder_due
from services.attendance.domain.taps import Coverage, attribute_case, check_tap_time
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import load_pack

colorado = load_pack("colorado")
arizona = load_pack("arizona")
texas = load_pack("texas")
DENVER = "America/Denver"
PHOENIX = "America/Phoenix"
DAY = date(2026, 11, 9)  # a Monday


def at(hour: int, minute: int = 0, day: date = DAY, tz: str = DENVER) -> datetime:
    return local_moment(day, time(hour, minute), tz)


def mark(direction: str, hour: int, minute: int = 0, rid: str | None = None) -> Mark:
    return Mark(rid or f"{direction}{hour:02}{minute:02}", direction, at(hour, minute))  # type: ignore[arg-type]


# --- pairing (ATT-4) -------------------------------------------------------------


def test_a_morning_in_and_evening_out_make_one_clean_pair() -> None:
    board = pair_day([mark("out", 17), mark("in", 8)])
    [pair] = board.pairs
    assert pair.check_in.record_id == "in0800" and pair.check_out.record_id == "out1700"
    assert pair.minutes == 9 * 60
    assert board.errors == ()


def test_an_out_with_no_in_is_an_incomplete_pair() -> None:  # ATT-4: yellow
    board = pair_day([mark("out", 17)])
    assert board.errors == (DayError.incomplete_pair,)


def test_two_ins_in_a_row_leave_the_first_incomplete() -> None:  # ATT-4
    board = pair_day([mark("in", 8), mark("in", 12), mark("out", 17)])
    assert board.errors == (DayError.incomplete_pair,)
    assert board.pairs[1].minutes == 5 * 60


def test_an_out_before_its_in_is_out_of_sequence() -> None:  # ATT-4: red
    board = pair_day([mark("in", 9), mark("out", 8)])
    assert board.errors == (DayError.out_of_sequence,)
    assert board.pairs[0].minutes is None


def test_a_child_still_in_care_is_not_an_error_until_the_day_ends() -> None:  # ATT-3, ATT-4
    board = pair_day([mark("in", 8)])
    assert board.errors == ()
    assert board.open_check_in is not None
    assert with_open_check_in_as_error(board).errors == (DayError.incomplete_pair,)


directions = st.lists(
    st.tuples(st.sampled_from(["in", "out"]), st.integers(0, 24 * 60 - 1)), max_size=12
)


def marks_of(items: list[tuple[str, int]]) -> list[Mark]:
    base = at(0)
    return [
        Mark(f"r{i}", d, base + timedelta(minutes=m))  # type: ignore[arg-type]
        for i, (d, m) in enumerate(items)
    ]


@given(directions)
def test_every_mark_lands_in_exactly_one_pair(items: list[tuple[str, int]]) -> None:  # ATT-4
    marks = marks_of(items)
    board = pair_day(marks)
    placed = [m.record_id for p in board.pairs for m in (p.check_in, p.check_out) if m]
    assert sorted(placed) == sorted(m.record_id for m in marks)


@given(directions)
def test_clean_pairs_are_an_in_then_a_later_out(items: list[tuple[str, int]]) -> None:
    for pair in pair_day(marks_of(items)).pairs:
        if pair.error is None and pair.check_out is not None:
            assert pair.check_in is not None
            assert pair.check_in.occurred_at <= pair.check_out.occurred_at
        if pair.error is DayError.out_of_sequence:
            assert pair.check_out.occurred_at < pair.check_in.occurred_at


@given(directions)
def test_a_day_of_alternating_ins_and_outs_has_no_errors(items: list[tuple[str, int]]) -> None:
    minutes = sorted({m for _, m in items})
    alternating = [("in" if i % 2 == 0 else "out", m) for i, m in enumerate(minutes)]
    if len(alternating) % 2:
        alternating = alternating[:-1]
    assert pair_day(marks_of(alternating)).errors == ()


@given(directions)
def test_pairing_does_not_depend_on_arrival_order(items: list[tuple[str, int]]) -> None:
    marks = marks_of(items)  # an offline kiosk sends late: order of arrival varies
    assert pair_day(marks) == pair_day(list(reversed(marks)))


# --- days and the automatic check-out (ATT-3) --------------------------------------


def test_the_automatic_check_out_is_1159_pm_local_in_arizona_all_year() -> None:  # ATT-3
    winter = local_moment(date(2026, 1, 15), time(23, 59), PHOENIX)
    summer = local_moment(date(2026, 7, 15), time(23, 59), PHOENIX)
    assert winter.hour == summer.hour == 6  # 23:59 MST is 06:59 UTC, summer and winter
    assert winter.astimezone(ZoneInfo(PHOENIX)).time() == time(23, 59)


def test_a_dst_night_has_a_25_hour_day_and_1159_pm_still_exists() -> None:  # ATT-3
    fall_back = date(2026, 11, 1)  # America/Denver leaves daylight time
    checkout = local_moment(fall_back, time(23, 59), DENVER)
    assert local_day(checkout, DENVER) == fall_back
    length = end_of_day(fall_back, DENVER) - local_moment(fall_back, time(0), DENVER)
    assert length == timedelta(hours=25)


# --- pending (ATT-2) -------------------------------------------------------------


def test_pending_deadline_counts_weekends() -> None:  # ATT-2
    created = at(16, 30, day=date(2026, 11, 6))  # a Friday afternoon
    deadline = pending_deadline(created, DENVER, colorado)
    assert local_day(deadline - timedelta(seconds=1), DENVER) == date(2026, 11, 15)
    assert deadline == local_moment(date(2026, 11, 16), time(0), DENVER)


def test_a_record_created_late_evening_utc_counts_from_the_local_day() -> None:  # ATT-2
    created = datetime(2026, 11, 7, 4, 0, tzinfo=UTC)  # still Friday the 6th in Denver
    deadline = pending_deadline(created, DENVER, colorado)
    assert local_day(deadline - timedelta(seconds=1), DENVER) == date(2026, 11, 15)


def test_the_reminder_is_due_two_days_before_the_deadline() -> None:  # ATT-2, NOT-2
    deadline = local_moment(date(2026, 11, 16), time(0), DENVER)
    assert not reminder_due(deadline, deadline - timedelta(days=2, seconds=1))
    assert reminder_due(deadline, deadline - timedelta(days=2))
    assert not reminder_due(deadline, deadline)
    assert days_left(deadline, at(9, day=date(2026, 11, 14)), DENVER) == 2
    assert days_left(deadline, deadline, DENVER) == 0


# --- taps (ATT-1, AUTH-2, ATT-6) ---------------------------------------------------


def test_a_late_offline_tap_within_the_limit_is_accepted() -> None:  # ATT-1
    now = at(17)
    check_tap_time(now - timedelta(hours=70), now, colorado)


def test_a_tap_older_than_the_limit_is_refused_with_a_code() -> None:  # ATT-1
    now = at(17)
    with pytest.raises(RequestRefused) as refused:
        check_tap_time(now - timedelta(hours=73), now, colorado)
    assert refused.value.code is ErrorCode.tap_too_late


def test_a_tap_in_the_future_is_refused() -> None:  # ATT-1
    now = at(17)
    with pytest.raises(RequestRefused) as refused:
        check_tap_time(now + timedelta(hours=1), now, colorado)
    assert refused.value.code is ErrorCode.time_in_future


def coverage(
    auth: str,
    case: str,
    start: date = date(2026, 11, 1),
    end: date = date(2026, 12, 31),
    status: str = "active",
) -> Coverage:
    return Coverage(auth, case, "CH-1", "CO-1", start, end, status)


def test_no_authorization_that_day_is_not_authorized() -> None:  # AUTH-2
    with pytest.raises(RequestRefused) as refused:
        attribute_case(
            [coverage("A1", "K1", start=date(2026, 11, 10))],
            child_id="CH-1",
            provider_id="CO-1",
            day=DAY,
        )
    assert refused.value.code is ErrorCode.not_authorized


def test_a_cancelled_authorization_covers_nothing() -> None:  # AUTH-2
    with pytest.raises(RequestRefused):
        attribute_case(
            [coverage("A1", "K1", status="cancelled")], child_id="CH-1", provider_id="CO-1", day=DAY
        )


def test_two_cases_tap_goes_to_the_signing_adults_case() -> None:  # ATT-6
    both = [coverage("A1", "K1"), coverage("A2", "K2")]
    chosen = attribute_case(
        both, child_id="CH-1", provider_id="CO-1", day=DAY, signer_case_ids=frozenset({"K2"})
    )
    assert chosen.authorization_id == "A2"


def test_two_cases_a_provider_record_must_name_the_case() -> None:  # ATT-6
    both = [coverage("A1", "K1"), coverage("A2", "K2")]
    with pytest.raises(RequestRefused) as refused:
        attribute_case(both, child_id="CH-1", provider_id="CO-1", day=DAY)
    assert refused.value.code is ErrorCode.case_required
    named = attribute_case(both, child_id="CH-1", provider_id="CO-1", day=DAY, named_case_id="K1")
    assert named.authorization_id == "A1"


# --- corrections (ATT-5) -----------------------------------------------------------


def test_arizona_correction_is_refused_once_the_next_care_day_started() -> None:  # ATT-5
    next_day = local_moment(date(2026, 11, 10), time(7, 30), PHOENIX)
    common = dict(
        signed_by_parent=False,
        status="pending",
        pack=arizona,
        next_care_day_starts=next_day,
        month_submitted=False,
    )
    check_correction(now=next_day - timedelta(minutes=1), **common)
    with pytest.raises(RequestRefused) as refused:
        check_correction(now=next_day, **common)
    assert refused.value.code is ErrorCode.outside_correction_window


def test_a_record_the_parent_signed_is_not_the_providers_to_correct() -> None:  # ATT-5
    with pytest.raises(RequestRefused) as refused:
        check_correction(
            signed_by_parent=signed_by_parent("kiosk", None),
            status="confirmed",
            now=at(9),
            pack=colorado,
            next_care_day_starts=None,
            month_submitted=False,
        )
    assert refused.value.code is ErrorCode.record_signed_by_parent


def test_a_submitted_month_is_not_corrected_in_place() -> None:  # ATT-5, BILL-2
    with pytest.raises(RequestRefused) as refused:
        check_correction(
            signed_by_parent=False,
            status="pending",
            now=at(9),
            pack=colorado,
            next_care_day_starts=None,
            month_submitted=True,
        )
    assert refused.value.code is ErrorCode.outside_correction_window


# --- absences (ATT-7, ATT-8) --------------------------------------------------------

WEEKDAYS_ONLY = ["mon", "tue", "wed", "thu", "fri"]


def zday_on(day: date, **overrides: object):
    args = dict(
        schedule_days=WEEKDAYS_ONLY,
        attended=False,
        reported_absence=False,
        lost_card_days_used=0,
        lost_card_allowance=None,
        device_outage=False,
    )
    return zday(day, **{**args, **overrides})  # type: ignore[arg-type]


def test_an_authorized_day_with_nothing_reported_is_a_counted_zday() -> None:  # ATT-7
    decision = zday_on(DAY)
    assert decision is not None and decision.counts_as_absence


def test_no_zday_on_a_day_outside_the_schedule_or_with_attendance() -> None:  # ATT-7
    assert zday_on(date(2026, 11, 8)) is None  # a Sunday
    assert zday_on(DAY, attended=True) is None
    assert zday_on(DAY, reported_absence=True) is None


def test_lost_card_and_device_outage_zdays_are_not_counted() -> None:  # ATT-7, ID-9
    assert not zday_on(DAY, device_outage=True).counts_as_absence
    allowance = texas.identity.lost_card_zday_allowance_days
    assert not zday_on(DAY, lost_card_allowance=allowance, lost_card_days_used=0).counts_as_absence
    assert zday_on(
        DAY, lost_card_allowance=allowance, lost_card_days_used=allowance
    ).counts_as_absence


def test_excepted_absences_are_left_out_of_the_count() -> None:  # ATT-8
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(70)]
    illness = ExcusedPeriod("chronic_illness", date(2026, 1, 1), date(2026, 1, 10))
    assert counted_absences(days, exceptions=[illness], protective_services=False, pack=texas) == 60


def test_protective_services_absences_are_never_counted() -> None:  # ATT-8
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(70)]
    assert counted_absences(days, exceptions=[], protective_services=True, pack=texas) == 0


def test_the_standard_is_passed_above_65() -> None:  # ATT-8
    assert not passes_standard(65, texas)
    assert passes_standard(66, texas)
    assert not passes_standard(500, colorado)  # no standard in the colorado pack


def test_a_pair_across_the_dst_change_counts_real_time() -> None:  # ATT-3, ATT-4
    fall_back = date(2026, 11, 1)
    night_in = Mark("in", "in", local_moment(fall_back, time(0, 30), DENVER))
    night_out = Mark("out", "out", local_moment(fall_back, time(3, 30), DENVER))
    [pair] = pair_day([night_in, night_out]).pairs
    assert pair.minutes == 4 * 60  # 0:30 to 3:30 with the clock set back an hour


def test_local_moments_are_in_the_providers_zone() -> None:
    assert at(12).astimezone(ZoneInfo(DENVER)).hour == 12
