"""Messages to adults: SET PIN links (ID-3), pending records (ATT-2, ATT-3) and the
absence standard (ATT-8), in the adult's language (NOT-1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.notify.domain.audience import offered_languages, timezone_for
from services.notify.domain.contacts import (
    AdultContact,
    adult_address,
    choose_language,
    parents_to_tell,
)
from services.notify.domain.days import days_left, hours_between
from services.notify.domain.kinds import MessageKind
from services.notify.domain.links import pending_link, set_pin_link
from services.notify.domain.plans import (
    Directory,
    Draft,
    Held,
    Needs,
    Plan,
    Recipient,
    RecipientType,
    Site,
    WaitingFor,
)
from shared.contract.events import (
    AbsenceStandardExceeded,
    PendingAttendanceCreated,
    PendingDeadlineApproaching,
    PinSetLinkIssued,
)

# --- SET PIN links (ID-3) --------------------------------------------------------


def pin_link_needs(event: PinSetLinkIssued) -> Needs:
    return Needs(person_id=event.person_id)


def pin_link_plan(event: PinSetLinkIssued, directory: Directory, now: datetime, site: Site) -> Plan:
    """The welcome message with its link, or the reminder with a new one, to its owner.

    The event names the address; an event without one waits for the adult's case.
    """
    known = directory.adult
    first = event.first_name or (known.first_name if known else "")
    last = known.last_name if known else ""
    if event.email or event.phone:
        address = adult_address(first, last, event.email, event.phone)
    elif known is not None:
        address = adult_address(first, last, known.email, known.phone)
    else:
        return Held(WaitingFor.person, event.person_id)
    kind = MessageKind.pin_link_reminder if event.reminder else MessageKind.pin_link
    facts = {
        "first_name": first,
        "link": set_pin_link(site.public_url, event.link_token),
        "expires_at": event.expires_at,
        "valid_hours": hours_between(event.occurred_at, event.expires_at),
    }
    return (
        Draft(
            kind=kind,
            recipient=Recipient(RecipientType.person, event.person_id),
            address=address,
            language=choose_language(event.language),
            timezone=timezone_for(directory, site),
            facts=facts,
        ),
    )


# --- messages to a case's parents ------------------------------------------------


def _to_parents(
    kind: MessageKind,
    case_id: str,
    directory: Directory,
    site: Site,
    facts_for: Callable[[AdultContact, str], Mapping[str, Any]],
) -> Plan:
    """One draft per parent of the case; the cause waits while the case is unknown."""
    if not directory.case_adults:
        return Held(WaitingFor.case, case_id)
    timezone = timezone_for(directory, site)
    offered = offered_languages(directory.provider)
    return tuple(
        Draft(
            kind=kind,
            recipient=Recipient(RecipientType.person, adult.person_id),
            address=adult_address(adult.first_name, adult.last_name, adult.email, adult.phone),
            language=choose_language(adult.language, offered),
            timezone=timezone,
            facts={"first_name": adult.first_name, **facts_for(adult, timezone)},
        )
        for adult in parents_to_tell(directory.case_adults)
    )


def _child_first_name(directory: Directory, child_id: str) -> str | None:
    child = directory.children.get(child_id)
    return child.first_name if child else None


def _provider_name(directory: Directory) -> str | None:
    return directory.provider.name if directory.provider else None


def is_automatic_checkout(event: PendingAttendanceCreated) -> bool:
    """The 11:59 pm check-out the system made (ATT-3): an "out" that no operator
    and no adult made."""
    return event.direction == "out" and event.operator_id is None and event.person_id is None


def pending_needs(event: PendingAttendanceCreated | PendingDeadlineApproaching) -> Needs:
    return Needs(case_id=event.case_id, provider_id=event.provider_id, child_ids=(event.child_id,))


def pending_plan(
    event: PendingAttendanceCreated, directory: Directory, now: datetime, site: Site
) -> Plan:
    """Each pending record, with the days left to act on it (ATT-2); the automatic
    check-out asks for the real time before approving (ATT-3)."""
    kind = (
        MessageKind.automatic_checkout
        if is_automatic_checkout(event)
        else MessageKind.pending_approval
    )

    def facts(_: AdultContact, timezone: str) -> Mapping[str, Any]:
        return {
            "child_name": _child_first_name(directory, event.child_id),
            "provider_name": _provider_name(directory),
            "direction": event.direction,
            "occurred_at": event.occurred_at,
            "deadline": event.deadline,
            "days_left": days_left(event.deadline, now, timezone),
            "link": pending_link(site.public_url),
        }

    return _to_parents(kind, event.case_id, directory, site, facts)


def pending_reminder_plan(
    event: PendingDeadlineApproaching, directory: Directory, now: datetime, site: Site
) -> Plan:
    """The reminder two days before a pending record expires (ATT-2, ATT-3)."""

    def facts(_: AdultContact, timezone: str) -> Mapping[str, Any]:
        return {
            "child_name": _child_first_name(directory, event.child_id),
            "provider_name": _provider_name(directory),
            "deadline": event.deadline,
            "days_left": days_left(event.deadline, now, timezone),
            "link": pending_link(site.public_url),
        }

    return _to_parents(MessageKind.pending_deadline_reminder, event.case_id, directory, site, facts)


# --- the absence standard (ATT-8) ------------------------------------------------


def absence_needs(event: AbsenceStandardExceeded) -> Needs:
    return Needs(case_id=event.case_id, child_ids=(event.child_id,))


def absence_plan(
    event: AbsenceStandardExceeded, directory: Directory, now: datetime, site: Site
) -> Plan:
    """The parent is contacted when the child's counted absences pass the standard."""
    del now

    def facts(_: AdultContact, __: str) -> Mapping[str, Any]:
        return {
            "child_name": _child_first_name(directory, event.child_id),
            "count": event.count,
            "standard": event.standard,
            "period_start": event.period_start,
            "period_end": event.period_end,
        }

    return _to_parents(MessageKind.absence_standard_exceeded, event.case_id, directory, site, facts)
