"""Device lock (ID-2, architecture rule 6): a kiosk that fails too often in a
short while is locked for a while; the numbers are the provider's policy pack's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.policy.model import DeviceLockout


@dataclass(frozen=True)
class Device:
    """One kiosk's recent failed sign-ins and its lock, if any."""

    failures: tuple[datetime, ...] = ()
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def after_failure(device: Device, now: datetime, policy: DeviceLockout) -> Device:
    """The device after one more failed sign-in at `now`.

    Failures older than the window, or from before the last lock ended, no longer
    count; reaching `max_failures` locks the device for `locked_minutes` and
    starts the count afresh. A success changes nothing, here or on any other
    device: someone guessing PINs cannot clear the count with their own PIN.
    """
    since = now - timedelta(minutes=policy.window_minutes)
    if device.locked_until is not None:
        since = max(since, device.locked_until)
    recent = (*(f for f in device.failures if f > since), now)
    if len(recent) >= policy.max_failures:
        return Device((), now + timedelta(minutes=policy.locked_minutes))
    return Device(recent, device.locked_until)
