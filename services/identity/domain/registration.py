"""Provider administrators' registration and operators' rights (ID-7, ID-8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused

from .delegates import StaffMember

CODE_LIFETIME = timedelta(hours=24)
"""A verification code is dead 24 hours after issue (issue 7), or after one use (ID-8)."""


def staff_member_named(
    staff: Iterable[StaffMember], first_name: str, last_name: str
) -> StaffMember | None:
    """The staff member whose names are exactly these, as on the state record (ID-8)."""
    return next((m for m in staff if m.first_name == first_name and m.last_name == last_name), None)


@dataclass(frozen=True)
class Code:
    """A registration code as kept (hashed) by identity."""

    provider_id: str
    first_name: str
    last_name: str
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


def check_code(
    code: Code | None, *, provider_id: str, first_name: str, last_name: str, now: datetime
) -> Code:
    """The code a staff member may register with, or why not. A wrong code and a right
    code with other names answer the same, so neither can be probed."""
    if (
        code is None
        or code.provider_id != provider_id
        or (code.first_name, code.last_name) != (first_name, last_name)
    ):
        raise RequestRefused(
            ErrorCode.registration_code_invalid,
            "These names and this code do not match; type both exactly as sent.",
        )
    if code.used_at is not None:
        raise RequestRefused(
            ErrorCode.registration_code_used, "This code was already used; a code works once."
        )
    if code.revoked_at is not None or now >= code.expires_at:
        raise RequestRefused(
            ErrorCode.registration_code_expired,
            "This code has expired; ask the state for a new one.",
        )
    return code


@dataclass(frozen=True)
class Operator:
    operator_id: str
    provider_id: str
    role: str
    active: bool


def check_operator(operator: Operator | None, provider_id: str) -> Operator:
    """An active operator of this provider: nobody acts for another provider (ID-7)."""
    if operator is None or operator.provider_id != provider_id or not operator.active:
        raise RequestRefused(
            ErrorCode.operator_unknown, "No such active operator at this provider."
        )
    return operator


def check_administrator(operator: Operator | None, provider_id: str) -> Operator:
    """Only the provider's own administrators manage its operators (ID-7)."""
    actor = check_operator(operator, provider_id)
    if actor.role != "provider_admin":
        raise RequestRefused(
            ErrorCode.not_provider_admin, "Only a provider administrator may do this."
        )
    return actor
