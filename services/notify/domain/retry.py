"""When to try a message again after the mail server failed (NOT-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff per message: `base`, doubled each try, never above `cap`,
    and given up after `max_attempts` tries."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 30

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("retry base must be positive and at most the cap")
        if self.max_attempts < 1:
            raise ValueError("a message is tried at least once")

    def delay_after(self, attempts: int) -> timedelta:
        """The pause after the `attempts`-th try failed."""
        if attempts < 1:
            raise ValueError("attempts are counted from 1")
        doublings = min(attempts - 1, 64)  # in floats: timedelta overflows long before
        seconds = min(self.base.total_seconds() * 2.0**doublings, self.cap.total_seconds())
        return timedelta(seconds=seconds)

    def retry_at(self, attempts: int, failed_at: datetime) -> datetime | None:
        """When to try again after the `attempts`-th failure; None once tries are spent."""
        if attempts >= self.max_attempts:
            return None
        return failed_at + self.delay_after(attempts)

    def lease_until(
        self, attempts: int, claimed_at: datetime, at_least: timedelta = timedelta(0)
    ) -> datetime:
        """How long a claimed message stays with the worker that claimed it: if that
        worker dies mid-send, another picks the message up when its retry is due, but
        never before `at_least` (longer than one send may take)."""
        return claimed_at + max(self.delay_after(attempts), at_least)
