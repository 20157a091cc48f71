"""The kinds of message notify sends, and which of them carry a one-time secret."""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    """One message per rule of NOT-2; the value is the template's name and the
    `kind` of `NotificationSent`."""

    pin_link = "pin_link"  # ID-3: the welcome message with a SET PIN link
    pin_link_reminder = "pin_link_reminder"  # ID-3: a new link after the first expired
    registration_code = "registration_code"  # ID-8: a provider administrator's one-time code
    pending_approval = "pending_approval"  # ATT-2: a record made on the parent's behalf
    automatic_checkout = "automatic_checkout"  # ATT-3: the 11:59 pm check-out made by the system
    pending_deadline_reminder = "pending_deadline_reminder"  # ATT-2: two days before it expires
    absence_standard_exceeded = "absence_standard_exceeded"  # ATT-8: the parent must be contacted
    attendance_errors = "attendance_errors"  # ATT-4: records in error at day end
    submission_deadline = "submission_deadline"  # BILL-1: the month is due soon
    supplemental_bill = "supplemental_bill"  # BILL-2..BILL-5: a child's month billed by hand


SECRET_KINDS: frozenset[MessageKind] = frozenset(
    {MessageKind.pin_link, MessageKind.pin_link_reminder, MessageKind.registration_code}
)
"""Kinds whose body holds a link token or a one-time code: the body is for its
owner alone and is erased from storage once the message is sent or given up
(architecture rule 6)."""
