"""Events the services publish on JetStream, flat at the top level."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.contract import subjects
from shared.contract.base import ContractModel, Event
from shared.contract.eligibility import AuthorizationRecord, Program, ProviderRecord, ProviderType
from shared.contract.types import (
    AttendanceStatus,
    Channel,
    Code,
    Direction,
    Id,
    Language,
    Month,
)


class MonthAge(ContractModel):
    """A month of care: the child's age on its first day, in whole months, and whether
    the provider's `ages_served` includes it (AUTH-4; BILL-4 pays nothing otherwise)."""

    month: Month
    age_months: Annotated[int, Field(ge=0)]
    served: bool


class AuthorizedAdult(ContractModel):
    """An adult on the authorization's case: who may sign for the child (ATT-6) and
    how to reach them (NOT-1). The attendance card stays with identity."""

    person_id: Id
    first_name: str
    last_name: str
    role: Literal["parent", "delegate"] = "parent"
    language: Language = "en"
    email: str | None = None
    phone: str | None = None


class AuthorizationState(AuthorizationRecord):
    """An authorization as the authorization service holds it: the state's record,
    its provider's program, time zone and type, its case's adults, and what AUTH-3
    and AUTH-4 make of it.

    `status` is `active`, `cancelled` (by the state: it covers no day) or `ended`:
    the provider was terminated or changed type (AUTH-3), so it covers no day after
    `ended_on`. `last_day` is the last day it covers (`null`: none), the one date a
    consumer needs besides `start_date`. Fields beyond the record are filled by the
    authorization service; their defaults only keep older bodies readable.
    """

    status: Literal["active", "ended", "cancelled"]  # type: ignore[assignment]
    revision: Annotated[int, Field(ge=1)] = 1
    """Grows by one with every announcement of this authorization, also when its
    provider or case changes it without a new `version`: keep the highest."""
    program: Program | None = None
    timezone: str | None = None
    provider_type: ProviderType | None = None
    adults: list[AuthorizedAdult] = []
    ended_on: date | None = None
    ended_reason: Literal["provider_terminated", "provider_type_changed"] | None = None
    last_day: date | None = None
    months: list[MonthAge] = []
    """Every month from `start_date` to `last_day`, with the child's age (AUTH-4)."""


class AuthorizationChanged(Event, AuthorizationState):
    """`authorization.changed`: the full new state of an authorization and what changed.

    Carries everything other services need, so none reads authorization's tables
    (architecture rule 1). Announced once the provider and the case are known (an
    authorization that arrives first waits for them), at each newer version, and
    when its provider or case changes what it announces (`revision`).
    """

    subject: ClassVar[str] = "authorization.changed"

    changes: list[str]


# --- authorization ---------------------------------------------------------


class ProviderChanged(Event, ProviderRecord):
    """`authorization.provider_changed`: a provider's full new state and what changed.

    Status and type changes end authorizations (AUTH-3); billing stops paying a
    provider on hold (BILL-8).
    """

    subject: ClassVar[str] = subjects.PROVIDER_CHANGED

    changes: list[str]
    status_since: AwareDatetime | None = None
    """When the provider entered its current status (a hold pays nothing from then)."""


# --- identity --------------------------------------------------------------


class PinSetLinkIssued(Event):
    """`identity.pin_link_issued`: a SET PIN link for an adult, or its reminder (ID-3)."""

    subject: ClassVar[str] = subjects.PIN_LINK_ISSUED

    person_id: Id
    link_token: Id
    expires_at: AwareDatetime
    reminder: bool = False
    first_name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: Language = "en"
    """Who to write to and how: the event carries it so notify needs no lookup."""


class RegistrationCodeIssued(Event):
    """`identity.registration_code_issued`: a one-time code for a provider
    administrator registering (ID-8); only notify reads the IDENTITY stream."""

    subject: ClassVar[str] = "identity.registration_code_issued"

    provider_id: Id
    first_name: str
    last_name: str
    email: str
    code: str
    expires_at: AwareDatetime
    language: Language = "en"


class PinSet(Event):
    """`identity.pin_set`: an adult has set their PIN (ID-1, ID-3). Never carries the PIN."""

    subject: ClassVar[str] = subjects.PIN_SET_EVENT

    person_id: Id


class CardReportedLost(Event):
    """`identity.card_reported_lost`: an adult's attendance card was reported lost
    at `occurred_at` and replaced (ID-9). Attendance starts the lost-card
    allowance of Z-days from it (ATT-7). Carries no card number, old or new."""

    subject: ClassVar[str] = subjects.CARD_REPORTED_LOST

    person_id: Id


# --- attendance ------------------------------------------------------------


class AttendanceEvent(Event):
    """Fields of an attendance record (ATT-1); `occurred_at` is when it happened,
    not when it arrived. Not published by itself."""

    record_id: Id
    provider_id: Id
    child_id: Id
    case_id: Id
    """The one case the record is attributed to (ATT-6)."""
    direction: Direction
    channel: Channel
    status: AttendanceStatus
    device_id: Id | None = None
    person_id: Id | None = None
    """The adult who signed, when one did."""
    operator_id: Id | None = None
    """The provider operator who acted, when one did (ATT-2, ATT-5)."""


class AttendanceRecorded(AttendanceEvent):
    """`attendance.recorded`: a record was created or changed state (ATT-1)."""

    subject: ClassVar[str] = subjects.ATTENDANCE_RECORDED


class PendingAttendanceCreated(AttendanceEvent):
    """`attendance.pending`: a record awaits the parent until `deadline` (ATT-2, ATT-3)."""

    subject: ClassVar[str] = subjects.ATTENDANCE_PENDING

    status: Literal["pending"] = "pending"
    deadline: AwareDatetime


class CheckOutMissing(Event):
    """`attendance.checkout_missing`: a child was checked out automatically at
    11:59 pm on `date` (ATT-3)."""

    subject: ClassVar[str] = subjects.CHECKOUT_MISSING

    record_id: Id
    provider_id: Id
    child_id: Id
    date: date
    case_id: Id | None = None


class AbsenceStandardExceeded(Event):
    """`attendance.absence_standard_exceeded`: a child's counted absences passed the
    standard in the eligibility period; the parent must be contacted (ATT-8)."""

    subject: ClassVar[str] = subjects.ABSENCE_STANDARD_EXCEEDED

    child_id: Id
    case_id: Id
    count: Annotated[int, Field(ge=0)]
    period_start: date
    period_end: date
    standard: Annotated[int, Field(ge=0)] | None = None


# --- billing ---------------------------------------------------------------


class MonthClosed(Event):
    """`billing.month_closed`: a provider's month ended; its billing cycle starts (BILL-1)."""

    subject: ClassVar[str] = subjects.MONTH_CLOSED

    provider_id: Id
    month: Month
    submit_by: date | None = None
    """The last day to submit the month (BILL-1), when the program sets one."""


class ClaimReady(Event):
    """`billing.claim_ready`: a claim is stored in the NATS object store (BILL-9)."""

    subject: ClassVar[str] = subjects.CLAIM_READY

    provider_id: Id
    month: Month
    bucket: Id
    object: Id


class SupplementalReason(StrEnum):
    """Known values of `SupplementalBillRequired.code` (the field stays open)."""

    already_submitted = "already_submitted"  # BILL-2
    absence_without_attendance = "absence_without_attendance"  # BILL-3
    age_out_of_range = "age_out_of_range"  # BILL-4
    time_limit_exceeded = "time_limit_exceeded"  # BILL-5
    provider_on_hold = "provider_on_hold"  # BILL-8
    pending_expired = "pending_expired"  # ATT-2


class SupplementalBillRequired(Event):
    """`billing.supplemental_required`: a child's month goes on a supplemental bill
    (BILL-2..BILL-5); `code` says why."""

    subject: ClassVar[str] = subjects.SUPPLEMENTAL_REQUIRED

    provider_id: Id
    month: Month
    child_id: Id
    authorization_id: Id
    code: Code


# --- notify ----------------------------------------------------------------


class PendingDeadlineApproaching(Event):
    """`attendance.pending_deadline_approaching`: a pending record the parent has
    not acted on, two days before it expires (ATT-2, ATT-3, NOT-2)."""

    subject: ClassVar[str] = "attendance.pending_deadline_approaching"

    record_id: Id
    provider_id: Id
    child_id: Id
    case_id: Id
    deadline: AwareDatetime
    days_left: int


class AttendanceErrorsUnresolved(Event):
    """`attendance.errors_unresolved`: at day end, a provider's records still in
    error (incomplete pair, out of sequence), which block submission (ATT-4, NOT-2)."""

    subject: ClassVar[str] = "attendance.errors_unresolved"

    provider_id: Id
    date: date
    errors: list[dict[str, str]]
    """Each `{child_id, code}`; codes `incomplete_pair` or `out_of_sequence`."""


class MonthSubmitted(Event):
    """`billing.month_submitted`: children whose month the provider submitted (BILL-2).

    Attendance stops changing those days in place: later changes go on a
    supplemental bill.
    """

    subject: ClassVar[str] = "billing.month_submitted"

    provider_id: Id
    month: str
    child_ids: list[Id]


class AttendanceChanged(Event):
    """`attendance.changed`: a record was approved, modified, deleted, corrected or
    expired; the new row replaces the old one, which stays on record (ATT-5)."""

    subject: ClassVar[str] = "attendance.changed"

    record_id: Id
    replaces: Id
    provider_id: Id
    child_id: Id
    case_id: Id
    direction: Literal["in", "out"]
    occurred_at: AwareDatetime
    status: Literal["confirmed", "pending", "expired", "deleted"]
    change: Literal["approved", "modified", "deleted", "corrected", "expired"]
    by: str
    """The person, operator or `system` that made the change."""
    reason: str | None = None


class AbsenceRecorded(Event):
    """`attendance.absence`: a reported absence or a Z-day (ATT-7)."""

    subject: ClassVar[str] = "attendance.absence"

    provider_id: Id
    child_id: Id
    case_id: Id
    authorization_id: Id
    date: date
    kind: Literal["reported", "zday"]
    reason: str
    counts_as_absence: bool


class MonthAttested(Event):
    """`attendance.month_attested`: a provider or parent attested a child's monthly
    record (ATT-9)."""

    subject: ClassVar[str] = "attendance.month_attested"

    provider_id: Id
    child_id: Id
    month: str
    by_role: Literal["provider", "parent"]
    by: str


class SubmissionDeadlineApproaching(Event):
    """`billing.submission_deadline_approaching`: a month not yet submitted, near
    its deadline (BILL-1, NOT-2)."""

    subject: ClassVar[str] = "billing.submission_deadline_approaching"

    provider_id: Id
    month: str
    deadline: date
    days_left: int


class NotificationSent(Event):
    """`notify.sent`: a message went out, to an adult or a provider (NOT-1..NOT-3)."""

    subject: ClassVar[str] = subjects.NOTIFICATION_SENT

    notification_id: Id
    person_id: Id | None = None
    provider_id: Id | None = None
    kind: Code
    channel: Literal["email", "sms", "app"] = "email"
    language: Language

    @model_validator(mode="after")
    def _has_recipient(self) -> NotificationSent:
        if self.person_id is None and self.provider_id is None:
            raise ValueError("person_id or provider_id is required")
        return self


EVENT_TYPES: tuple[type[Event], ...] = (
    AuthorizationChanged,
    ProviderChanged,
    PinSetLinkIssued,
    PinSet,
    RegistrationCodeIssued,
    CardReportedLost,
    AttendanceRecorded,
    PendingAttendanceCreated,
    CheckOutMissing,
    AbsenceStandardExceeded,
    MonthClosed,
    ClaimReady,
    SupplementalBillRequired,
    PendingDeadlineApproaching,
    AttendanceErrorsUnresolved,
    AttendanceChanged,
    AbsenceRecorded,
    MonthAttested,
    MonthSubmitted,
    SubmissionDeadlineApproaching,
    NotificationSent,
)
"""Every event the services publish."""

EVENTS_BY_SUBJECT: dict[str, type[Event]] = {cls.subject: cls for cls in EVENT_TYPES}
"""The event class for each subject."""

if len(EVENTS_BY_SUBJECT) != len(EVENT_TYPES):  # pragma: no cover - a programming error
    raise RuntimeError("two event classes share a subject")
