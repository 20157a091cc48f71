"""Which rule decides the messages of each causing event (NOT-2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notify.domain import adult_messages as adults
from services.notify.domain import provider_messages as providers
from services.notify.domain.plans import Directory, Needs, Plan, Site
from shared.contract.base import Event
from shared.contract.events import (
    AbsenceStandardExceeded,
    AttendanceErrorsUnresolved,
    PendingAttendanceCreated,
    PendingDeadlineApproaching,
    PinSetLinkIssued,
    RegistrationCodeIssued,
    SubmissionDeadlineApproaching,
    SupplementalBillRequired,
)


@dataclass(frozen=True)
class Planner:
    """What to look up for an event, and how to decide its messages from that."""

    event_type: type[Event]
    needs: Callable[[Any], Needs]
    plan: Callable[[Any, Directory, datetime, Site], Plan]


PLANNERS: dict[type[Event], Planner] = {
    planner.event_type: planner
    for planner in (
        Planner(PinSetLinkIssued, adults.pin_link_needs, adults.pin_link_plan),
        Planner(PendingAttendanceCreated, adults.pending_needs, adults.pending_plan),
        Planner(PendingDeadlineApproaching, adults.pending_needs, adults.pending_reminder_plan),
        Planner(AbsenceStandardExceeded, adults.absence_needs, adults.absence_plan),
        Planner(RegistrationCodeIssued, providers.registration_needs, providers.registration_plan),
        Planner(AttendanceErrorsUnresolved, providers.errors_needs, providers.errors_plan),
        Planner(SubmissionDeadlineApproaching, providers.deadline_needs, providers.deadline_plan),
        Planner(
            SupplementalBillRequired, providers.supplemental_needs, providers.supplemental_plan
        ),
    )
}
"""Every event that makes notify tell someone, by its contract model."""

PLANNERS_BY_SUBJECT: dict[str, Planner] = {p.event_type.subject: p for p in PLANNERS.values()}


def planner_for(event: Event) -> Planner:
    return PLANNERS[type(event)]
