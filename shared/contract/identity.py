"""Identity requests beyond the adult and kiosk ones of `requests.py`: the credential
check attendance makes for each tap, SET PIN links on demand, provider
administrators' registration, provider operators and their roles (ID-3, ID-4,
ID-7, ID-8).

Scoped subjects follow the contract's rule: the scope token is read from the
subject (NATS permissions decide who may send it), never from the body; the
`operator_id` in a body is recorded for the audit trail.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field

from shared.contract import subjects
from shared.contract.base import ContractModel
from shared.contract.eligibility import NonEmpty
from shared.contract.replies import OkReply
from shared.contract.requests import Credential, OpsRequest, Request, SigninAdult, SigninChild
from shared.contract.types import Id, Pin, ScopeId

# --- subjects --------------------------------------------------------------

CREDENTIAL_VERIFY = "identity.credential.verify"
CREDENTIAL_VERIFY_MANY = "identity.credential.verify_many"
OPERATOR_VERIFY = "identity.operator.verify"
OPS_ISSUE_LINK = "ops.identity.issue_link"
OPS_REGISTRATION_CODE = "ops.identity.registration_code"
PIN_RESET = "pin.reset"
ADMIN_REGISTER = "admin.register"
OPERATORS_CREATE = "operators.create"
OPERATORS_DEACTIVATE = "operators.deactivate"
OPERATORS_LIST = "operators.list"
PROVIDER_IDENTITY_ACTIONS = (ADMIN_REGISTER, OPERATORS_CREATE, OPERATORS_DEACTIVATE, OPERATORS_LIST)


def parent_pin_reset(person_id: str) -> str:
    """`parent.<person_id>.pin.reset`."""
    return f"{subjects.PARENT_PREFIX}.{subjects.subject_token(person_id)}.{PIN_RESET}"


def provider_identity_subject(provider_id: str, action: str) -> str:
    """`provider.<provider_id>.<action>` for an identity action, e.g. `operators.create`."""
    if action not in PROVIDER_IDENTITY_ACTIONS:
        raise ValueError(f"unknown identity action {action!r}")
    return f"{subjects.PROVIDER_PREFIX}.{subjects.subject_token(provider_id)}.{action}"


def _provider_pattern(action: str) -> str:
    return f"{subjects.PROVIDER_PREFIX}.*.{action}"


# --- roles -----------------------------------------------------------------


class Role(StrEnum):
    """Who acts in the system (ID-7); each maps to a NATS user (deploy/nats/render.py)."""

    system_admin = "system_admin"
    """Everything operational: `ops.>` requests, stream and dead-letter inspection."""
    region_admin = "region_admin"
    """Reads providers' attendance, claims and reports for monitoring and billing."""
    provider_admin = "provider_admin"
    """Creates operators at their own provider, corrects and submits its attendance."""
    provider_operator = "provider_operator"
    """Records attendance at their own provider."""
    parent = "parent"
    """A parent or sponsor on a case: their own children, delegates, PIN, card."""
    delegate = "delegate"
    """An adult a parent allowed to check the children in and out (ID-5)."""


OperatorRole = Literal["provider_admin", "provider_operator"]
"""The roles a provider operator can hold (ID-7)."""

VerificationCode = Pin
"""A one-time registration code (ID-8): a secret, hidden like a PIN."""


# --- the credential check of a tap (ID-4) ---------------------------------


class VerifiedChild(SigninChild):
    """A child the adult may sign here that day, and the cases that allow it (ATT-6)."""

    case_ids: list[Id]


class CredentialVerifyReply(OkReply):
    """The adult and the children they may check in or out at the provider that day."""

    adult: SigninAdult
    children: list[VerifiedChild]


class CredentialVerifyRequest(Credential):
    """`identity.credential.verify`: the kiosk sign-in check, for attendance's taps.

    The same rules as `kiosk.<provider_id>.signin`, with the same device lock
    (ID-4); `at` is when the tap happened (an offline kiosk sends late), and
    decides which day's authorizations count; it defaults to now.
    """

    subject: ClassVar[str] = CREDENTIAL_VERIFY
    reply_type: ClassVar[type[OkReply]] = CredentialVerifyReply

    provider_id: ScopeId
    device_id: Id
    at: AwareDatetime | None = None


MAX_CREDENTIAL_CHECKS = 500
"""Checks in one `identity.credential.verify_many` request at most."""


class CredentialVerifyManyReply(OkReply):
    """One answer per check, in the order asked: a `CredentialVerifyReply`, or a
    refusal (`pin_invalid`, `device_locked`, `provider_not_active`, ...) as
    `{"ok": false, "error": ...}`."""

    answers: list[dict[str, Any]]


class CredentialVerifyManyRequest(Request):
    """`identity.credential.verify_many`: several taps' credential checks at once.

    Each check is judged exactly as `identity.credential.verify` would judge it,
    each failure counted against its device (ID-2, ID-4); one request for the taps
    that arrive together, instead of one each.
    """

    subject: ClassVar[str] = CREDENTIAL_VERIFY_MANY
    reply_type: ClassVar[type[OkReply]] = CredentialVerifyManyReply

    checks: list[CredentialVerifyRequest] = Field(min_length=1, max_length=MAX_CREDENTIAL_CHECKS)


# --- SET PIN links on demand (ID-3) ---------------------------------------


class LinkIssuedReply(OkReply):
    """A new SET PIN link went to the adult; older unused ones stop working."""

    expires_at: AwareDatetime


class PinResetRequest(Request):
    """`parent.<person_id>.pin.reset`: a new SET PIN link, to change or recover the PIN.

    The current PIN keeps working until the new one is set (ID-4).
    """

    subject: ClassVar[str] = f"{subjects.PARENT_PREFIX}.*.{PIN_RESET}"
    reply_type: ClassVar[type[OkReply]] = LinkIssuedReply

    event_id: UUID


class IssueLinkRequest(OpsRequest):
    """`ops.identity.issue_link`: support sends an adult a new SET PIN link (ID-3)."""

    subject: ClassVar[str] = OPS_ISSUE_LINK
    reply_type: ClassVar[type[OkReply]] = LinkIssuedReply

    person_id: Id


class RemindLinksReply(OkReply):
    """How many adults got a reminder with a new link."""

    reminded: int


# --- provider administrators and operators (ID-7, ID-8) -------------------


class RegistrationCodeReply(OkReply):
    """A code went to the staff member's email on record; it works once, until then."""

    expires_at: AwareDatetime


class RegistrationCodeRequest(OpsRequest):
    """`ops.identity.registration_code`: send a provider's staff member a one-time
    verification code to register as its administrator (ID-8). The names must be
    exactly those of the state's staff list."""

    subject: ClassVar[str] = OPS_REGISTRATION_CODE
    reply_type: ClassVar[type[OkReply]] = RegistrationCodeReply

    provider_id: ScopeId
    first_name: NonEmpty
    last_name: NonEmpty


class OperatorInfo(ContractModel):
    """A provider operator as identity keeps it (ID-7)."""

    operator_id: Id
    provider_id: Id
    role: OperatorRole
    first_name: NonEmpty
    last_name: NonEmpty
    active: bool


class OperatorReply(OkReply):
    operator: OperatorInfo


class AdminRegisterRequest(Request):
    """`provider.<provider_id>.admin.register`: a staff member becomes the provider's
    administrator with their names exactly as on the state record and the code
    sent to them (ID-8); the code never works again."""

    subject: ClassVar[str] = _provider_pattern(ADMIN_REGISTER)
    reply_type: ClassVar[type[OkReply]] = OperatorReply

    first_name: NonEmpty
    last_name: NonEmpty
    code: VerificationCode


class NewOperator(ContractModel):
    first_name: NonEmpty
    last_name: NonEmpty
    email: EmailStr | None = None
    role: OperatorRole = "provider_operator"


class OperatorCreateRequest(Request):
    """`provider.<provider_id>.operators.create`: an administrator of the provider adds
    an operator there (ID-7); `operator_id` is the administrator acting."""

    subject: ClassVar[str] = _provider_pattern(OPERATORS_CREATE)
    reply_type: ClassVar[type[OkReply]] = OperatorReply

    event_id: UUID
    operator_id: Id
    operator: NewOperator


class OperatorDeactivateRequest(Request):
    """`provider.<provider_id>.operators.deactivate`: an administrator ends another
    operator's access; the record stays, with who ended it and when (ID-7)."""

    subject: ClassVar[str] = _provider_pattern(OPERATORS_DEACTIVATE)
    reply_type: ClassVar[type[OkReply]] = OperatorReply

    event_id: UUID
    operator_id: Id
    target_operator_id: Id


class OperatorListReply(OkReply):
    operators: list[OperatorInfo]


class OperatorListRequest(Request):
    """`provider.<provider_id>.operators.list`: the provider's operators, for one of them."""

    subject: ClassVar[str] = _provider_pattern(OPERATORS_LIST)
    reply_type: ClassVar[type[OkReply]] = OperatorListReply

    operator_id: Id


class OperatorVerifyRequest(Request):
    """`identity.operator.verify`: is `operator_id` an active operator of the provider,
    and with which role (ID-7)? Asked by attendance and billing before they record
    an operator's action."""

    subject: ClassVar[str] = OPERATOR_VERIFY
    reply_type: ClassVar[type[OkReply]] = OperatorReply

    provider_id: ScopeId
    operator_id: Id


IDENTITY_REQUEST_TYPES: tuple[type[Request], ...] = (
    CredentialVerifyRequest,
    CredentialVerifyManyRequest,
    PinResetRequest,
    IssueLinkRequest,
    RegistrationCodeRequest,
    AdminRegisterRequest,
    OperatorCreateRequest,
    OperatorDeactivateRequest,
    OperatorListRequest,
    OperatorVerifyRequest,
)
"""The identity requests defined here (beside `requests.REQUEST_TYPES`)."""
