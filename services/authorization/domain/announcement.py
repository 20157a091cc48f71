"""What `AuthorizationChanged` announces: the state's record, completed with what
other services would otherwise have to look up or compute (AUTH-1..AUTH-4).

An authorization is applied, and announced, once both its provider and its case
are known: the announcement then carries the provider's program, time zone and
type, the case's adults, the AUTH-3 ending and the AUTH-4 age of every month. Until
then it is stored and waits (out-of-order pushes are normal); it is never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from services.authorization.domain.ages import month_ages
from services.authorization.domain.provider_status import Ending, ProviderFacts

ADULT_FIELDS = ("person_id", "first_name", "last_name", "role", "language", "email", "phone")
"""What other services need of an adult on the case: who may sign and how to reach
them. The attendance card number stays with identity, which reads the case."""


class Waiting(StrEnum):
    """What an authorization waits for before it is applied."""

    provider = "provider"
    case = "case"


def waiting_for(provider_known: bool, case_known: bool) -> list[Waiting]:
    """The records still missing, in a stable order."""
    missing = []
    if not provider_known:
        missing.append(Waiting.provider)
    if not case_known:
        missing.append(Waiting.case)
    return missing


def authorized_adults(adults: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The adults of a case as announced with each of its authorizations."""
    return [{field: adult.get(field) for field in ADULT_FIELDS} for adult in adults]


def last_day(start: date, end: date, status: str, ending: Ending | None) -> date | None:
    """The last day an authorization covers (AUTH-2): its end date while active, the
    earlier of its end date and its ending when ended, none when cancelled or when it
    ended before it began."""
    if status == "cancelled":
        return None
    last = min(end, ending.on) if ending is not None else end
    return last if last >= start else None


def announced_state(
    record: Mapping[str, Any],
    provider: ProviderFacts,
    adults: Sequence[Mapping[str, Any]],
    ending: Ending | None,
) -> dict[str, Any]:
    """The full state to announce (JSON-ready, without the revision).

    `record` is the state's authorization as JSON; its `status` becomes `ended`
    when the provider ended it (AUTH-3), and `cancelled` always wins.
    """
    start = date.fromisoformat(record["start_date"])
    end = date.fromisoformat(record["end_date"])
    cancelled = record["status"] == "cancelled"
    ended = ending if ending is not None and not cancelled else None
    status = "cancelled" if cancelled else ("ended" if ended else "active")
    last = last_day(start, end, status, ended)
    return {
        **record,
        "status": status,
        "program": provider.program,
        "timezone": provider.timezone,
        "provider_type": provider.type,
        "adults": [dict(adult) for adult in adults],
        "ended_on": ended.on.isoformat() if ended else None,
        "ended_reason": ended.reason.value if ended else None,
        "last_day": last.isoformat() if last else None,
        "months": month_ages(
            date.fromisoformat(record["child"]["birth_date"]),
            start,
            last,
            provider.min_months,
            provider.max_months,
        ),
    }
