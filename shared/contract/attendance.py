"""Attendance requests beyond those of `requests.py`: the day board (ATT-4), a
record's history (ATT-5), absences and outages (ATT-7), the monthly record and
its attestation (ATT-9), and the remaining `ops.attendance.*` jobs.

Scoped subjects follow the contract's rule: the scope token is read from the
subject (NATS permissions decide who may send it), never from the body; the
`operator_id` in a body is recorded for the audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.contract import subjects
from shared.contract.base import ContractModel
from shared.contract.replies import OkReply
from shared.contract.requests import OpsRequest, Request
from shared.contract.types import AttendanceStatus, Channel, Code, Direction, Id, Month, ScopeId

Reason = Annotated[str, Field(min_length=1, max_length=1000)]

# --- subjects --------------------------------------------------------------

ATTENDANCE_DAY = "attendance.day"
ATTENDANCE_HISTORY = "attendance.history"
ABSENCE_REPORT = "absence.report"
OUTAGE_REPORT = "outage.report"
MONTH_RECORD = "month.record"
MONTH_ATTEST = "month.attest"
OPS_REMIND_PENDING = "ops.attendance.remind_pending"
OPS_LOST_CARD = "ops.attendance.lost_card"

PROVIDER_ATTENDANCE_ACTIONS = (
    ATTENDANCE_DAY,
    ATTENDANCE_HISTORY,
    ABSENCE_REPORT,
    OUTAGE_REPORT,
    MONTH_RECORD,
    MONTH_ATTEST,
)
PARENT_ATTENDANCE_ACTIONS = (ABSENCE_REPORT, MONTH_RECORD, MONTH_ATTEST)


def provider_attendance_subject(provider_id: str, action: str) -> str:
    """`provider.<provider_id>.<action>` for an attendance action, e.g. `attendance.day`."""
    if action not in PROVIDER_ATTENDANCE_ACTIONS:
        raise ValueError(f"unknown attendance action {action!r}")
    return f"{subjects.PROVIDER_PREFIX}.{subjects.subject_token(provider_id)}.{action}"


def parent_attendance_subject(person_id: str, action: str) -> str:
    """`parent.<person_id>.<action>` for an attendance action, e.g. `absence.report`."""
    if action not in PARENT_ATTENDANCE_ACTIONS:
        raise ValueError(f"unknown attendance action {action!r}")
    return f"{subjects.PARENT_PREFIX}.{subjects.subject_token(person_id)}.{action}"


def _provider(action: str) -> str:
    return f"{subjects.PROVIDER_PREFIX}.*.{action}"


def _parent(action: str) -> str:
    return f"{subjects.PARENT_PREFIX}.*.{action}"


# --- the day board (ATT-4) --------------------------------------------------


class BoardMark(ContractModel):
    """One live record on the board."""

    record_id: Id
    direction: Direction
    occurred_at: AwareDatetime
    local_time: str
    """`HH:MM` in the provider's time zone."""
    status: AttendanceStatus
    channel: Channel
    automatic: bool = False
    """Checked out by the system at 11:59 pm (ATT-3): the parent must give the real time."""
    flagged: bool = False
    """Recorded while the provider was on hold: kept, not paid until the hold ends (AUTH-3)."""


class BoardPair(ContractModel):
    """A check-in and its check-out; `error` marks yellow (incomplete_pair) or red
    (out_of_sequence) pairs, which block submission for payment."""

    check_in: BoardMark | None
    check_out: BoardMark | None
    status: Literal["confirmed", "pending", "expired"]
    error: Literal["incomplete_pair", "out_of_sequence"] | None = None
    minutes: float | None = None


class BoardAbsence(ContractModel):
    kind: Literal["reported", "zday"]
    reason: str
    counts_as_absence: bool


class BoardChild(ContractModel):
    child_id: Id
    case_ids: list[Id]
    pairs: list[BoardPair]
    errors: list[Literal["incomplete_pair", "out_of_sequence"]]
    absences: list[BoardAbsence] = []


class DayBoardReply(OkReply):
    provider_id: Id
    date: date
    day_ended: bool
    """After the day ends, a check-in still open is an incomplete pair."""
    children: list[BoardChild]


class DayBoardRequest(Request):
    """`provider.<provider_id>.attendance.day`: each child's pairs of the day, their
    status and errors (ATT-4)."""

    subject: ClassVar[str] = _provider(ATTENDANCE_DAY)
    reply_type: ClassVar[type[OkReply]] = DayBoardReply

    date: date


# --- a record's history (ATT-5) ----------------------------------------------


class HistoryEntry(ContractModel):
    """One row of a record's chain: what it said, and who changed it, when and why."""

    record_id: Id
    replaces: Id | None
    direction: Direction
    occurred_at: AwareDatetime
    status: AttendanceStatus
    channel: Channel
    change: Literal["approved", "modified", "deleted", "corrected", "expired"] | None
    by: str | None
    reason: str | None
    recorded_at: AwareDatetime
    device_id: Id | None = None
    person_id: Id | None = None
    operator_id: Id | None = None
    source: str | None = None


class HistoryReply(OkReply):
    record_id: Id
    """The record's original row."""
    current: Id
    """The live row, last of the chain."""
    history: list[HistoryEntry]


class HistoryRequest(Request):
    """`provider.<provider_id>.attendance.history`: the full history of a record, from
    any of its rows (ATT-5)."""

    subject: ClassVar[str] = _provider(ATTENDANCE_HISTORY)
    reply_type: ClassVar[type[OkReply]] = HistoryReply

    record_id: Id


# --- absences and outages (ATT-7, ATT-8) -----------------------------------


class AbsenceReply(OkReply):
    absence_id: Id
    counts_as_absence: bool


class ProviderAbsenceReport(Request):
    """`provider.<provider_id>.absence.report`: a child's absence with a reason (ATT-7);
    `case_id` picks the case when the child has two (ATT-6)."""

    subject: ClassVar[str] = _provider(ABSENCE_REPORT)
    reply_type: ClassVar[type[OkReply]] = AbsenceReply

    event_id: UUID
    operator_id: Id
    child_id: Id
    date: date
    reason: Reason
    case_id: Id | None = None


class ParentAbsenceReport(Request):
    """`parent.<person_id>.absence.report`: a parent reports their child absent (ATT-7)."""

    subject: ClassVar[str] = _parent(ABSENCE_REPORT)
    reply_type: ClassVar[type[OkReply]] = AbsenceReply

    event_id: UUID
    provider_id: ScopeId
    child_id: Id
    date: date
    reason: Reason


class OutageReport(Request):
    """`provider.<provider_id>.outage.report`: the provider's device or phone system
    was down that day (documented); its Z-days are not counted (ATT-7)."""

    subject: ClassVar[str] = _provider(OUTAGE_REPORT)

    event_id: UUID
    operator_id: Id
    date: date
    reason: Reason
    system: Literal["device", "phone"] = "device"


class LostCardReport(OpsRequest):
    """`ops.attendance.lost_card`: an adult's attendance card was reported lost on
    `date`; the pack's allowance of Z-days after it is not counted (ID-9, ATT-7)."""

    subject: ClassVar[str] = OPS_LOST_CARD

    event_id: UUID
    person_id: Id
    date: date


# --- the monthly record (ATT-9) ----------------------------------------------


class MonthPair(ContractModel):
    check_in: str | None
    """Local `HH:MM`."""
    check_out: str | None
    status: Literal["confirmed", "pending", "expired"]
    error: Literal["incomplete_pair", "out_of_sequence"] | None = None
    record_ids: list[Id]


class MonthDay(ContractModel):
    date: date
    pairs: list[MonthPair]
    hours: float
    """Time in care that day, from complete pairs only."""
    absence: str | None = None


class Attestation(ContractModel):
    by_role: Literal["provider", "parent"]
    by: Id
    attested_at: AwareDatetime


class MonthRecordReply(OkReply):
    provider_id: Id
    child_id: Id
    month: Month
    days: list[MonthDay]
    attestations: list[Attestation]
    attested: bool
    """Both provider and parent have attested."""


class MonthRecordRequest(Request):
    """`provider.<provider_id>.month.record`: a child's monthly attendance record (ATT-9)."""

    subject: ClassVar[str] = _provider(MONTH_RECORD)
    reply_type: ClassVar[type[OkReply]] = MonthRecordReply

    child_id: Id
    month: Month


class ParentMonthRecordRequest(Request):
    """`parent.<person_id>.month.record`: the monthly record of the parent's child."""

    subject: ClassVar[str] = _parent(MONTH_RECORD)
    reply_type: ClassVar[type[OkReply]] = MonthRecordReply

    provider_id: ScopeId
    child_id: Id
    month: Month


class MonthAttestRequest(Request):
    """`provider.<provider_id>.month.attest`: the provider attests a child's month (ATT-9)."""

    subject: ClassVar[str] = _provider(MONTH_ATTEST)

    event_id: UUID
    operator_id: Id
    child_id: Id
    month: Month


class ParentMonthAttestRequest(Request):
    """`parent.<person_id>.month.attest`: the parent attests a child's month (ATT-9)."""

    subject: ClassVar[str] = _parent(MONTH_ATTEST)

    event_id: UUID
    provider_id: ScopeId
    child_id: Id
    month: Month


# --- operations --------------------------------------------------------------


class ClosedDay(ContractModel):
    provider_id: Id
    checked_out: int
    zdays: int
    errors: list[Code]


class CloseDayReply(OkReply):
    """What closing the day did, per provider; a second run does nothing new."""

    date: date
    closed: list[ClosedDay]
    not_ended: list[Id]
    """Providers whose 11:59 pm of that date has not come yet."""


class ExpirePendingReply(OkReply):
    expired: int


class RemindPendingReply(OkReply):
    reminded: int


class RemindPendingRequest(OpsRequest):
    """`ops.attendance.remind_pending`: a reminder for each pending record two days
    before its deadline (ATT-2, NOT-2)."""

    subject: ClassVar[str] = OPS_REMIND_PENDING
    reply_type: ClassVar[type[OkReply]] = RemindPendingReply

    as_of: AwareDatetime


ATTENDANCE_REQUEST_TYPES: tuple[type[Request], ...] = (
    DayBoardRequest,
    HistoryRequest,
    ProviderAbsenceReport,
    ParentAbsenceReport,
    OutageReport,
    LostCardReport,
    MonthRecordRequest,
    ParentMonthRecordRequest,
    MonthAttestRequest,
    ParentMonthAttestRequest,
    RemindPendingRequest,
)
"""The attendance requests defined here (beside `requests.REQUEST_TYPES`)."""
