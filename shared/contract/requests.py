"""Requests (NATS request/reply) of the contract, and the answers it spells out.

Each request class names its subscription `subject` (with `*` for the scope of
scoped subjects: the scope itself is read from the subject, never from the body)
and its `reply_type`. A PIN is a `SecretStr`: it is hidden in a repr, a str, a
validation error and a dump; `Request.to_wire()` is the one explicit way to write
it in clear, for a client sending the request. Report a `ValidationError` with
`errors(include_input=False)` or `str(exc)`: the input of a refused request may
hold the PIN.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from shared.contract import subjects
from shared.contract.base import ContractModel
from shared.contract.eligibility import NonEmpty, Program
from shared.contract.replies import OkReply
from shared.contract.types import (
    REVEAL_SECRETS,
    AttendanceStatus,
    CardNumber,
    Code,
    Direction,
    Id,
    Language,
    LocalTime,
    Month,
    Phone,
    Pin,
    ScopeId,
)

Units = Annotated[float, Field(ge=0)]
Money = Annotated[float, Field(ge=0)]


class Request(ContractModel):
    """A request body. Inputs are left out of validation errors (they may hold a PIN)."""

    model_config = ContractModel.model_config | {"hide_input_in_errors": True}

    subject: ClassVar[str]
    """The subject, or the subscription pattern of a scoped subject."""
    reply_type: ClassVar[type[OkReply]] = OkReply
    """The model of a successful answer."""

    def to_wire(self) -> bytes:
        """The JSON body to send, secrets revealed: the only place a PIN is written."""
        return self.model_dump_json(by_alias=True, context={REVEAL_SECRETS: True}).encode()


def _unique(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} holds a duplicate")


# --- adults ----------------------------------------------------------------


class PinSetRequest(Request):
    """`identity.pin.set`: set a PIN with a SET PIN link (ID-1, ID-2, ID-3)."""

    subject: ClassVar[str] = subjects.PIN_SET

    link_token: Id
    pin: Pin
    pin_confirm: Pin


# --- kiosks and apps -------------------------------------------------------


class Credential(Request):
    """What an adult types at a kiosk: `pin` alone (colorado, california), `phone` and
    `pin` (arizona, ID-6), or `card` and `pin` (texas). The provider's policy pack
    decides which form it takes (ID-4)."""

    pin: Pin
    phone: Phone | None = None
    card: CardNumber | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Credential:
        if self.phone is not None and self.card is not None:
            raise ValueError("send a phone or a card with the PIN, not both")
        return self


class SigninAdult(ContractModel):
    person_id: Id
    first_name: NonEmpty


class SigninChild(ContractModel):
    child_id: Id
    first_name: NonEmpty
    checked_in: bool


class SigninReply(OkReply):
    """The adult and the children they may check in or out here (ID-4, AUTH-2)."""

    adult: SigninAdult
    children: list[SigninChild]


class KioskSigninRequest(Credential):
    """`kiosk.<provider_id>.signin` (ID-4)."""

    subject: ClassVar[str] = subjects.KIOSK_SIGNIN_ALL
    reply_type: ClassVar[type[OkReply]] = SigninReply

    device_id: Id


class TapRecord(ContractModel):
    child_id: Id
    record_id: Id
    status: Literal["confirmed", "pending"]


class TapReply(OkReply):
    """One record per child; resending the same `event_id` returns the first answer."""

    records: list[TapRecord]


class KioskTapRequest(Credential):
    """`kiosk.<provider_id>.tap`: check children in or out (ATT-1). `occurred_at` is
    when the tap happened: an offline kiosk may send it hours later."""

    subject: ClassVar[str] = subjects.KIOSK_TAP_ALL
    reply_type: ClassVar[type[OkReply]] = TapReply

    event_id: UUID
    device_id: Id
    child_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    direction: Direction
    occurred_at: AwareDatetime
    channel: Literal["kiosk", "app", "ivr"] = "kiosk"
    """ATT-1: a kiosk, the phone app scanning the provider's QR code, or a phone call (IVR)."""

    @model_validator(mode="after")
    def _children_once(self) -> KioskTapRequest:
        _unique(self.child_ids, "child_ids")
        return self


# --- provider operators ----------------------------------------------------


class RecordReply(OkReply):
    """The record written by a provider: pending until the parent acts (ATT-2, ATT-5)."""

    record_id: Id
    status: AttendanceStatus
    deadline: AwareDatetime | None = None


class AttendanceRecordRequest(Request):
    """`provider.<provider_id>.attendance.record`: a check-in or out on the parent's
    behalf, or keyed from a paper sheet (ATT-1, ATT-2); `case_id` picks the case when
    the child has two (ATT-6)."""

    subject: ClassVar[str] = subjects.provider_pattern(subjects.ATTENDANCE_RECORD)
    reply_type: ClassVar[type[OkReply]] = RecordReply

    event_id: UUID
    operator_id: Id
    child_id: Id
    direction: Direction
    occurred_at: AwareDatetime
    channel: Literal["provider", "paper"]
    case_id: Id | None = None


class AttendanceCorrectRequest(Request):
    """`provider.<provider_id>.attendance.correct`: a new time for a record, kept beside
    the old one with who, when and why (ATT-5)."""

    subject: ClassVar[str] = subjects.provider_pattern(subjects.ATTENDANCE_CORRECT)
    reply_type: ClassVar[type[OkReply]] = RecordReply

    event_id: UUID
    operator_id: Id
    record_id: Id
    occurred_at: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class ImportRecord(ContractModel):
    """One day of one child from the provider's software; `in`/`out` are local `HH:MM`."""

    model_config = ContractModel.model_config | {
        "populate_by_name": True,
        "serialize_by_alias": True,
    }

    record_key: Id
    child_id: Id
    case_id: Id | None = None
    date: date
    in_: LocalTime = Field(alias="in")
    out: LocalTime | None = None


class ImportRefusal(ContractModel):
    record_key: Id
    code: Code


class ImportReply(OkReply):
    accepted: list[str]
    refused: list[ImportRefusal]


class AttendanceImportRequest(Request):
    """`provider.<provider_id>.attendance.import` (approved CCMS): records count as
    signed by the provider's software; each `record_key` is applied once, ever."""

    subject: ClassVar[str] = subjects.provider_pattern(subjects.ATTENDANCE_IMPORT)
    reply_type: ClassVar[type[OkReply]] = ImportReply

    event_id: UUID
    operator_id: Id
    source: NonEmpty
    records: Annotated[list[ImportRecord], Field(min_length=1, max_length=5000)]


class SubmitRefusal(ContractModel):
    child_id: Id
    code: Code
    days: list[date] = Field(default_factory=list)
    """The days with the problem (an attendance error, a pending record), when it has days."""


class SubmitReply(OkReply):
    submitted: list[str]
    refused: list[SubmitRefusal]


class ChildInvoice(ContractModel):
    """What the provider invoices for a child's month (BILL-7: the claim pays the lesser
    of the reimbursement ceiling and the invoice)."""

    child_id: Id
    amount: Money


class MonthSubmitRequest(Request):
    """`provider.<provider_id>.month.submit`: submit each child's month once (BILL-1,
    BILL-2); attendance with errors is refused (ATT-4)."""

    subject: ClassVar[str] = subjects.provider_pattern(subjects.MONTH_SUBMIT)
    reply_type: ClassVar[type[OkReply]] = SubmitReply

    event_id: UUID
    operator_id: Id
    month: Month
    invoices: Annotated[list[ChildInvoice], Field(max_length=5000)] = Field(default_factory=list)


# --- parents ---------------------------------------------------------------


class PendingRecord(ContractModel):
    record_id: Id
    child_id: Id
    provider_id: Id
    direction: Direction
    occurred_at: AwareDatetime
    status: AttendanceStatus
    deadline: AwareDatetime
    automatic: bool = False
    """A check-out the system made at 11:59 pm (ATT-3): modify it with the real time."""


class PendingListReply(OkReply):
    records: list[PendingRecord]


class PendingListRequest(Request):
    """`parent.<person_id>.pending.list`: the records still waiting for this adult (ATT-2)."""

    subject: ClassVar[str] = subjects.parent_pattern(subjects.PENDING_LIST)
    reply_type: ClassVar[type[OkReply]] = PendingListReply


class PendingResolveRequest(Request):
    """`parent.<person_id>.pending.resolve`: approve, modify (with the real time) or
    delete a pending record (ATT-2, ATT-3)."""

    subject: ClassVar[str] = subjects.parent_pattern(subjects.PENDING_RESOLVE)

    event_id: UUID
    record_id: Id
    action: Literal["approve", "modify", "delete"]
    occurred_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _modify_has_time(self) -> PendingResolveRequest:
        if self.action == "modify" and self.occurred_at is None:
            raise ValueError("modify needs occurred_at")
        return self


class NewDelegate(ContractModel):
    """An adult a parent allows to check the children in and out (ID-5)."""

    first_name: NonEmpty
    last_name: NonEmpty
    birth_date: date
    email: EmailStr | None = None
    phone: Phone | None = None
    language: Language


class DelegateAddReply(OkReply):
    """The new delegate's id; they then get a SET PIN link (ID-3). Where the
    children's program uses cards (texas), the secondary cardholder's new card."""

    person_id: Id
    card_number: CardNumber | None = None


class DelegatesAddRequest(Request):
    """`parent.<person_id>.delegates.add` (ID-5)."""

    subject: ClassVar[str] = subjects.parent_pattern(subjects.DELEGATES_ADD)
    reply_type: ClassVar[type[OkReply]] = DelegateAddReply

    event_id: UUID
    delegate: NewDelegate
    child_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _children_once(self) -> DelegatesAddRequest:
        _unique(self.child_ids, "child_ids")
        return self


class DelegatesRemoveRequest(Request):
    """`parent.<person_id>.delegates.remove` (ID-5)."""

    subject: ClassVar[str] = subjects.parent_pattern(subjects.DELEGATES_REMOVE)

    event_id: UUID
    person_id: Id


class CardReportLostReply(OkReply):
    """The replacement card; the old one stops working at once (ID-9)."""

    card_number: CardNumber


class CardReportLostRequest(Request):
    """`parent.<person_id>.card.report_lost` (texas, ID-9)."""

    subject: ClassVar[str] = subjects.parent_pattern(subjects.CARD_REPORT_LOST)
    reply_type: ClassVar[type[OkReply]] = CardReportLostReply

    event_id: UUID


# --- operations ------------------------------------------------------------

SERVICE_NAMES = ("identity", "authorization", "attendance", "billing", "notify")


class ServiceHealth(ContractModel):
    """One service's state; `down` (no version) appears only in a refusal's `services`."""

    status: Literal["up", "down"]
    version: NonEmpty | None = None


class HealthReply(OkReply):
    """Answered only when every service is connected and migrated."""

    services: dict[str, ServiceHealth]


class HealthRequest(Request):
    """`ops.health`."""

    subject: ClassVar[str] = subjects.OPS_HEALTH
    reply_type: ClassVar[type[OkReply]] = HealthReply


class OpsRequest(Request):
    """An operations job; `operator_id` is absent when the schedule runs it."""

    operator_id: Id | None = None


class CloseDayRequest(OpsRequest):
    """`ops.attendance.close_day`: automatic check-outs (ATT-3) and Z-days (ATT-7)."""

    subject: ClassVar[str] = subjects.OPS_CLOSE_DAY

    date: date
    provider_id: ScopeId | None = None


class ExpirePendingRequest(OpsRequest):
    """`ops.attendance.expire_pending`: expire pending records past their deadline (ATT-2)."""

    subject: ClassVar[str] = subjects.OPS_EXPIRE_PENDING

    as_of: AwareDatetime


class RemindLinksRequest(OpsRequest):
    """`ops.identity.remind_links`: reminders for expired SET PIN links (ID-3)."""

    subject: ClassVar[str] = subjects.OPS_REMIND_LINKS

    as_of: AwareDatetime


class CloseMonthRequest(OpsRequest):
    """`ops.billing.close_month`: emits `MonthClosed` (BILL-1)."""

    subject: ClassVar[str] = subjects.OPS_CLOSE_MONTH

    month: Month
    provider_id: ScopeId | None = None


# --- billing staff ---------------------------------------------------------


class ClaimItem(ContractModel):
    """Units of one day, traced to their records and to the rule that counted them."""

    date: date
    units: Units
    rule: NonEmpty
    record_ids: list[str] = Field(default_factory=list)
    basis: str | None = None
    """For a person: what the rule looked at (`full_day band, 7.5 h`, `Z-day`, ...)."""


class LineAttendance(ContractModel):
    """The month's attendance beside a claim line, for monitoring (also where payment
    follows enrollment rather than attendance)."""

    days_present: Annotated[int, Field(ge=0)]
    hours_present: Units
    absences: Annotated[int, Field(ge=0)]
    pending_days: Annotated[int, Field(ge=0)] = 0
    expired_days: Annotated[int, Field(ge=0)] = 0


class ClaimLine(ContractModel):
    child_id: Id
    authorization_id: Id
    unit: Literal["day", "hour", "unit"]
    units: Units
    amount: Money | None
    """`null` where no rate is known."""
    items: list[ClaimItem]
    status: Literal["open", "submitted"] = "open"
    """`submitted`: the line as it was submitted (BILL-2); `open`: computed now."""
    rate: Money | None = None
    ceiling: Money | None = None
    """Units times the rate (BILL-7: the reimbursement ceiling)."""
    invoice: Money | None = None
    """The provider's invoice for the child's month, when sent (BILL-7)."""
    attendance: LineAttendance | None = None


class SupplementalLine(ContractModel):
    child_id: Id
    authorization_id: Id
    code: Code
    days: list[date] = Field(default_factory=list)
    """The days that go on the supplemental bill, when known."""
    reason: str | None = None
    """For a person: why (`age 11 months on 2025-02-01; the provider serves 12 to 144`)."""


class Claim(ContractModel):
    """A provider's claim for a month (BILL-9)."""

    provider_id: Id
    month: Month
    program: Program
    status: Literal["open", "submitted", "held"]
    lines: list[ClaimLine]
    supplemental: list[SupplementalLine]
    total_amount: Money | None = None
    """The lines' amounts added up; `null` when a line has no known rate."""
    payable_amount: Money | None = None
    """What may be paid now: nothing while the provider is on hold (BILL-8)."""
    submit_by: date | None = None
    """The last day to submit the month (BILL-1)."""


class ClaimReply(OkReply):
    claim: Claim


class ClaimGetRequest(Request):
    """`billing.claim.get` (BILL-9)."""

    subject: ClassVar[str] = subjects.CLAIM_GET
    reply_type: ClassVar[type[OkReply]] = ClaimReply

    provider_id: ScopeId
    month: Month


class ReportReply(OkReply):
    """Where the report is in the NATS object store; a json report is also inline."""

    bucket: Id
    object: Id
    data: Any = None


class ReportRequest(Request):
    """`billing.report` (BILL-9, ATT-9)."""

    subject: ClassVar[str] = subjects.REPORT
    reply_type: ClassVar[type[OkReply]] = ReportReply

    provider_id: ScopeId
    month: Month
    kind: Literal["claim", "attendance_per_student", "monthly_record", "supplemental"]
    format: Literal["json", "csv", "pdf"]


REQUEST_TYPES: tuple[type[Request], ...] = (
    PinSetRequest,
    KioskSigninRequest,
    KioskTapRequest,
    AttendanceRecordRequest,
    AttendanceCorrectRequest,
    AttendanceImportRequest,
    MonthSubmitRequest,
    PendingListRequest,
    PendingResolveRequest,
    DelegatesAddRequest,
    DelegatesRemoveRequest,
    CardReportLostRequest,
    HealthRequest,
    CloseDayRequest,
    ExpirePendingRequest,
    RemindLinksRequest,
    CloseMonthRequest,
    ClaimGetRequest,
    ReportRequest,
)
"""Every request of the contract."""

REQUESTS_BY_SUBJECT: dict[str, type[Request]] = {cls.subject: cls for cls in REQUEST_TYPES}
"""The request class for each subject or subscription pattern."""
