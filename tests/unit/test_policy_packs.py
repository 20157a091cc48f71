"""Policy packs: every program's numbers and switches, checked against the rules."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.policy import (
    PROGRAMS,
    AbsenceExceptionKind,
    AgeReadOn,
    ClaimMethod,
    ClaimUnit,
    CorrectionWindow,
    Credential,
    Language,
    OnHoldTap,
    PolicyPack,
    ProviderType,
    StaffRole,
    UnknownProgram,
    all_packs,
    load_pack,
)

arizona = load_pack("arizona")
california = load_pack("california")
colorado = load_pack("colorado")
texas = load_pack("texas")

FACILITY_LEADERS = (StaffRole.owner, StaffRole.director, StaffRole.assistant_director)
RULE_ID = re.compile(r"\b(ID|ATT|AUTH|BILL|NOT)-\d+|architecture rule \d", re.IGNORECASE)
hours_in_a_day = st.floats(min_value=0, max_value=24, allow_nan=False)


def raw_pack(program: str) -> dict[str, Any]:
    """A pack file as plain data, to be bent by a test before validation."""
    text = files("shared.policy").joinpath("packs", f"{program}.toml").read_text("utf-8")
    return tomllib.loads(text)


# Loading


def test_the_four_programs_have_packs() -> None:
    assert PROGRAMS == ("arizona", "california", "colorado", "texas")
    assert list(all_packs()) == list(PROGRAMS)


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_pack_loads_and_names_its_program(program: str) -> None:
    pack = load_pack(program)
    assert isinstance(pack, PolicyPack)
    assert pack.program == program
    assert pack.sources


def test_a_pack_is_read_once() -> None:
    assert load_pack("texas") is load_pack("texas")


@pytest.mark.parametrize("name", ["ohio", "", "Texas", "../texas", "texas.toml"])
def test_an_unknown_program_is_refused(name: str) -> None:
    with pytest.raises(UnknownProgram) as refused:
        load_pack(name)
    assert isinstance(refused.value, ValueError)
    assert refused.value.program == name


def test_a_pack_is_immutable() -> None:
    with pytest.raises(ValidationError):
        texas.identity.delegates.max_count = 4  # type: ignore[misc]


# Validation: a typo in a pack file fails loudly


@pytest.mark.parametrize(
    ("section", "key"),
    [(None, "pendng_window_days"), ("attendance", "pendng_window_days"), ("billing", "deadline")],
)
def test_a_pack_with_an_unknown_key_fails(section: str | None, key: str) -> None:
    data = raw_pack("colorado")
    (data if section is None else data[section])[key] = 9
    with pytest.raises(ValidationError, match="extra_forbidden"):
        PolicyPack.model_validate(data)


def test_a_pack_with_a_missing_key_fails() -> None:
    data = raw_pack("colorado")
    del data["attendance"]["pending_window_days"]
    with pytest.raises(ValidationError, match="pending_window_days"):
        PolicyPack.model_validate(data)


def test_a_claim_method_needs_its_own_parameters() -> None:  # BILL-6
    data = raw_pack("texas")
    del data["billing"]["twist"]
    with pytest.raises(ValidationError, match="twist"):
        PolicyPack.model_validate(data)


def test_parameters_of_another_claim_method_are_refused() -> None:  # BILL-6, BILL-1
    data = raw_pack("colorado")
    data["billing"]["twist"] = raw_pack("texas")["billing"]["twist"]
    with pytest.raises(ValidationError, match="twist"):
        PolicyPack.model_validate(data)


PART_DAY = {"name": "part_day", "from_hours": 0.0, "units": 0.5}
FULL_DAY = {"name": "full_day", "from_hours": 6.0, "units": 1}


@pytest.mark.parametrize(
    ("bands", "reason"),
    [
        ([FULL_DAY], "must start at 0 hours"),
        ([{**PART_DAY, "units": 2}, FULL_DAY], "never pay fewer units"),
        ([PART_DAY, {**FULL_DAY, "from_hours": 0.0}], "strictly increasing"),
    ],
    ids=["not-from-zero", "units-fall", "same-start"],
)
def test_unit_bands_must_cover_the_day_and_never_fall(
    bands: list[dict[str, Any]], reason: str
) -> None:  # BILL-1
    data = raw_pack("arizona")
    data["billing"]["units"]["bands"] = bands
    with pytest.raises(ValidationError, match=reason):
        PolicyPack.model_validate(data)


def test_an_absence_standard_needs_its_period() -> None:  # ATT-8
    data = raw_pack("texas")
    del data["absences"]["period_months"]
    with pytest.raises(ValidationError, match="period_months"):
        PolicyPack.model_validate(data)


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found += _models(candidate)
    return found


@pytest.mark.parametrize("model", _models(PolicyPack), ids=lambda model: model.__name__)
def test_every_field_says_which_rule_it_serves(model: type[BaseModel]) -> None:
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no description"
        assert RULE_ID.search(field.description), f"{model.__name__}.{name} cites no rule"


# Identity


@pytest.mark.parametrize("program", PROGRAMS)
def test_pin_is_eight_digits_and_links_last_a_day(program: str) -> None:
    pack = load_pack(program)
    assert pack.identity.pin_length == 8  # ID-1
    assert pack.identity.pin_link_valid_hours == 24  # ID-3


@pytest.mark.parametrize("program", PROGRAMS)
def test_a_device_locks_after_five_failures_in_fifteen_minutes(program: str) -> None:
    lockout = load_pack(program).identity.device_lockout  # ID-2 (architecture rule 6)
    assert (lockout.max_failures, lockout.window_minutes, lockout.locked_minutes) == (5, 15, 15)


def test_credentials_follow_the_program() -> None:
    assert colorado.identity.credential is Credential.pin  # ID-4
    assert california.identity.credential is Credential.pin  # ID-4
    assert arizona.identity.credential is Credential.phone_pin  # ID-6 arizona phone credential
    assert texas.identity.credential is Credential.card_pin  # ID-9 texas card credential


def test_arizona_sponsors_have_ten_digit_phones() -> None:  # ID-6
    assert arizona.identity.sponsor_phone_digits == 10
    assert texas.identity.sponsor_phone_digits is None


def test_only_texas_has_a_lost_card_allowance() -> None:  # ID-9
    assert texas.identity.lost_card_zday_allowance_days is not None
    assert texas.identity.lost_card_zday_allowance_days > 0
    for pack in (colorado, california, arizona):
        assert pack.identity.lost_card_zday_allowance_days is None


def test_texas_allows_three_secondary_cardholders() -> None:  # ID-5 texas 3 delegates
    delegates = texas.identity.delegates
    assert delegates.max_count == 3
    assert delegates.min_age_years == 16
    assert delegates.parents_exempt_from_min_age
    assert set(delegates.barred_staff_roles) == set(FACILITY_LEADERS)


@pytest.mark.parametrize("program", ["colorado", "california", "arizona"])
def test_other_programs_set_no_delegate_limit(program: str) -> None:  # ID-5
    delegates = load_pack(program).identity.delegates
    assert delegates.max_count is None
    assert StaffRole.admin not in delegates.barred_staff_roles
    assert set(delegates.barred_staff_roles) == set(FACILITY_LEADERS)


# Attendance


def test_colorado_pending_window_is_nine_days() -> None:  # ATT-2
    assert colorado.attendance.pending_window_days == 9


def test_pending_deadline_counts_weekends() -> None:  # ATT-2
    created = date(2026, 11, 6)  # a Friday
    assert colorado.pending_deadline(created) == date(2026, 11, 15)


@pytest.mark.parametrize("program", PROGRAMS)
@given(created=st.dates())
def test_pending_deadline_is_the_window_in_calendar_days(program: str, created: date) -> None:
    pack = load_pack(program)  # ATT-2, ATT-3
    try:
        deadline = pack.pending_deadline(created)
    except OverflowError:
        return  # past year 9999
    assert deadline - created == timedelta(days=pack.attendance.pending_window_days)


@pytest.mark.parametrize("program", PROGRAMS)
def test_automatic_checkout_is_at_11_59_pm(program: str) -> None:  # ATT-3
    assert load_pack(program).attendance.automatic_checkout_at == time(23, 59)


@pytest.mark.parametrize("program", PROGRAMS)
def test_a_late_kiosk_tap_has_a_limit(program: str) -> None:  # ATT-1
    attendance = load_pack(program).attendance
    assert 0 < attendance.offline_tap_max_delay_hours < 24 * attendance.pending_window_days


def test_arizona_corrections_close_before_the_next_day_of_care() -> None:  # ATT-5
    assert arizona.attendance.correction_window is CorrectionWindow.before_next_care_day


@pytest.mark.parametrize("program", PROGRAMS)
def test_a_tap_at_a_provider_on_hold_is_kept(program: str) -> None:  # AUTH-3
    assert load_pack(program).attendance.on_hold_tap is OnHoldTap.record_flagged


def test_only_california_needs_an_attested_monthly_record() -> None:  # ATT-9
    assert california.attendance.monthly_record_attested
    assert not any(p.attendance.monthly_record_attested for p in (colorado, arizona, texas))


# Absences


def test_only_texas_counts_zdays() -> None:  # ATT-7
    assert texas.absences.zdays
    assert not any(p.absences.zdays for p in (colorado, california, arizona))


def test_texas_allows_65_absences_per_eligibility_period() -> None:  # ATT-8 texas 65 absences
    absences = texas.absences
    assert absences.standard == 65
    assert absences.period_months == 12
    assert set(absences.excepted_kinds) == set(AbsenceExceptionKind)
    assert absences.protective_services_excepted


@pytest.mark.parametrize("program", ["colorado", "california", "arizona"])
def test_other_programs_set_no_absence_standard(program: str) -> None:  # ATT-8
    assert load_pack(program).absences.standard is None


# Billing


def test_each_program_has_its_claim_method() -> None:  # BILL-1, BILL-6, BILL-7
    assert colorado.billing.claim_method is ClaimMethod.attendance_days
    assert california.billing.claim_method is ClaimMethod.certified_schedule_or_actual_hours
    assert arizona.billing.claim_method is ClaimMethod.arizona_units
    assert texas.billing.claim_method is ClaimMethod.twist_days
    assert (colorado.billing.claim_unit, california.billing.claim_unit) == (
        ClaimUnit.day,
        ClaimUnit.hour,
    )
    assert (arizona.billing.claim_unit, texas.billing.claim_unit) == (ClaimUnit.unit, ClaimUnit.day)


def test_arizona_submission_deadline_is_ten_days() -> None:  # BILL-1 arizona deadline 10 days
    assert arizona.billing.submission_deadline_days == 10


def test_arizona_billing_time_limit_is_nine_months() -> None:  # BILL-5 9 months
    assert arizona.billing.time_limit_months == 9


def test_only_arizona_needs_attendance_for_paid_absences() -> None:  # BILL-3
    assert arizona.billing.paid_absences_need_attendance
    assert not any(p.billing.paid_absences_need_attendance for p in (colorado, california, texas))


def test_texas_variable_schedule_offset_is_eight() -> None:  # BILL-6 offset 8
    assert texas.billing.twist is not None
    assert texas.billing.twist.threshold_offset_days == 8
    assert texas.billing.twist.paid_holidays_count_as_present


def test_california_certified_hours() -> None:  # BILL-7
    certified = california.billing.certified_hours
    assert certified is not None
    assert Decimal(0) < certified.broadly_consistent_tolerance < Decimal(1)
    assert certified.actual_hours_provider_types == (ProviderType.license_exempt,)
    assert certified.capped_by_invoice


def test_california_draws_ten_percent_for_rate_checks() -> None:  # BILL-10
    assert california.billing.rate_verification_fraction == Decimal("0.10")
    for pack in (colorado, arizona, texas):
        assert pack.billing.rate_verification_fraction is None


@pytest.mark.parametrize("program", PROGRAMS)
def test_rules_shared_by_every_program(program: str) -> None:
    pack = load_pack(program)
    assert not pack.billing.expired_pending_paid  # ATT-2: expired pending is not paid
    assert pack.billing.age_read_on is AgeReadOn.first_day_of_month  # AUTH-4
    assert set(pack.notify.languages) == {Language.en, Language.es}  # NOT-1


# Arizona units (BILL-1)


@pytest.mark.parametrize(
    ("hours", "units"),
    [(0, Decimal(0)), (0.25, Decimal("0.5")), (5.99, Decimal("0.5")), (6, Decimal(1)), (24, 1)],
)
def test_arizona_units_by_hours_attended(hours: float, units: Decimal) -> None:  # BILL-1
    assert arizona.units_for_hours(hours) == units


@given(shorter=hours_in_a_day, longer=hours_in_a_day)
def test_arizona_units_never_fall_with_more_hours(shorter: float, longer: float) -> None:  # BILL-1
    shorter, longer = sorted((shorter, longer))
    assert arizona.units_for_hours(shorter) <= arizona.units_for_hours(longer)


@given(hours=st.floats(min_value=0, max_value=24, exclude_min=True))
def test_arizona_units_cover_every_duration_in_a_day(hours: float) -> None:  # BILL-1, BILL-3
    assert arizona.units_for_hours(hours) > 0


@given(hours=st.floats(allow_nan=False).filter(lambda hours: not 0 <= hours <= 24))
def test_arizona_units_refuse_impossible_durations(hours: float) -> None:  # BILL-1
    with pytest.raises(ValueError, match=r"within 0\.\.24"):
        arizona.units_for_hours(hours)


@pytest.mark.parametrize("program", ["colorado", "california", "texas"])
def test_programs_without_units_refuse_a_unit_count(program: str) -> None:  # BILL-1
    with pytest.raises(ValueError, match="units"):
        load_pack(program).units_for_hours(8)
