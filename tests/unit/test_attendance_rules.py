"""Pure attendance rules beyond the basics: the errors of a day over random
sequences of ins and outs (ATT-4), the board's statuses, resolutions (ATT-2,
ATT-3), corrections (ATT-5), CCMS days (ATT-1), closing days (ATT-3), the
eligibility period and the absence standard (ATT-8), the monthly record (ATT-9)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.attendance.domain.absences import Absence, ExcusedPeriod, standard_count
from services.attendance.domain.board import child_day, pair_status
from services.attendance.domain.ccms import ImportedDay, imported_day
from services.attendance.domain.closing import days_to_close, open_check_in
from services.attendance.domain.corrections import check_correction, signed_by_parent
from services.attendance.domain.days import local_moment
from services.attendance.domain.monthly import check_attestable, service_days
from services.attendance.domain.pairing import DayError, Mark, pair_day
from services.attendance.domain.periods import add_months, eligibility_period
from services.attendance.domain.resolution import check_resolution
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import load_pack

colorado = load_pack("colorado")
arizona = load_pack("arizona")
texas = load_pack("texas")
DENVER = "America/Denver"
DAY = date(2026, 11, 9)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return local_moment(day, time(hour, minute), DENVER)


sequences = st.lists(
    st.tuples(st.sampled_from(["in", "out"]), st.integers(0, 24 * 60 - 1)),
    max_size=14,
    unique_by=lambda item: item[1],
)


def marks_of(items: list[tuple[str, int]], status: str = "confirmed") -> list[Mark]:
    base = at(0)
    return [
        Mark(f"r{i}", d, base + timedelta(minutes=m), status)  # type: ignore[arg-type]
        for i, (d, m) in enumerate(items)
    ]


def alternates(items: list[tuple[str, int]]) -> bool:
    """In time order: in, out, in, out, ... ending with an out."""
    ordered = [d for d, _ in sorted(items, key=lambda i: i[1])]
    return len(ordered) % 2 == 0 and all(
        d == ("in" if n % 2 == 0 else "out") for n, d in enumerate(ordered)
    )


# --- errors of a day over random sequences (ATT-4) -------------------------------


@given(sequences)
def test_an_ended_day_is_clean_exactly_when_ins_and_outs_alternate(
    items: list[tuple[str, int]],
) -> None:  # ATT-4
    board = child_day(marks_of(items), day_ended=True)
    assert (board.errors == ()) == alternates(items)


@given(sequences)
def test_an_incomplete_pair_has_one_mark_and_out_of_sequence_has_out_first(
    items: list[tuple[str, int]],
) -> None:  # ATT-4: yellow is a missing half, red an out before its in
    for pair in pair_day(marks_of(items)).pairs:
        if pair.error is DayError.incomplete_pair:
            assert (pair.check_in is None) != (pair.check_out is None)
        if pair.error is DayError.out_of_sequence:
            assert pair.check_in and pair.check_out
            assert pair.check_out.occurred_at < pair.check_in.occurred_at
        if pair.error is None and pair.check_out is not None:
            assert pair.check_in is not None
            assert pair.check_in.occurred_at <= pair.check_out.occurred_at


@given(sequences)
def test_a_day_in_progress_has_at_most_one_open_check_in_and_it_is_the_last(
    items: list[tuple[str, int]],
) -> None:  # ATT-3, ATT-4
    marks = marks_of(items)
    board = child_day(marks, day_ended=False)
    open_in = open_check_in(marks)
    assert open_in == board.open_check_in
    if open_in is not None:
        assert open_in.occurred_at == max(m.occurred_at for m in marks if m.direction == "in")
    ended = child_day(marks, day_ended=True)
    assert len(ended.errors) == len(board.errors) + (1 if open_in is not None else 0)


@given(sequences)
def test_closing_the_open_check_in_leaves_no_incomplete_pair_behind(
    items: list[tuple[str, int]],
) -> None:  # ATT-3: the 11:59 pm check-out completes the day's last pair
    marks = marks_of(items)
    open_in = open_check_in(marks)
    if open_in is None:
        return
    closed = [*marks, Mark("auto", "out", at(23, 59), "pending")]
    before = child_day(marks, day_ended=True).errors
    after = child_day(closed, day_ended=True).errors
    assert len(after) == len(before) - 1


@given(sequences)
def test_deleted_marks_leave_the_day(items: list[tuple[str, int]]) -> None:  # ATT-2
    assert child_day(marks_of(items, "deleted"), day_ended=True).pairs == ()


@given(sequences, st.sampled_from(["pending", "expired"]))
def test_a_pair_is_as_good_as_its_weakest_mark(items: list[tuple[str, int]], weak: str) -> None:
    marks = marks_of(items)
    if not marks:
        return
    marks[0] = Mark(marks[0].record_id, marks[0].direction, marks[0].occurred_at, weak)
    for pair in pair_day(marks).pairs:
        held = {m.record_id for m in (pair.check_in, pair.check_out) if m}
        assert pair_status(pair) == (weak if "r0" in held else "confirmed")


# --- the parent's answer (ATT-2, ATT-3) -------------------------------------------


def resolve(**overrides: object) -> None:
    args: dict[str, object] = dict(
        action="approve",
        status="pending",
        deadline=at(0, day=DAY + timedelta(days=10)),
        automatic=False,
        record_day=DAY,
        new_day=None,
        absent_that_day=False,
        now=at(18),
    )
    check_resolution(**{**args, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"status": "confirmed"}, ErrorCode.record_not_pending),
        ({"now": at(0, day=DAY + timedelta(days=10))}, ErrorCode.pending_expired),
        ({"automatic": True}, ErrorCode.checkout_time_required),
        ({"action": "modify", "new_day": DAY + timedelta(days=1)}, ErrorCode.not_same_day),
        ({"absent_that_day": True}, ErrorCode.absence_reported),
    ],
)
def test_what_a_parent_may_not_do_with_a_pending_record(
    overrides: dict[str, object], code: ErrorCode
) -> None:  # ATT-2, ATT-3
    with pytest.raises(RequestRefused) as refused:
        resolve(**overrides)
    assert refused.value.code is code


def test_an_automatic_check_out_is_modified_or_deleted_not_approved() -> None:  # ATT-3
    resolve(action="modify", automatic=True, new_day=DAY)
    resolve(action="delete", automatic=True)
    resolve(action="delete", absent_that_day=True)  # deleting a day absent is right


# --- corrections (ATT-5) -------------------------------------------------------------


def test_an_approved_record_counts_as_signed_by_the_parent() -> None:  # ATT-5
    assert signed_by_parent("provider", "approved")
    assert signed_by_parent("provider", "modified")
    assert signed_by_parent("ivr", None)
    assert not signed_by_parent("provider", "corrected")
    assert not signed_by_parent("ccms", None)


def test_expired_and_deleted_records_are_not_corrected() -> None:  # ATT-5
    for status in ("expired", "deleted"):
        with pytest.raises(RequestRefused) as refused:
            check_correction(
                signed_by_parent=False,
                status=status,
                now=at(9),
                pack=arizona,
                next_care_day_starts=None,
                month_submitted=False,
            )
        assert refused.value.code is ErrorCode.record_not_pending


def test_colorado_corrects_until_the_month_is_submitted() -> None:  # ATT-5
    check_correction(
        signed_by_parent=False,
        status="pending",
        now=at(9, day=DAY + timedelta(days=20)),
        pack=colorado,
        next_care_day_starts=at(7, day=DAY + timedelta(days=1)),
        month_submitted=False,
    )


# --- CCMS days (ATT-1) ---------------------------------------------------------------


def test_a_ccms_day_becomes_moments_in_the_providers_zone() -> None:  # ATT-1
    day = imported_day(DAY, time(7, 30), time(17, 15), DENVER, at(20))
    assert day == ImportedDay(at(7, 30), at(17, 15))
    assert imported_day(DAY, time(7, 30), None, DENVER, at(20)) == ImportedDay(at(7, 30), None)


def test_a_ccms_day_out_before_in_or_in_the_future_is_refused() -> None:  # ATT-1, ATT-4
    assert imported_day(DAY, time(17), time(8), DENVER, at(20)) is ErrorCode.out_of_sequence
    assert imported_day(DAY, time(7), time(21), DENVER, at(20)) is ErrorCode.time_in_future


# --- closing days (ATT-3) ------------------------------------------------------------


def test_days_to_close_reach_back_as_far_as_a_late_tap_may() -> None:  # ATT-1, ATT-3
    before_midnight = at(23, 58)
    after = at(23, 59)
    assert days_to_close(before_midnight, DENVER, colorado)[-1] == DAY - timedelta(days=1)
    days = days_to_close(after, DENVER, colorado)
    assert days[-1] == DAY
    assert days[0] == DAY - timedelta(days=4)  # 72 hours of offline taps, and a day more


# --- eligibility periods and the standard (ATT-8) -------------------------------------


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 2000), st.integers(1, 24))
def test_each_day_falls_in_exactly_one_period(first: date, offset: int, months: int) -> None:
    day = first + timedelta(days=offset)
    start, end = eligibility_period(first, day, months)
    assert start <= day <= end
    assert end + timedelta(days=1) == eligibility_period(first, end + timedelta(days=1), months)[0]
    assert start in {add_months(first, months * n) for n in range(0, 200)}


def test_a_period_of_twelve_months_from_the_first_authorized_day() -> None:  # ATT-8
    assert eligibility_period(date(2026, 1, 31), date(2027, 1, 30), 12) == (
        date(2026, 1, 31),
        date(2027, 1, 30),
    )
    assert eligibility_period(date(2026, 1, 31), date(2027, 2, 1), 12)[0] == date(2027, 1, 31)


@given(st.lists(st.tuples(st.integers(0, 364), st.booleans(), st.booleans()), max_size=120))
def test_the_count_leaves_out_excused_protective_and_excepted_absences(
    rows: list[tuple[int, bool, bool]],
) -> None:  # ATT-8
    start = date(2026, 1, 1)
    illness = ExcusedPeriod("chronic_illness", start, start + timedelta(days=30))
    absences = [Absence(start + timedelta(days=d), counts, dfps) for d, counts, dfps in rows]
    counted = standard_count(absences, exceptions=[illness], pack=texas)
    expected = {
        a.day
        for a in absences
        if a.counts and not a.protective_services and not illness.covers(a.day)
    }
    assert counted == len(expected)


# --- the monthly record (ATT-9) -----------------------------------------------------


def test_a_month_is_attested_from_its_last_day_when_it_is_final() -> None:  # ATT-9
    clean = service_days(
        {DAY: [Mark("i", "in", at(8)), Mark("o", "out", at(17))]},
        {},
        today=DAY + timedelta(days=30),
    )
    with pytest.raises(RequestRefused) as early:
        check_attestable(clean, month="2026-11", timezone=DENVER, now=at(9, day=date(2026, 11, 29)))
    assert early.value.code is ErrorCode.month_not_closed
    check_attestable(clean, month="2026-11", timezone=DENVER, now=at(9, day=date(2026, 11, 30)))
    waiting = service_days(
        {DAY: [Mark("i", "in", at(8), "pending"), Mark("o", "out", at(17))]},
        {},
        today=DAY + timedelta(days=30),
    )
    with pytest.raises(RequestRefused) as pending:
        check_attestable(
            waiting, month="2026-11", timezone=DENVER, now=at(9, day=date(2026, 12, 1))
        )
    assert pending.value.code is ErrorCode.records_pending
    broken = service_days({DAY: [Mark("i", "in", at(8))]}, {}, today=DAY + timedelta(days=30))
    with pytest.raises(RequestRefused) as errors:
        check_attestable(broken, month="2026-11", timezone=DENVER, now=at(9, day=date(2026, 12, 1)))
    assert errors.value.code is ErrorCode.month_not_attestable
