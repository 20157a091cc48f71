"""Records pushed by the state eligibility system on `eligibility.>` (AUTH-1).

Each record has a `version` that grows with every change of that record; a
version already seen, or older, changes nothing.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, Field, WithJsonSchema, model_validator
from pydantic.networks import validate_email

from shared.contract.base import ContractModel

SOURCE_HEADER = "Ccats-Source"
"""Optional header naming who sent a record (`ccats import` sets file and line); kept
with every version received (AUTH-1)."""

Program = Literal["colorado", "california", "arizona", "texas"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]
Version = Annotated[int, Field(ge=1)]

_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)


def email_address(value: str) -> str:
    """An email address as pydantic's `EmailStr` validates and normalizes it.

    `EmailStr` runs `email_validator` in Python (~40 µs an address, most of a case's
    decoding in a nightly file); the plain ASCII addresses that are nearly all of
    them are checked here by one compiled pattern, and their domain lower-cased as
    `email_validator` does. Anything else (spaces, Unicode, a name around it, a
    special-use domain, a `--` in the domain) goes to `validate_email`, whose error
    says why it is refused. `tests/unit/test_eligibility_email.py` holds the two
    to the same answers.
    """
    plain = _PLAIN_EMAIL.fullmatch(value)
    if plain is not None and len(value) <= 254 and len(plain["local"]) <= 64:
        domain = plain["domain"].lower()
        if "--" not in domain and not any(
            domain == name or domain.endswith("." + name) for name in _SPECIAL_USE
        ):
            return f"{plain['local']}@{domain}"
    return validate_email(value)[1]


Email = Annotated[
    str, AfterValidator(email_address), WithJsonSchema({"type": "string", "format": "email"})
]
"""An email address, refused with `email_validator`'s reason (AsyncAPI: `format: email`)."""


class EligibilityRecord(ContractModel):
    """Common to the three records: the version, and an optional id for dedup."""

    version: Version
    event_id: UUID | None = None


# --- providers -------------------------------------------------------------


class ProviderType(StrEnum):
    center = "center"
    group_home = "group_home"
    family_home = "family_home"
    license_exempt = "license_exempt"


class ProviderStatus(StrEnum):
    active = "active"
    hold = "hold"
    terminated = "terminated"


class AgesServed(ContractModel):
    min_months: Annotated[int, Field(ge=0)]
    max_months: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> AgesServed:
        if self.max_months < self.min_months:
            raise ValueError("max_months is below min_months")
        return self


class StaffMember(ContractModel):
    first_name: NonEmpty
    last_name: NonEmpty
    email: Email | None = None
    role: Literal["owner", "director", "assistant_director", "admin"]


class Rate(ContractModel):
    care_level: Literal["full_time", "part_time"]
    unit: Literal["day", "hour", "unit"]
    amount: Annotated[float, Field(ge=0)]


class ProviderRecord(EligibilityRecord):
    """`eligibility.provider`."""

    provider_id: NonEmpty
    name: NonEmpty
    program: Program
    type: ProviderType
    status: ProviderStatus
    timezone: NonEmpty
    ages_served: AgesServed
    email: Email | None = None
    staff: list[StaffMember] = []
    rates: list[Rate] = []
    paid_holidays: list[date] = []

    @model_validator(mode="after")
    def _known_timezone(self) -> ProviderRecord:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


# --- cases -----------------------------------------------------------------


class Adult(ContractModel):
    person_id: NonEmpty
    first_name: NonEmpty
    last_name: NonEmpty
    email: Email | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9]{10,15}$")] | None = None
    birth_date: date | None = None
    language: Literal["en", "es"] = "en"
    role: Literal["parent", "delegate"] = "parent"
    card_number: Annotated[str, Field(min_length=4, max_length=32)] | None = None


class CaseRecord(EligibilityRecord):
    """`eligibility.case`."""

    case_id: NonEmpty
    adults: list[Adult] = []


# --- authorizations --------------------------------------------------------


class Child(ContractModel):
    child_id: NonEmpty
    first_name: NonEmpty
    last_name: NonEmpty
    birth_date: date


class Schedule(ContractModel):
    """The certified schedule: fixed days and hours, or variable (BILL-6, BILL-7)."""

    kind: Literal["fixed", "variable"]
    days: list[Weekday] = []
    hours_per_week: Annotated[float, Field(ge=0, le=168)] | None = None
    max_days_per_month: Annotated[int, Field(ge=0, le=31)] | None = None
    max_hours_per_month: Annotated[float, Field(ge=0, le=744)] | None = None


class AbsenceException(ContractModel):
    """A documented reason whose absences are not counted (ATT-8)."""

    kind: Literal["chronic_illness", "disability", "court_ordered_visitation"]
    from_: date = Field(alias="from")
    to: date

    model_config = ContractModel.model_config | {"populate_by_name": True}


class AuthorizationRecord(EligibilityRecord):
    """`eligibility.authorization`."""

    authorization_id: NonEmpty
    case_id: NonEmpty
    child: Child
    provider_id: NonEmpty
    start_date: date
    end_date: date
    status: Literal["active", "cancelled"]
    schedule: Schedule
    care_level: Literal["full_time", "part_time"]
    protective_services: bool = False
    absence_exceptions: list[AbsenceException] = []

    @model_validator(mode="after")
    def _period_in_order(self) -> AuthorizationRecord:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


# --- nightly file ----------------------------------------------------------


class ProviderLine(ProviderRecord):
    record: Literal["provider"]


class CaseLine(CaseRecord):
    record: Literal["case"]


class AuthorizationLine(AuthorizationRecord):
    record: Literal["authorization"]


EligibilityLine = Annotated[
    ProviderLine | CaseLine | AuthorizationLine, Field(discriminator="record")
]
"""One line of the nightly JSON Lines file: a record and its kind."""
