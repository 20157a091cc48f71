"""Billing rules around the claim: deadlines and the time limit (BILL-1, BILL-5),
ages (AUTH-4), attendance days (ATT-2..ATT-4), submission (BILL-2), what goes on a
supplemental bill later (BILL-2), the claim as staff see it (BILL-8, BILL-9) and
the rate verification draw (BILL-10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.attendance.domain.pairing import Mark, pair_day, with_open_check_in_as_error
from services.billing.books import authorization_period
from services.billing.domain.ages import age_for_month, age_in_months, serves_age
from services.billing.domain.calendar import (
    add_months,
    month_days,
    months_touching,
    submission_deadline,
    time_limit_ends,
)
from services.billing.domain.claims.compute import compute_claim
from services.billing.domain.days import attendance_days
from services.billing.domain.later_changes import affects_billing, months_of_change
from services.billing.domain.rate_draw import draw_providers, draw_size, is_licensed
from services.billing.domain.submission import (
    check_submission_window,
    children_to_submit,
    review_children,
)
from services.billing.domain.values import LiveRecord, MonthFacts
from services.billing.domain.view import Submission, claim_view
from services.billing.snapshot import (
    line_from_json,
    line_to_json,
    supplemental_from_json,
    supplemental_to_json,
)
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from tests.unit.test_billing_claims import (
    NOV,
    NOV_AUTH,
    arizona,
    authorization,
    california,
    colorado,
    provider,
    visit,
    visits,
    weekdays,
)

DENVER = "America/Denver"

# --- months, deadlines, the time limit (BILL-1, BILL-5) ---------------------------------------


def test_the_submission_deadline_is_ten_days_after_the_months_last_day() -> None:  # BILL-1
    assert submission_deadline("2026-11", arizona) == date(2026, 12, 10)
    assert submission_deadline("2027-02", arizona) == date(2027, 3, 10)
    assert submission_deadline("2028-02", arizona) == date(2028, 3, 10)  # leap year


@pytest.mark.parametrize(
    ("today", "code"),
    [
        (date(2026, 11, 30), ErrorCode.month_not_closed),  # the month's last day
        (date(2026, 12, 1), None),
        (date(2026, 12, 10), None),  # the deadline itself
        (date(2026, 12, 11), ErrorCode.deadline_passed),
    ],
)
def test_a_month_is_submitted_after_it_ends_and_by_the_deadline(today, code) -> None:  # BILL-1
    if code is None:
        check_submission_window(NOV, today, arizona)
        return
    with pytest.raises(RequestRefused) as refused:
        check_submission_window(NOV, today, arizona)
    assert refused.value.code is code


def test_billing_is_accepted_until_the_end_of_the_ninth_month_after() -> None:  # BILL-5
    assert time_limit_ends("2025-02", arizona) == date(2025, 11, 30)
    assert time_limit_ends("2025-05", arizona) == date(2026, 2, 28)


@given(st.integers(2000, 2090), st.integers(1, 12), st.integers(-40, 40))
def test_adding_months_is_calendar_arithmetic(year, month, count) -> None:
    start = f"{year:04d}-{month:02d}"
    later = add_months(start, count)
    assert add_months(later, -count) == start
    y, m = (int(p) for p in later.split("-"))
    assert (y * 12 + m) - (year * 12 + month) == count


def test_a_period_touches_the_months_it_overlaps() -> None:
    assert months_touching(date(2026, 11, 20), date(2027, 1, 3)) == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert len(month_days("2024-02")) == 29


# --- ages (AUTH-4, BILL-4) --------------------------------------------------------------------


def test_age_is_read_on_the_first_of_the_month() -> None:  # AUTH-4 (seed 003, scenario 3)
    born = date(2024, 2, 5)
    assert age_for_month(born, "2025-02") == 11  # turns 12 months on the 5th: 0 years
    assert age_for_month(born, "2025-03") == 12
    assert not serves_age(age_for_month(born, "2025-02"), 12, 156)


@given(st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.integers(0, 200))
def test_the_whole_month_has_the_age_of_its_first_day(born, months_later) -> None:  # AUTH-4
    first = date(
        born.year + (born.month - 1 + months_later) // 12,
        (born.month - 1 + months_later) % 12 + 1,
        1,
    )
    month = f"{first.year:04d}-{first.month:02d}"
    age = age_for_month(born, month)
    assert age == age_in_months(born, first)
    assert age_in_months(born, first) <= age_in_months(born, first + timedelta(days=27))
    assert age <= months_later


def test_an_age_announced_with_the_authorization_is_the_one_used() -> None:  # AUTH-4
    announced = authorization(birth=date(2024, 2, 5), start=date(2025, 2, 1), end=date(2025, 6, 30))
    assert announced.age_for("2025-02") == 11
    state = {
        "authorization_id": "A1",
        "case_id": "K1",
        "status": "active",
        "child": {
            "child_id": "C1",
            "first_name": "Lucia",
            "last_name": "Ruiz",
            "birth_date": "2024-02-05",
        },
        "start_date": "2025-02-01",
        "end_date": "2025-06-30",
        "schedule": {"kind": "fixed", "days": ["mon"]},
        "care_level": "full_time",
        "months": [{"month": "2025-02", "age_months": 11, "served": False}],
    }
    assert authorization_period(state, "active").age_for("2025-02") == 11
    assert authorization_period(state, "active").age_for("2025-03") == 12  # read here


def test_an_authorization_ended_early_pays_up_to_its_last_day() -> None:  # AUTH-3
    state = {
        "authorization_id": "A1",
        "case_id": "K1",
        "status": "ended",
        "child": {
            "child_id": "C1",
            "first_name": "Lucia",
            "last_name": "Ruiz",
            "birth_date": "2022-02-05",
        },
        "start_date": "2026-09-01",
        "end_date": "2027-06-30",
        "last_day": "2026-11-13",
        "schedule": {"kind": "fixed", "days": list(("mon", "tue", "wed", "thu", "fri"))},
        "care_level": "full_time",
    }
    period = authorization_period(state, "ended")
    facts = MonthFacts(NOV, provider(colorado), (period,), tuple(visits(weekdays(NOV))))
    [line] = compute_claim(facts, colorado, date(2026, 12, 2)).lines
    assert line.units == 10  # Nov 2 to 13
    never = authorization_period({**state, "last_day": None}, "ended")
    assert not never.billable  # ended before it began


# --- attendance days (ATT-2, ATT-3, ATT-4) ---------------------------------------------------


def test_a_check_in_still_open_is_an_error_only_once_the_day_has_ended() -> None:  # ATT-4
    day = date(2026, 11, 2)
    marks = visit(day, end=None)
    [today] = attendance_days(marks, DENVER, day)
    [later] = attendance_days(marks, DENVER, day + timedelta(days=1))
    assert today.errors == () and not today.present
    assert later.errors == ("incomplete_pair",)


@given(
    marks=st.lists(
        st.tuples(st.sampled_from(["in", "out"]), st.integers(6 * 60, 22 * 60)),
        min_size=1,
        max_size=6,
    )
)
def test_billing_sees_the_errors_and_hours_attendance_sees(marks) -> None:  # ATT-4
    """Billing pairs a day with attendance's own rules: the same errors, the same time."""
    day = date(2026, 11, 2)
    zone = ZoneInfo(DENVER)
    records = [
        LiveRecord(
            f"R{n}",
            "C1",
            "K1",
            direction,
            datetime.combine(day, time(minute // 60, minute % 60), zone),
            "confirmed",
        )
        for n, (direction, minute) in enumerate(marks)
    ]
    board = with_open_check_in_as_error(
        pair_day([Mark(r.record_id, r.direction, r.occurred_at) for r in records])  # type: ignore[arg-type]
    )
    [billed] = attendance_days(records, DENVER, day + timedelta(days=1))
    assert billed.errors == tuple(p.error.value for p in board.pairs if p.error is not None)
    assert billed.minutes == round(sum(p.minutes or 0 for p in board.pairs if p.error is None))
    assert billed.present == (billed.minutes > 0 and not billed.errors)


def test_days_are_local_to_the_provider() -> None:  # dates are in the provider's zone
    marks = visit(date(2026, 11, 2), start=time(19), end=time(23, 30))  # 02:00-06:30 UTC next day
    [day] = attendance_days(marks, DENVER, date(2026, 12, 1))
    assert day.day == date(2026, 11, 2) and day.hours == Decimal("4.50")


def test_a_deleted_record_is_not_attendance() -> None:  # ATT-2: the parent deleted it
    marks = visit(date(2026, 11, 2), status="deleted")
    assert attendance_days(marks, DENVER, date(2026, 12, 1)) == []


def test_an_automatic_check_out_keeps_the_day_pending_until_the_parent_acts() -> None:  # ATT-3
    marks = visit(date(2026, 11, 2), end=time(23, 59), out_status="pending")
    [day] = attendance_days(marks, DENVER, date(2026, 12, 1))
    assert day.pending and not day.present and day.errors == ()


# --- submission (BILL-2, ATT-4) ----------------------------------------------------------------


def test_children_with_errors_or_pending_records_are_refused_with_the_reason() -> None:
    # ATT-4, ATT-2, BILL-2
    auths = [authorization(f"A{n}", f"C{n}", **NOV_AUTH) for n in range(1, 6)]
    records = (
        visits(weekdays(NOV)[:3], child_id="C1")
        + visit(date(2026, 11, 2), child_id="C2", end=None)  # incomplete pair
        + visit(date(2026, 11, 3), child_id="C3", start=time(17), end=time(8))  # out of sequence
        + visit(date(2026, 11, 4), child_id="C4", status="pending")
        + visits(weekdays(NOV)[:2], child_id="C5")
    )
    facts = MonthFacts(NOV, provider(colorado), tuple(auths), tuple(records))
    result = compute_claim(facts, colorado, date(2026, 12, 2))
    accepted, refused = review_children(
        children_to_submit(result, result.days), result.days, submitted={"C5"}
    )
    assert accepted == ["C1"]
    assert [(r.child_id, r.code, r.days) for r in refused] == [
        ("C2", ErrorCode.incomplete_pair, (date(2026, 11, 2),)),
        ("C3", ErrorCode.out_of_sequence, (date(2026, 11, 3),)),
        ("C4", ErrorCode.records_pending, (date(2026, 11, 4),)),
        ("C5", ErrorCode.already_submitted, ()),
    ]


def test_a_child_with_nothing_in_the_month_is_not_submitted() -> None:  # BILL-2
    facts = MonthFacts(NOV, provider(colorado), (authorization(**NOV_AUTH),))
    result = compute_claim(facts, colorado, date(2026, 12, 2))
    assert children_to_submit(result, result.days) == []


# --- later changes (BILL-2) ----------------------------------------------------------------------


def test_only_changes_that_can_change_a_claim_go_on_a_supplemental_bill() -> None:  # BILL-2
    assert affects_billing([])  # a new authorization
    assert affects_billing(["end_date"])
    assert not affects_billing(["absence_exceptions"])
    before = (date(2026, 11, 1), date(2026, 11, 14))
    assert months_of_change(before, (date(2026, 11, 1), date(2026, 12, 31))) == [
        "2026-11",
        "2026-12",
    ]


# --- the claim as staff see it (BILL-2, BILL-8) --------------------------------------------------


def test_a_submitted_child_keeps_its_submitted_lines_while_others_follow_attendance() -> None:
    # BILL-2: a submitted month never changes under the staff's eyes
    auths = (authorization("A1", "C1", **NOV_AUTH), authorization("A2", "C2", **NOV_AUTH))
    before = MonthFacts(
        NOV,
        provider(colorado),
        auths,
        tuple(visits(weekdays(NOV)[:2], child_id="C1") + visits(weekdays(NOV)[:2], child_id="C2")),
    )
    result = compute_claim(before, colorado, date(2026, 12, 2))
    c1 = tuple(line for line in result.lines if line.child_id == "C1")
    submitted = {"C1": Submission("C1", datetime(2026, 12, 2, tzinfo=UTC), c1, ())}
    after = MonthFacts(
        NOV,
        before.provider,
        auths,
        tuple(visits(weekdays(NOV)[:5], child_id="C1") + visits(weekdays(NOV)[:5], child_id="C2")),
    )
    view = claim_view(after, colorado, date(2026, 12, 3), submissions=submitted)
    units = {v.line.child_id: (v.status, v.line.units) for v in view.lines}
    assert units == {"C1": ("submitted", 2), "C2": ("open", 5)}
    assert view.status == "open"


@pytest.mark.parametrize(("status", "claim_status"), [("hold", "held"), ("active", "submitted")])
def test_a_held_claim_is_payable_once_the_hold_is_released(status, claim_status) -> None:
    # BILL-8, AUTH-3
    terms = provider(colorado, status=status, rates=[("full_time", "day", "40.00")])
    facts = MonthFacts(NOV, terms, (authorization(**NOV_AUTH),), tuple(visits(weekdays(NOV)[:3])))
    lines = compute_claim(facts, colorado, date(2026, 12, 2)).lines
    submitted = {"C1": Submission("C1", datetime(2026, 12, 2, tzinfo=UTC), lines, ())}
    view = claim_view(facts, colorado, date(2026, 12, 3), submissions=submitted)
    assert view.status == claim_status
    assert view.total_amount == Decimal("120.00")
    assert view.payable_amount == (0 if status == "hold" else Decimal("120.00"))


def test_a_submitted_line_reads_back_exactly_as_stored() -> None:  # BILL-2
    terms = provider(california, rates=[("full_time", "hour", "12.35")])
    auth = authorization(**NOV_AUTH, hours_per_week="37.5", care_level="full_time")
    facts = MonthFacts(
        NOV,
        terms,
        (auth,),
        tuple(visits(weekdays(NOV)[:4], end=time(15, 20))),
        invoices={"C1": Decimal("99.99")},
    )
    result = compute_claim(facts, california, date(2026, 12, 2))
    [line] = result.lines
    assert line_from_json(line_to_json(line)) == line
    for entry in result.supplemental:
        assert supplemental_from_json(supplemental_to_json(entry)) == entry


# --- the rate verification draw (BILL-10) -----------------------------------------------------

FRACTION = Decimal("0.10")


def test_the_draw_is_reproducible_from_year_and_seed() -> None:  # BILL-10
    population = [f"CA-{n:03d}" for n in range(57)]
    first = draw_providers(population, FRACTION, program="california", year=2027, seed="42")
    again = draw_providers(
        reversed(population), FRACTION, program="california", year=2027, seed="42"
    )
    other = draw_providers(population, FRACTION, program="california", year=2027, seed="43")
    assert first == again
    assert len(first) == 6  # 10% of 57, rounded up: "no less than 10%"
    assert first != other


@given(st.sets(st.text("ABC0123456789", min_size=1, max_size=6), max_size=80), st.text(max_size=8))
def test_the_draw_takes_a_tenth_rounded_up_of_the_population(population, seed) -> None:
    drawn = draw_providers(population, FRACTION, program="california", year=2027, seed=seed)
    assert set(drawn) <= population
    assert len(drawn) == draw_size(len(population), FRACTION) == -(-len(population) // 10)


def test_only_licensed_providers_are_drawn() -> None:  # BILL-10
    assert is_licensed("center") and is_licensed("family_home")
    assert not is_licensed("license_exempt")
