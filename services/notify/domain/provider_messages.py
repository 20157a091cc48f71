"""Messages to providers: records in error (ATT-4), the submission deadline (BILL-1),
supplemental bills (BILL-2..BILL-5), and an administrator's registration code (ID-8)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.notify.domain.audience import offered_languages, timezone_for
from services.notify.domain.contacts import (
    Address,
    Channel,
    choose_language,
    provider_address,
)
from services.notify.domain.days import hours_between, zone
from services.notify.domain.kinds import MessageKind
from services.notify.domain.links import provider_link, registration_link
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
    AttendanceErrorsUnresolved,
    RegistrationCodeIssued,
    SubmissionDeadlineApproaching,
    SupplementalBillRequired,
)
from shared.contract.types import month_start


def _to_provider(
    kind: MessageKind,
    provider_id: str,
    directory: Directory,
    site: Site,
    facts: Mapping[str, Any],
) -> Plan:
    """One draft for the provider, in its program's first language; the cause waits
    while the provider is unknown."""
    provider = directory.provider
    if provider is None:
        return Held(WaitingFor.provider, provider_id)
    return (
        Draft(
            kind=kind,
            recipient=Recipient(RecipientType.provider, provider_id),
            address=provider_address(provider),
            language=choose_language(None, offered_languages(provider)),
            timezone=timezone_for(directory, site),
            facts={"provider_name": provider.name, **facts},
        ),
    )


def _child_label(directory: Directory, child_id: str) -> str:
    """A child as a provider knows them: full name and id, or the id alone."""
    child = directory.children.get(child_id)
    return f"{child.full} ({child_id})" if child else child_id


# --- records in error (ATT-4) ------------------------------------------------------


def errors_needs(event: AttendanceErrorsUnresolved) -> Needs:
    child_ids = tuple(dict.fromkeys(e.get("child_id", "") for e in event.errors if e))
    return Needs(provider_id=event.provider_id, child_ids=tuple(c for c in child_ids if c))


def errors_plan(
    event: AttendanceErrorsUnresolved, directory: Directory, now: datetime, site: Site
) -> Plan:
    """Records still in error at day end: they cannot be submitted until fixed."""
    del now
    errors = [
        {
            "child": _child_label(directory, e.get("child_id", "")),
            "code": e.get("code", ""),
        }
        for e in event.errors
    ]
    facts = {
        "date": event.date,
        "errors": errors,
        "link": provider_link(site.public_url, event.provider_id, "attendance"),
    }
    return _to_provider(MessageKind.attendance_errors, event.provider_id, directory, site, facts)


# --- the submission deadline (BILL-1) ---------------------------------------------


def deadline_needs(event: SubmissionDeadlineApproaching) -> Needs:
    return Needs(provider_id=event.provider_id)


def deadline_plan(
    event: SubmissionDeadlineApproaching, directory: Directory, now: datetime, site: Site
) -> Plan:
    """A month not yet submitted, with the last day and the days left to submit it."""
    today = now.astimezone(zone(timezone_for(directory, site))).date()
    facts = {
        "month": month_start(event.month),
        "deadline": event.deadline,
        "days_left": max(0, (event.deadline - today).days),
        "link": provider_link(site.public_url, event.provider_id, "billing"),
    }
    return _to_provider(MessageKind.submission_deadline, event.provider_id, directory, site, facts)


# --- supplemental bills (BILL-2..BILL-5) -------------------------------------------


def supplemental_needs(event: SupplementalBillRequired) -> Needs:
    return Needs(provider_id=event.provider_id, child_ids=(event.child_id,))


def supplemental_plan(
    event: SupplementalBillRequired, directory: Directory, now: datetime, site: Site
) -> Plan:
    """A child's month goes on a supplemental bill, with the reason in words."""
    del now
    facts = {
        "month": month_start(event.month),
        "child": _child_label(directory, event.child_id),
        "authorization_id": event.authorization_id,
        "code": event.code,
        "link": provider_link(site.public_url, event.provider_id, "billing"),
    }
    return _to_provider(MessageKind.supplemental_bill, event.provider_id, directory, site, facts)


# --- a provider administrator's registration code (ID-8) -----------------------------


def registration_needs(event: RegistrationCodeIssued) -> Needs:
    return Needs(provider_id=event.provider_id)


def registration_plan(
    event: RegistrationCodeIssued, directory: Directory, now: datetime, site: Site
) -> Plan:
    """The one-time code, to the administrator's own address (never held: the event
    names it)."""
    del now
    provider = directory.provider
    name = f"{event.first_name} {event.last_name}"
    facts = {
        "first_name": event.first_name,
        "last_name": event.last_name,
        "provider_name": provider.name if provider else None,
        "code": event.code,
        "expires_at": event.expires_at,
        "valid_hours": hours_between(event.occurred_at, event.expires_at),
        "link": registration_link(site.public_url),
    }
    return (
        Draft(
            kind=MessageKind.registration_code,
            recipient=Recipient(RecipientType.provider, event.provider_id),
            address=Address(Channel.email, event.email, name),
            language=choose_language(event.language, offered_languages(provider)),
            timezone=timezone_for(directory, site),
            facts=facts,
        ),
    )
