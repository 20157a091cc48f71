"""Claim methods of the four programs and enrollment-based payment, as worked
examples (BILL-1, BILL-3..BILL-8, AUTH-4, ATT-2, ATT-7). Each table row is one
child's month; the expected numbers are worked out by hand beside it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing.domain.claims.compute import compute_claim
from services.billing.domain.claims.lines import ClaimResult
from services.billing.domain.claims.twist_days import twist_claim_days
from services.billing.domain.values import (
    Absence,
    AuthorizationPeriod,
    LiveRecord,
    MonthFacts,
    ProviderTerms,
    Rate,
    Schedule,
)
from shared.policy import PolicyPack, load_pack
from shared.policy.model import ClaimMethod

colorado = load_pack("colorado")
california = load_pack("california")
arizona = load_pack("arizona")
texas = load_pack("texas")

ZONES = {
    "colorado": "America/Denver",
    "california": "America/Los_Angeles",
    "arizona": "America/Phoenix",
    "texas": "America/Chicago",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NOV = "2026-11"  # 30 days, Nov 1 is a Sunday: 21 weekdays
DEC = "2026-12"  # 31 days, 23 weekdays


# --- builders (also used by the other billing unit tests) ----------------------------


def provider(
    pack: PolicyPack,
    *,
    status: str = "active",
    type: str = "center",
    min_months: int = 0,
    max_months: int = 156,
    rates: Iterable[tuple[str, str, str]] = (),
    holidays: Iterable[date] = (),
    provider_id: str = "P1",
) -> ProviderTerms:
    return ProviderTerms(
        provider_id=provider_id,
        program=pack.program,
        type=type,
        status=status,
        timezone=ZONES.get(pack.program, "America/Denver"),
        min_months=min_months,
        max_months=max_months,
        name="Little Steps",
        rates=tuple(Rate(level, unit, Decimal(amount)) for level, unit, amount in rates),
        paid_holidays=frozenset(holidays),
    )


def authorization(
    authorization_id: str = "A1",
    child_id: str = "C1",
    *,
    start: date,
    end: date,
    birth: date = date(2022, 5, 5),
    kind: str = "fixed",
    days: tuple[str, ...] = WEEKDAYS,
    hours_per_week: str | None = None,
    max_days: int | None = None,
    max_hours: str | None = None,
    care_level: str = "full_time",
    case_id: str = "K1",
    status: str = "active",
) -> AuthorizationPeriod:
    return AuthorizationPeriod(
        authorization_id=authorization_id,
        child_id=child_id,
        case_id=case_id,
        birth_date=birth,
        start_date=start,
        end_date=end,
        status=status,
        schedule=Schedule(
            kind=kind,
            days=days if kind == "fixed" else (),
            hours_per_week=Decimal(hours_per_week) if hours_per_week else None,
            max_days_per_month=max_days,
            max_hours_per_month=Decimal(max_hours) if max_hours else None,
        ),
        care_level=care_level,
        first_name="Sofia",
        last_name="Garcia",
    )


def visit(
    day: date,
    *,
    child_id: str = "C1",
    start: time = time(8),
    end: time | None = time(17),
    tz: str = "America/Denver",
    case_id: str = "K1",
    status: str = "confirmed",
    out_status: str | None = None,
    change: str | None = None,
) -> list[LiveRecord]:
    """A check-in and (unless `end` is None) a check-out on `day`, local times."""
    zone = ZoneInfo(tz)
    rid = f"{child_id}-{day:%m%d}-{start:%H%M}"
    marks = [
        LiveRecord(
            f"{rid}-in", child_id, case_id, "in", datetime.combine(day, start, zone), status, change
        )
    ]
    if end is not None:
        marks.append(
            LiveRecord(
                f"{rid}-out",
                child_id,
                case_id,
                "out",
                datetime.combine(day, end, zone),
                out_status or status,
                change,
            )
        )
    return marks


def visits(days: Iterable[date], **kwargs) -> list[LiveRecord]:
    return [mark for day in days for mark in visit(day, **kwargs)]


def weekdays(month: str) -> list[date]:
    first = date.fromisoformat(month + "-01")
    out = []
    day = first
    while day.month == first.month:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def all_days(month: str) -> list[date]:
    first = date.fromisoformat(month + "-01")
    return [d for d in (first + timedelta(n) for n in range(31)) if d.month == first.month]


def month_after(month: str) -> date:
    last = all_days(month)[-1]
    return last + timedelta(days=3)


def claim(
    pack: PolicyPack,
    month: str,
    authorizations: Iterable[AuthorizationPeriod],
    records: Iterable[LiveRecord] = (),
    absences: Iterable[Absence] = (),
    *,
    terms: ProviderTerms | None = None,
    today: date | None = None,
    invoices: dict[str, Decimal] | None = None,
) -> ClaimResult:
    facts = MonthFacts(
        month=month,
        provider=terms or provider(pack),
        authorizations=tuple(authorizations),
        records=tuple(records),
        absences=tuple(absences),
        invoices=invoices or {},
    )
    return compute_claim(facts, pack, today or month_after(month))


def absence(
    day: date, authorization_id: str = "A1", *, kind: str = "reported", child_id: str = "C1"
) -> Absence:
    return Absence(
        child_id, "K1", authorization_id, day, kind, "sick" if kind == "reported" else ""
    )


def units_of(result: ClaimResult, authorization_id: str = "A1") -> Decimal:
    return next(line.units for line in result.lines if line.authorization_id == authorization_id)


def line_of(result: ClaimResult, authorization_id: str = "A1"):
    return next(line for line in result.lines if line.authorization_id == authorization_id)


def with_method(pack: PolicyPack, method: ClaimMethod) -> PolicyPack:
    return pack.model_copy(
        update={"billing": pack.billing.model_copy(update={"claim_method": method})}
    )


NOV_AUTH = dict(start=date(2026, 11, 1), end=date(2027, 4, 30))
DEC_AUTH = dict(start=date(2026, 12, 1), end=date(2027, 4, 30))

# --- colorado: attendance days (BILL-1, ATT-2) ---------------------------------------


def test_colorado_pays_each_day_attended_at_the_day_rate() -> None:  # BILL-1
    terms = provider(colorado, rates=[("full_time", "day", "45.50")])
    result = claim(colorado, NOV, [authorization(**NOV_AUTH)], visits(weekdays(NOV)), terms=terms)
    line = line_of(result)
    assert (line.unit, line.units, line.amount) == ("day", Decimal(21), Decimal("955.50"))
    first = line.items[0]
    assert (first.day, first.units, first.rule) == (date(2026, 11, 2), 1, "ATT-1")
    assert first.record_ids == ("C1-1102-0800-in", "C1-1102-0800-out")


def test_a_day_approved_by_the_parent_is_counted_by_att_2() -> None:  # ATT-2
    records = visit(date(2026, 11, 2), status="confirmed", change="approved")
    [item] = line_of(claim(colorado, NOV, [authorization(**NOV_AUTH)], records)).items
    assert item.rule == "ATT-2"


def test_a_day_corrected_by_the_provider_is_counted_by_att_5() -> None:  # ATT-5
    records = visit(date(2026, 11, 2), change="corrected")
    [item] = line_of(claim(colorado, NOV, [authorization(**NOV_AUTH)], records)).items
    assert item.rule == "ATT-5"


def test_an_expired_pending_day_is_not_paid_and_goes_to_a_manual_bill() -> None:  # ATT-2
    records = visits([date(2026, 11, 2), date(2026, 11, 3)])
    records += visit(date(2026, 11, 4), out_status="expired")
    result = claim(colorado, NOV, [authorization(**NOV_AUTH)], records)
    assert units_of(result) == 2
    [manual] = result.supplemental
    assert (manual.code, manual.days) == ("pending_expired", (date(2026, 11, 4),))


@pytest.mark.parametrize(
    ("marks", "why"),
    [
        (lambda d: visit(d, end=None), "an in without its out (ATT-4)"),
        (lambda d: visit(d, start=time(17), end=time(8))[::-1], "out before in"),
        (lambda d: visit(d, status="pending"), "awaiting the parent (ATT-2)"),
    ],
)
def test_a_day_with_an_error_or_pending_record_is_not_paid(marks, why) -> None:  # ATT-4, ATT-2
    records = marks(date(2026, 11, 2)) + visit(date(2026, 11, 3))
    assert units_of(claim(colorado, NOV, [authorization(**NOV_AUTH)], records)) == 1, why


def test_attendance_no_authorization_covers_is_not_paid() -> None:  # AUTH-2
    auth = authorization(start=date(2026, 11, 10), end=date(2027, 4, 30))
    records = visits([date(2026, 11, 2), date(2026, 11, 10)])
    assert [i.day for i in line_of(claim(colorado, NOV, [auth], records)).items] == [
        date(2026, 11, 10)
    ]


def test_two_cases_each_get_their_own_days() -> None:  # ATT-6: joint custody
    mom = authorization("A-MOM", case_id="K-MOM", **NOV_AUTH)
    dad = authorization("A-DAD", case_id="K-DAD", **NOV_AUTH)
    records = visit(date(2026, 11, 2), case_id="K-MOM") + visit(date(2026, 11, 3), case_id="K-DAD")
    result = claim(colorado, NOV, [mom, dad], records)
    assert [i.day for i in line_of(result, "A-MOM").items] == [date(2026, 11, 2)]
    assert [i.day for i in line_of(result, "A-DAD").items] == [date(2026, 11, 3)]


# --- texas: TWIST days (BILL-6, ATT-7) ------------------------------------------------

THANKSGIVING, CHRISTMAS = date(2026, 11, 26), date(2026, 12, 25)


@pytest.mark.parametrize(
    ("month", "present", "holiday", "max_days", "claimed", "calculation"),
    [
        # 30-day month: D - 8 = 22
        (NOV, 22, THANKSGIVING, 23, 23, 1),  # P = 22 + 1 = 23 > 22: P days
        (NOV, 21, THANKSGIVING, 23, 22, 2),  # P = 22, not > 22: min(22, 23) = 22
        (NOV, 14, THANKSGIVING, 20, 20, 2),  # P = 15 <= 22: min(22, 20) = 20
        (NOV, 10, None, 25, 22, 2),  # P = 10: min(22, 25) = 22
        (NOV, 5, None, 3, 3, 2),  # P = 5: min(22, 3) = 3, fewer than present
        # 31-day month: D - 8 = 23
        (DEC, 23, CHRISTMAS, 23, 24, 1),  # P = 24 > 23: P days
        (DEC, 22, CHRISTMAS, 20, 20, 2),  # P = 23, not > 23: min(23, 20) = 20
        (DEC, 12, CHRISTMAS, 18, 18, 2),  # P = 13: min(23, 18) = 18
        (DEC, 12, None, 30, 23, 2),  # P = 12: min(23, 30) = 23
    ],
)
def test_texas_variable_schedule_follows_the_twist_calculation(
    month, present, holiday, max_days, claimed, calculation
) -> None:  # BILL-6
    days = [d for d in all_days(month) if d != holiday][:present]
    auth = authorization(
        start=date.fromisoformat(month + "-01"),
        end=date(2027, 6, 30),
        kind="variable",
        max_days=max_days,
    )
    terms = provider(
        texas, holidays=[holiday] if holiday else [], rates=[("full_time", "day", "38.00")]
    )
    result = claim(texas, month, [auth], visits(days, tz=ZONES["texas"]), terms=terms)
    line = line_of(result)
    assert line.units == claimed
    assert line.amount == Decimal(claimed) * Decimal("38.00")
    assert {i.rule for i in line.items} == {"BILL-6"}
    assert all(i.basis.startswith(f"calculation {calculation}") for i in line.items)
    assert len({i.day for i in line.items}) == claimed  # every unit is one dated day


def test_calculation_2_fills_with_absences_first_and_keeps_records_on_present_days() -> None:
    # BILL-6, ATT-7: 30-day month, P = 3, max 6: min(22, 6) = 6 days
    auth = authorization(
        start=date(2026, 11, 1), end=date(2027, 6, 30), kind="variable", max_days=6
    )
    present = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
    zday = absence(date(2026, 11, 20), kind="zday")
    result = claim(texas, NOV, [auth], visits(present, tz=ZONES["texas"]), [zday])
    items = line_of(result).items
    # present Nov 2-4, then the Z-day of Nov 20, then the first days without attendance
    assert [i.day.day for i in items] == [1, 2, 3, 4, 5, 20]
    assert all(i.record_ids for i in items if i.day in present)
    assert "Z-day" in next(i.basis for i in items if i.day == date(2026, 11, 20))


def test_texas_fixed_schedule_pays_present_days_absences_z_days_and_holidays() -> None:
    # ATT-7: Z-days are paid absences; BILL-6 paid holidays
    present = [d for d in weekdays(NOV) if d.day < 20 and d != date(2026, 11, 4)]
    result = claim(
        texas,
        NOV,
        [authorization(**NOV_AUTH)],
        visits(present, tz=ZONES["texas"]),
        [absence(date(2026, 11, 4)), absence(date(2026, 11, 20), kind="zday")],
        terms=provider(texas, holidays=[THANKSGIVING]),
    )
    by_day = {i.day: i for i in line_of(result).items}
    assert len(by_day) == len(present) + 3
    assert by_day[date(2026, 11, 4)].rule == "ATT-7"
    assert by_day[date(2026, 11, 20)].basis == "Z-day"
    assert (by_day[THANKSGIVING].rule, by_day[THANKSGIVING].basis) == ("BILL-6", "paid holiday")


@given(
    present=st.integers(0, 31),
    holidays=st.integers(0, 5),
    days_in_month=st.sampled_from([28, 29, 30, 31]),
    max_days=st.one_of(st.none(), st.integers(0, 31)),
)
def test_twist_claim_days_is_p_above_the_threshold_else_the_lesser(
    present, holidays, days_in_month, max_days
) -> None:  # BILL-6
    policy = texas.billing.twist
    assert policy is not None
    days, calculation = twist_claim_days(present, holidays, days_in_month, max_days, policy)
    p, threshold = present + holidays, days_in_month - 8
    if p > threshold:
        assert (days, calculation) == (p, 1)
    else:
        assert calculation == 2
        assert days == min(threshold, threshold if max_days is None else max_days)


# --- arizona: units, paid absences, age, time limit (BILL-1, BILL-3..BILL-5) --------------

FEB = "2025-02"


@pytest.mark.parametrize(
    ("start", "end", "units", "band"),
    [
        (time(8), time(11), Decimal("0.5"), "part_day"),  # 3 h
        (time(8), time(13, 59), Decimal("0.5"), "part_day"),  # 5.98 h
        (time(8), time(14), Decimal(1), "full_day"),  # 6 h: the band's first hour
        (time(7), time(18), Decimal(1), "full_day"),  # 11 h
    ],
)
def test_arizona_pays_units_by_the_packs_hour_bands(start, end, units, band) -> None:  # BILL-1
    auth = authorization(start=date(2025, 1, 1), end=date(2025, 6, 30))
    records = visit(date(2025, 2, 3), start=start, end=end, tz=ZONES["arizona"])
    [item] = line_of(claim(arizona, FEB, [auth], records)).items
    assert (item.units, item.rule) == (units, "BILL-1")
    assert item.basis.startswith(band)


def test_split_authorization_pays_absences_only_where_the_period_has_attendance() -> None:
    # BILL-3 (seed 003, scenario 2): two authorizations in February; the second has only
    # absences, which go on a supplemental bill.
    first = authorization("A-FEB1", start=date(2025, 2, 1), end=date(2025, 2, 14))
    second = authorization("A-FEB2", start=date(2025, 2, 15), end=date(2025, 6, 30))
    records = visits([date(2025, 2, 3), date(2025, 2, 4)], tz=ZONES["arizona"])
    absences = [
        absence(date(2025, 2, 5), "A-FEB1"),
        absence(date(2025, 2, 17), "A-FEB2"),
        absence(date(2025, 2, 18), "A-FEB2"),
    ]
    result = claim(arizona, FEB, [first, second], records, absences)
    # | period  | attended units | absences | paid             |
    # | A-FEB1  | 2 x 1.0        | Feb 5    | 3 units (BILL-3) |
    # | A-FEB2  | none           | 17, 18   | 0, supplemental  |
    paid = line_of(result, "A-FEB1")
    assert paid.units == 3
    assert [(i.day.day, i.rule) for i in paid.items] == [
        (3, "BILL-1"),
        (4, "BILL-1"),
        (5, "BILL-3"),
    ]
    assert units_of(result, "A-FEB2") == 0
    [supplemental] = result.supplemental
    assert (supplemental.authorization_id, supplemental.code) == (
        "A-FEB2",
        "absence_without_attendance",
    )
    assert supplemental.days == (date(2025, 2, 17), date(2025, 2, 18))


def test_a_child_turning_1_on_the_5th_is_0_for_the_whole_month() -> None:
    # AUTH-4, BILL-4 (seed 003, scenario 3): DOB 2024-02-05, authorization from
    # 2025-02-06, provider serves ages 1 and up: February pays nothing.
    auth = authorization(birth=date(2024, 2, 5), start=date(2025, 2, 6), end=date(2025, 6, 30))
    terms = provider(arizona, min_months=12, max_months=156)
    feb = visits([date(2025, 2, 10), date(2025, 2, 11)], tz=ZONES["arizona"])
    result = claim(arizona, FEB, [auth], feb, terms=terms)
    assert units_of(result) == 0
    [supplemental] = result.supplemental
    assert supplemental.code == "age_out_of_range"
    assert supplemental.days == (date(2025, 2, 10), date(2025, 2, 11))
    assert "age 11 months on 2025-02-01" in supplemental.reason
    march = visits([date(2025, 3, 3)], tz=ZONES["arizona"])
    assert units_of(claim(arizona, "2025-03", [auth], march, terms=terms)) == 1  # 12 months


@pytest.mark.parametrize(
    ("billed_on", "paid"),
    [
        (date(2025, 3, 5), True),
        (date(2025, 11, 30), True),  # the last day of the ninth month after February
        (date(2025, 12, 1), False),  # after it: not accepted
    ],
)
def test_nothing_is_paid_after_the_ninth_month(billed_on, paid) -> None:  # BILL-5
    auth = authorization(start=date(2025, 1, 1), end=date(2025, 6, 30))
    records = visits([date(2025, 2, 3)], tz=ZONES["arizona"])
    result = claim(arizona, FEB, [auth], records, today=billed_on)
    assert units_of(result) == (1 if paid else 0)
    codes = [s.code for s in result.supplemental]
    assert codes == ([] if paid else ["time_limit_exceeded"])


# --- california: certified schedule or actual hours, ceiling vs invoice (BILL-7) ----------

CA_RATE = [("full_time", "hour", "12.50")]


def ca_month(hours_a_day: float) -> list[LiveRecord]:
    end = (datetime.combine(date(2026, 11, 2), time(8)) + timedelta(hours=hours_a_day)).time()
    return visits(weekdays(NOV), end=end, tz=ZONES["california"])


@pytest.mark.parametrize(
    ("hours_a_day", "schedule", "provider_type", "max_hours", "units", "basis"),
    [
        # 40 h/week over 5 days = 8 h a day; 21 weekdays = 168 certified hours; the
        # pack's tolerance 0.20 makes 134.4 h "broadly consistent".
        (7.5, "fixed", "center", None, 168, "certified schedule"),  # 157.5 h attended
        (6.5, "fixed", "center", None, 168, "certified schedule"),  # 136.5 h >= 134.4
        (6.5, "fixed", "center", "150", 150, "certified schedule"),  # the monthly maximum
        (6.0, "fixed", "center", None, 126, "actual hours, not broadly"),  # 126 h < 134.4
        (9.0, "fixed", "license_exempt", "160", 160, "actual hours, license_exempt"),  # 189 h
        (5.0, "fixed", "license_exempt", "160", 105, "actual hours, license_exempt"),
        (9.0, "variable", "center", "160", 160, "actual hours, variable"),  # 189 h, max 160
    ],
)
def test_california_pays_certified_hours_when_broadly_consistent_else_actual(
    hours_a_day, schedule, provider_type, max_hours, units, basis
) -> None:  # BILL-7
    auth = authorization(**NOV_AUTH, kind=schedule, hours_per_week="40", max_hours=max_hours)
    terms = provider(california, type=provider_type, rates=CA_RATE)
    line = line_of(claim(california, NOV, [auth], ca_month(hours_a_day), terms=terms))
    assert line.units == units
    assert line.items[0].basis.startswith(basis)
    assert {i.rule for i in line.items} == {"BILL-7"}


@pytest.mark.parametrize(
    ("invoice", "amount"),
    [
        (None, Decimal("2100.00")),  # no invoice: the ceiling, 168 h x 12.50
        (Decimal("1800.00"), Decimal("1800.00")),  # invoice below the ceiling
        (Decimal("2500.00"), Decimal("2100.00")),  # ceiling below the invoice
    ],
)
def test_california_pays_the_lesser_of_ceiling_and_invoice(invoice, amount) -> None:  # BILL-7
    auth = authorization(**NOV_AUTH, hours_per_week="40")
    invoices = {"C1": invoice} if invoice is not None else {}
    result = claim(
        california,
        NOV,
        [auth],
        ca_month(8),
        terms=provider(california, rates=CA_RATE),
        invoices=invoices,
    )
    line = line_of(result)
    assert (line.ceiling, line.invoice, line.amount) == (Decimal("2100.00"), invoice, amount)


# --- every program: the hold (BILL-8) -------------------------------------------------


@pytest.mark.parametrize("pack", [colorado, california, arizona, texas], ids=lambda p: p.program)
def test_a_provider_on_hold_is_paid_nothing_until_released(pack) -> None:  # BILL-8, AUTH-3
    auth = authorization(**NOV_AUTH, hours_per_week="40")
    records = visits(weekdays(NOV)[:5], tz=ZONES[pack.program])
    rates = [("full_time", pack.billing.claim_unit.value, "10.00")]
    held = claim(pack, NOV, [auth], records, terms=provider(pack, status="hold", rates=rates))
    released = claim(pack, NOV, [auth], records, terms=provider(pack, rates=rates))
    assert held.held and not released.held
    assert units_of(held) == units_of(released) > 0  # kept, to be paid once released


# --- enrollment-based payment -------------------------------------------------------------


def test_enrollment_pays_the_authorized_days_and_reports_attendance_beside() -> None:  # ENR-1
    pack = with_method(colorado, ClaimMethod.enrollment)
    attended = weekdays(NOV)[:10]
    result = claim(
        pack,
        NOV,
        [authorization(**NOV_AUTH)],
        visits(attended),
        [absence(date(2026, 11, 16)), absence(date(2026, 11, 17))],
        terms=provider(pack, rates=[("full_time", "day", "45.50")]),
    )
    line = line_of(result)
    assert (line.units, line.amount) == (Decimal(21), Decimal("955.50"))
    assert {i.rule for i in line.items} == {"ENR-1"}
    assert line.attendance.days_present == 10
    assert line.attendance.absences == 2
    attended_item = next(i for i in line.items if i.day == attended[0])
    assert attended_item.record_ids and attended_item.basis == "enrolled; attended"


def test_enrollment_pays_a_split_month_by_each_authorizations_days() -> None:  # ENR-1
    pack = with_method(colorado, ClaimMethod.enrollment)
    first = authorization("A1", start=date(2026, 11, 1), end=date(2026, 11, 15))
    second = authorization(
        "A2", start=date(2026, 11, 16), end=date(2027, 4, 30), days=("mon", "wed", "fri")
    )
    result = claim(pack, NOV, [first, second])
    assert units_of(result, "A1") == 10  # weekdays Nov 2-13
    assert units_of(result, "A2") == 7  # Mon, Wed, Fri from Nov 16 to 30


def test_enrollment_in_hours_follows_the_certified_hours_up_to_the_maximum() -> None:  # ENR-1
    pack = with_method(california, ClaimMethod.enrollment)
    pack = pack.model_copy(
        update={"billing": pack.billing.model_copy(update={"certified_hours": None})}
    )
    auth = authorization(**NOV_AUTH, hours_per_week="30", max_hours="100")
    assert units_of(claim(pack, NOV, [auth])) == 100  # 21 days x 6 h = 126, capped at 100
