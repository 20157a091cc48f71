"""Delegates and secondary cardholders (ID-5): who a parent may add.

The limits are the policy packs' of the providers of the children concerned; a
child at providers of two programs gets the stricter of each limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy.model import DelegatePolicy

from .people import age_on, email_key, name_key


@dataclass(frozen=True)
class DelegateRules:
    max_count: int | None
    min_age_years: int
    parents_exempt_from_min_age: bool
    barred_staff_roles: frozenset[str]


def combined(policies: Iterable[DelegatePolicy]) -> DelegateRules:
    """The strictest reading of several packs' delegate rules."""
    policies = list(policies)
    if not policies:
        raise ValueError("no delegate policy to combine")
    limits = [p.max_count for p in policies if p.max_count is not None]
    return DelegateRules(
        max_count=min(limits) if limits else None,
        min_age_years=max(p.min_age_years for p in policies),
        parents_exempt_from_min_age=all(p.parents_exempt_from_min_age for p in policies),
        barred_staff_roles=frozenset(r.value for p in policies for r in p.barred_staff_roles),
    )


@dataclass(frozen=True)
class StaffMember:
    first_name: str
    last_name: str
    email: str | None
    role: str


@dataclass(frozen=True)
class Candidate:
    """The adult a parent wants to add."""

    first_name: str
    last_name: str
    birth_date: date
    email: str | None


def is_facility_staff(
    candidate: Candidate, staff: Iterable[StaffMember], barred_roles: frozenset[str]
) -> bool:
    """Same first and last name, or same email, as a barred member of staff."""
    names = name_key(candidate.first_name, candidate.last_name)
    email = email_key(candidate.email)
    return any(
        member.role in barred_roles
        and (
            name_key(member.first_name, member.last_name) == names
            or (email is not None and email_key(member.email) == email)
        )
        for member in staff
    )


def check_delegate(
    candidate: Candidate,
    *,
    rules: DelegateRules,
    staff: Iterable[StaffMember],
    parent_of_the_children: bool,
    delegates_now: int,
    already_a_delegate: bool,
    today: date,
) -> None:
    """Refuse a delegate the rules do not allow, with a code the parent can act on (ID-5).

    Checked in this order: facility staff, age, how many. Adding more children to
    someone already a delegate does not count them twice.
    """
    if is_facility_staff(candidate, staff, rules.barred_staff_roles):
        raise RequestRefused(
            ErrorCode.delegate_is_facility_staff,
            "The owner, director or assistant director of the child's provider cannot be "
            "a delegate.",
        )
    exempt = rules.parents_exempt_from_min_age and parent_of_the_children
    if not exempt and age_on(candidate.birth_date, today) < rules.min_age_years:
        raise RequestRefused(
            ErrorCode.delegate_too_young,
            f"A delegate must be at least {rules.min_age_years} years old, unless a parent "
            "of the child.",
        )
    if (
        rules.max_count is not None
        and not already_a_delegate
        and delegates_now + 1 > rules.max_count
    ):
        raise RequestRefused(
            ErrorCode.too_many_delegates,
            f"You may have at most {rules.max_count} delegates; remove one first.",
        )
