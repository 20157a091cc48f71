"""Text messages, for adults with a phone and no e-mail. Until an SMS provider is
configured, a sink stands in: it logs that a message went (never its words, which
may hold a link) and writes the text to a file in the data folder."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from services.notify.messages import Outgoing

log = logging.getLogger("ccats.notify.sms")


def masked(phone: str) -> str:
    """Enough of a number for an operator to recognise it: its last four digits."""
    return f"…{phone[-4:]}" if len(phone) > 4 else "…"


class SmsLogSink:
    """The SMS channel's stand-in provider, behind the same `Courier` interface."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def deliver(self, message: Outgoing) -> None:
        await asyncio.to_thread(self._write, message)
        log.info(
            "text message handed to the log sink",
            extra={
                "notification_id": message.notification_id,
                "kind": message.kind,
                "to": masked(message.address),
                "chars": len(message.sms_text),
            },
        )

    def _write(self, message: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{message.notification_id}.txt"
        partial = self.folder / f".{message.notification_id}.partial"
        partial.write_text(f"To: {message.address}\n\n{message.sms_text}\n", encoding="utf-8")
        os.replace(partial, target)
