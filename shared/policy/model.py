"""The shape of a policy pack: every number and switch that differs by program.

Services read these values instead of asking which state they run for
(architecture rule 3). Each field's docstring names the rule it comes from;
the pack files under `packs/` say which seed gave each value. Models are frozen
and refuse unknown keys, so a typo in a pack file fails at load time, not in
the middle of a billing run.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

HOURS_IN_DAY = 24


class Section(BaseModel):
    """A part of a pack: immutable, strict about its keys, documented per field."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Credential(StrEnum):
    """What an adult presents at a kiosk (contract: kiosk requests)."""

    pin = "pin"
    phone_pin = "phone_pin"
    card_pin = "card_pin"


class StaffRole(StrEnum):
    """Facility staff roles named in `eligibility.provider` records."""

    owner = "owner"
    director = "director"
    assistant_director = "assistant_director"
    admin = "admin"


class ProviderType(StrEnum):
    """Provider types named in `eligibility.provider` records."""

    center = "center"
    group_home = "group_home"
    family_home = "family_home"
    license_exempt = "license_exempt"


class AbsenceExceptionKind(StrEnum):
    """Documented reasons an absence is not counted (ATT-8)."""

    chronic_illness = "chronic_illness"
    disability = "disability"
    court_ordered_visitation = "court_ordered_visitation"


class CorrectionWindow(StrEnum):
    """Until when a provider may correct a record the parent did not sign (ATT-5)."""

    before_next_care_day = "before_next_care_day"
    until_month_submitted = "until_month_submitted"


class OnHoldTap(StrEnum):
    """What a tap at a provider on hold does (AUTH-3)."""

    refuse = "refuse"
    record_flagged = "record_flagged"


class ClaimMethod(StrEnum):
    """How a month of attendance becomes a claim (BILL-1..BILL-7)."""

    attendance_days = "attendance_days"
    certified_schedule_or_actual_hours = "certified_schedule_or_actual_hours"
    arizona_units = "arizona_units"
    twist_days = "twist_days"
    enrollment = "enrollment"


class ClaimUnit(StrEnum):
    """The unit of a claim line (contract: `billing.claim.get`)."""

    day = "day"
    hour = "hour"
    unit = "unit"


class AgeReadOn(StrEnum):
    """Which day of a month a child's age is read on (AUTH-4)."""

    first_day_of_month = "first_day_of_month"


class Language(StrEnum):
    """Languages a message can be written in (NOT-1)."""

    en = "en"
    es = "es"


class DeviceLockout(Section):
    """Locks a kiosk that guesses PINs (ID-2; architecture rule 6)."""

    max_failures: int = Field(ge=1)
    """ID-2 (architecture rule 6): failed sign-ins from one device that trigger a lock."""
    window_minutes: int = Field(ge=1)
    """ID-2 (architecture rule 6): the failures must fall within this many minutes."""
    locked_minutes: int = Field(ge=1)
    """ID-2 (architecture rule 6): how long the device then stays locked (`device_locked`)."""


class DelegatePolicy(Section):
    """Who a parent may add to check the children in and out (ID-5)."""

    max_count: int | None = Field(default=None, ge=0)
    """ID-5: delegates per parent; absent means no limit."""
    min_age_years: int = Field(ge=0)
    """ID-5: youngest age a delegate may be (`delegate_too_young`)."""
    parents_exempt_from_min_age: bool
    """ID-5: a parent of the child may be a delegate below the minimum age."""
    barred_staff_roles: tuple[StaffRole, ...]
    """ID-5: facility roles that may never be a delegate (`delegate_is_facility_staff`)."""


class IdentityPolicy(Section):
    """Credentials and who may use them (services/identity)."""

    credential: Credential
    """ID-6, ID-9: what an adult presents at a kiosk with the PIN."""
    pin_length: int = Field(ge=4)
    """ID-1: digits in a PIN."""
    pin_link_valid_hours: int = Field(ge=1)
    """ID-3: hours a SET PIN link works after issue."""
    sponsor_phone_digits: int | None = Field(default=None, ge=1)
    """ID-6: digits of the phone number that identifies a sponsor; absent without phones."""
    lost_card_zday_allowance_days: int | None = Field(default=None, ge=0)
    """ID-9, ATT-7: Z-days after a lost card that are not counted; absent without cards."""
    device_lockout: DeviceLockout
    """ID-2: kiosk lock after repeated failures."""
    delegates: DelegatePolicy
    """ID-5: limits on delegates / secondary cardholders."""


class AttendancePolicy(Section):
    """Recording attendance (services/attendance)."""

    pending_window_days: int = Field(ge=1)
    """ATT-2, ATT-3: calendar days (weekends included) a parent has to act on a pending record."""
    automatic_checkout_at: time
    """ATT-3: local time at which a child still checked in is checked out as pending."""
    offline_tap_max_delay_hours: int = Field(ge=0)
    """ATT-1: how long after it happened a kiosk tap may arrive before it is refused."""
    correction_window: CorrectionWindow
    """ATT-5: until when a provider may correct a record the parent did not sign."""
    on_hold_tap: OnHoldTap
    """AUTH-3: `refuse` answers `provider_not_active`; `record_flagged` keeps it unpaid."""
    monthly_record_attested: bool
    """ATT-9: a monthly record attested by provider and parent is required."""


class AbsencePolicy(Section):
    """Absences, Z-days and the absence standard (ATT-7, ATT-8)."""

    zdays: bool
    """ATT-7: an authorized care day with no attendance at all counts as a paid absence."""
    standard: int | None = Field(default=None, ge=0)
    """ATT-8: absences allowed per eligibility period; more makes the child ineligible."""
    period_months: int | None = Field(default=None, ge=1)
    """ATT-8: length of the eligibility period the standard is counted over."""
    excepted_kinds: tuple[AbsenceExceptionKind, ...] = ()
    """ATT-8: documented absence kinds that are not counted."""
    protective_services_excepted: bool = False
    """ATT-8: absences under a protective-services authorization are not counted."""

    @model_validator(mode="after")
    def _standard_has_a_period(self) -> Self:
        if (self.standard is None) != (self.period_months is None):
            raise ValueError("absences.standard and absences.period_months go together (ATT-8)")
        return self


class UnitBand(Section):
    """Units paid for a day from `from_hours` attended up to the next band (BILL-1)."""

    name: str = Field(min_length=1)
    """BILL-1: the band's name on reports, e.g. `full_day`."""
    from_hours: float = Field(ge=0, lt=HOURS_IN_DAY)
    """BILL-1: hours attended from which this band applies (inclusive)."""
    units: Decimal = Field(ge=0)
    """BILL-1: units paid for a day in this band."""


class UnitsPolicy(Section):
    """Arizona units: hours attended in a day map to units by bands (BILL-1, BILL-3)."""

    bands: tuple[UnitBand, ...] = Field(min_length=1)
    """BILL-1: bands by hours attended, the first from 0 hours, units never falling."""

    @model_validator(mode="after")
    def _bands_cover_the_day(self) -> Self:
        starts = [band.from_hours for band in self.bands]
        units = [band.units for band in self.bands]
        if starts[0] != 0:
            raise ValueError("the first unit band must start at 0 hours")
        if any(later <= earlier for earlier, later in pairwise(starts)):
            raise ValueError("unit bands must start at strictly increasing hours")
        if any(later < earlier for earlier, later in pairwise(units)):
            raise ValueError("more hours must never pay fewer units")
        return self

    def for_hours(self, hours: float) -> Decimal:
        """Units for one day of `hours` attended; no time attended pays nothing."""
        if not 0 <= hours <= HOURS_IN_DAY:
            raise ValueError(f"hours attended in a day must be within 0..24, got {hours}")
        if hours == 0:
            return Decimal(0)
        return next(band.units for band in reversed(self.bands) if band.from_hours <= hours)


class TwistPolicy(Section):
    """Texas TWIST claim for variable schedules (BILL-6)."""

    threshold_offset_days: int = Field(ge=0)
    """BILL-6: the 8 in "D − 8" (days in the month minus this)."""
    paid_holidays_count_as_present: bool
    """BILL-6: P = days present plus paid holidays."""


class CertifiedHoursPolicy(Section):
    """California certified hours (BILL-7)."""

    broadly_consistent_tolerance: Decimal = Field(ge=0, le=1)
    """BILL-7: share by which attended hours may fall short of the certified ones and still be
    paid by the certified schedule."""
    actual_hours_provider_types: tuple[ProviderType, ...]
    """BILL-7: provider types always paid by actual days and hours (e.g. license_exempt)."""
    capped_by_invoice: bool
    """BILL-7: the amount is the lesser of the reimbursement ceiling and the provider invoice."""


class BillingPolicy(Section):
    """Turning attendance into claims (services/billing)."""

    claim_method: ClaimMethod
    """BILL-1, BILL-6, BILL-7: how a month of attendance becomes a claim."""
    claim_unit: ClaimUnit
    """BILL-9: the unit of a claim line."""
    submission_deadline_days: int = Field(ge=0)
    """BILL-1: calendar days after the month's last day to review and submit."""
    time_limit_months: int = Field(ge=1)
    """BILL-5: months after the service month after which no bill is accepted."""
    paid_absences_need_attendance: bool
    """BILL-3: a paid absence needs an attendance unit in the same authorization period."""
    expired_pending_paid: bool
    """ATT-2: whether an expired pending record is paid through the system."""
    age_read_on: AgeReadOn
    """AUTH-4, BILL-4: the day a child's age is read for the provider's age range."""
    rate_verification_fraction: Decimal | None = Field(default=None, gt=0, le=1)
    """BILL-10: share of licensed providers drawn once a year for rate checks."""
    units: UnitsPolicy | None = None
    """BILL-1, BILL-3: unit bands; present exactly when the method is `arizona_units`."""
    twist: TwistPolicy | None = None
    """BILL-6: present exactly when the method is `twist_days`."""
    certified_hours: CertifiedHoursPolicy | None = None
    """BILL-7: present exactly when the method is `certified_schedule_or_actual_hours`."""

    @model_validator(mode="after")
    def _method_has_its_parameters(self) -> Self:
        needs = {
            "units": ClaimMethod.arizona_units,
            "twist": ClaimMethod.twist_days,
            "certified_hours": ClaimMethod.certified_schedule_or_actual_hours,
        }
        for section, method in needs.items():
            present = getattr(self, section) is not None
            if present != (self.claim_method == method):
                raise ValueError(
                    f"billing.{section} is given exactly when claim_method is {method}"
                )
        return self


class NotifyPolicy(Section):
    """Messages to adults and providers (services/notify)."""

    languages: tuple[Language, ...] = Field(min_length=1)
    """NOT-1: languages messages are offered in, by the adult's preference."""


class PolicyPack(Section):
    """Everything that differs by program, read from `packs/<program>.toml`."""

    program: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Architecture rule 3: the pack's name, the same as its file's."""
    title: str = Field(min_length=1)
    """Architecture rule 3: the program's name for people."""
    sources: tuple[str, ...] = Field(min_length=1)
    """Architecture rule 3: the seed documents the values come from."""
    identity: IdentityPolicy
    """ID-1..ID-9."""
    attendance: AttendancePolicy
    """ATT-1..ATT-5, ATT-9, AUTH-3."""
    absences: AbsencePolicy
    """ATT-7, ATT-8."""
    billing: BillingPolicy
    """BILL-1..BILL-10, AUTH-4."""
    notify: NotifyPolicy
    """NOT-1."""

    def pending_deadline(self, created: date) -> date:
        """Last day a parent may act on a pending record (ATT-2): calendar days, weekends too."""
        return created + timedelta(days=self.attendance.pending_window_days)

    def units_for_hours(self, hours: float) -> Decimal:
        """Units paid for one day of `hours` attended (BILL-1; arizona units)."""
        if self.billing.units is None:
            raise ValueError(f"{self.program} does not bill in units")
        return self.billing.units.for_hours(hours)
