"""SET PIN links (ID-3): one use, a fixed life, and reminders with a new link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused

MAX_REMINDERS = 3
"""Reminders sent after a welcome or reset link goes unused (ID-3 says "a reminder";
three, a day apart, then the adult or support asks for a new link)."""

MAX_IN_USE_REFUSALS = 3
"""`pin_in_use` answers one link may give before it stops working: a link must not
become a way to find out which PINs other adults hold (ID-2)."""


@dataclass(frozen=True)
class Link:
    """What identity keeps of a link; the token itself is only ever stored hashed."""

    person_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    in_use_refusals: int = 0
    reminder: bool = False

    def dead_at(self, moment: datetime) -> bool:
        """Used, replaced, or expired at `moment`: it will never work again."""
        return (
            self.used_at is not None
            or (self.revoked_at is not None and self.revoked_at <= moment)
            or moment >= self.expires_at
        )


def check_link(link: Link | None, now: datetime) -> Link:
    """The link a PIN may be set with, or the reason it may not (ID-3)."""
    if link is None:
        raise RequestRefused(
            ErrorCode.link_unknown, "This SET PIN link is not known; use the newest link sent."
        )
    if link.used_at is not None:
        raise RequestRefused(
            ErrorCode.link_used,
            "This SET PIN link was already used; a link works once. Ask for a new one.",
        )
    if link.revoked_at is not None or now >= link.expires_at:
        raise RequestRefused(
            ErrorCode.link_expired,
            "This SET PIN link has expired; a reminder with a new link is on its way.",
        )
    return link


def after_in_use_refusal(link: Link, now: datetime) -> Link:
    """Count a `pin_in_use` answer; the last allowed one also ends the link."""
    refusals = link.in_use_refusals + 1
    revoked = now if refusals >= MAX_IN_USE_REFUSALS else link.revoked_at
    return Link(
        link.person_id,
        link.issued_at,
        link.expires_at,
        link.used_at,
        revoked,
        refusals,
        link.reminder,
    )


def reminder_due(latest: Link, *, pin_set: bool, reminders_sent: int, as_of: datetime) -> bool:
    """A reminder with a new link is due when the adult has no PIN, their newest link
    is dead as of `as_of` without having been used, and the reminders since the
    last welcome or reset link are not used up (ID-3). Running the job again for
    the same moment finds the new link alive, so sends nothing."""
    return (
        not pin_set
        and latest.used_at is None
        and latest.dead_at(as_of)
        and reminders_sent < MAX_REMINDERS
    )
