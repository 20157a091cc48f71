"""Reusable field types of the contract: months, local times, codes, secrets.

Dates and times are in the provider's time zone; months are `YYYY-MM`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    SecretStr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    WrapSerializer,
)

from shared.contract.subjects import subject_token

# --- enumerations the contract lists ---------------------------------------

Direction = Literal["in", "out"]
"""A check-in or a check-out (ATT-1)."""

Channel = Literal["kiosk", "app", "ivr", "provider", "paper", "ccms"]
"""How an attendance record arrived (ATT-1); `ccms` is the provider's own software."""

AttendanceStatus = Literal["confirmed", "pending", "expired", "deleted", "superseded"]
"""A record's state: `pending` awaits the parent (ATT-2, ATT-3), `expired` was not
acted on by the deadline, `deleted` was deleted by the parent, `superseded` was
replaced by a correction or a modification (ATT-5: records are never overwritten)."""

Language = Literal["en", "es"]
"""An adult's preferred language (NOT-1)."""

# --- months ----------------------------------------------------------------

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

Month = Annotated[str, Field(pattern=MONTH_PATTERN, examples=["2025-03"])]
"""A calendar month, `YYYY-MM`, in the provider's time zone (BILL-1, BILL-2)."""


def month_of(day: date) -> str:
    """The month (`YYYY-MM`) a day belongs to."""
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> date:
    """The first day of a `YYYY-MM` month (AUTH-4 reads the age on that day)."""
    if not re.fullmatch(MONTH_PATTERN, month):
        raise ValueError(f"{month!r} is not a YYYY-MM month")
    year, mon = (int(part) for part in month.split("-"))
    return date(year, mon, 1)


def month_end(month: str) -> date:
    """The last day of a `YYYY-MM` month (BILL-1 counts the deadline from it)."""
    first = month_start(month)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


# --- identifiers and codes -------------------------------------------------

Id = Annotated[str, Field(min_length=1, max_length=200)]
"""An identifier from the state or from a service (never empty)."""

ScopeId = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[^.*>\s]+$"), AfterValidator(subject_token)
]
"""An id that also scopes subjects (`provider_id`, `person_id`): one NATS token."""

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A stable snake_case code (an `ErrorCode` value, a supplemental reason, a kind)."""

Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{10,15}$")]
"""A phone number, digits only (ID-6: arizona identifies a sponsor by it)."""

CardNumber = Annotated[str, Field(min_length=4, max_length=32)]
"""An attendance card number issued by the state (texas, ID-9)."""

# --- local times of day ----------------------------------------------------

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _parse_hhmm(value: Any) -> Any:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a local time has no offset")
        return value
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise ValueError("expected a local time HH:MM")
    return time(int(value[:2]), int(value[3:]))


LocalTime = Annotated[
    time,
    BeforeValidator(_parse_hhmm),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
    Field(json_schema_extra={"pattern": _HHMM.pattern, "format": "HH:MM"}),
]
"""A time of day in the provider's time zone, `HH:MM` on the wire."""

# --- secrets ---------------------------------------------------------------

REVEAL_SECRETS = "reveal_secrets"
"""Serialization context key: `model_dump_json(context={REVEAL_SECRETS: True})`
writes secrets in clear, for the one place that must (a client sending a request)."""


def _dump_secret(
    value: SecretStr, handler: SerializerFunctionWrapHandler, info: SerializationInfo
) -> Any:
    if isinstance(info.context, dict) and info.context.get(REVEAL_SECRETS) is True:
        return value.get_secret_value()
    return handler(value)


Pin = Annotated[SecretStr, Field(min_length=1, max_length=64), WrapSerializer(_dump_secret)]
"""A PIN as typed (ID-1, ID-2): never shown in a repr, a str, a log or a dump.

Its shape is checked by the identity service, which answers with a code the
person can act on (`pin_not_8_digits`, ...), not by the model.
"""
