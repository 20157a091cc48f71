"""The one interface every channel is behind: deliver a message, or say why not."""

from __future__ import annotations

from typing import Protocol

from services.notify.messages import Outgoing


class DeliveryFailed(Exception):
    """A try that did not deliver. `permanent` when trying again cannot help (the
    server refused the address); otherwise the message is tried again later.

    The reason is for operators: it never holds the message body.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Courier(Protocol):
    """Delivers one message on its channel; raises `DeliveryFailed` when it cannot."""

    async def deliver(self, message: Outgoing) -> None: ...
