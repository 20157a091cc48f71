"""E-mail written as `.eml` files in the data folder, when no SMTP server is
configured: the demo shows real mail, openable by any mail client."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from services.notify.delivery.mail import build_email
from services.notify.messages import Outgoing


def eml_name(message: Outgoing) -> str:
    """Sorted by the time the message was decided; the same file for every try."""
    stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{message.kind}-{message.notification_id}.eml"


class EmlCourier:
    def __init__(self, folder: Path, *, mail_from: str) -> None:
        self.folder = folder
        self.mail_from = mail_from

    async def deliver(self, message: Outgoing) -> None:
        data = bytes(build_email(message, self.mail_from))
        await asyncio.to_thread(self._write, eml_name(message), data)

    def _write(self, name: str, data: bytes) -> None:
        """Whole or not at all: written aside, then renamed into place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, target)
