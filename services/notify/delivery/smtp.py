"""E-mail through an SMTP server (`SMTP_HOST`, `SMTP_PORT`)."""

from __future__ import annotations

import aiosmtplib

from services.notify.delivery.couriers import DeliveryFailed
from services.notify.delivery.mail import build_email
from services.notify.messages import Outgoing


def _refusal(code: int, message: str) -> DeliveryFailed:
    """A 5xx refusal of the recipient is permanent; anything else is worth retrying."""
    text = " ".join(message.split())[:200]
    return DeliveryFailed(f"SMTP {code}: {text}", permanent=500 <= code < 600)


class SmtpCourier:
    """Sends each message in its own SMTP session; a try that fails is retried by
    the worker, so a server down for a while loses nothing."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mail_from: str,
        username: str = "",
        password: str = "",
        tls: str = "auto",
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.mail_from = mail_from
        self.username = username or None
        self.password = password or None
        self.use_tls = tls == "tls"
        self.start_tls = {"auto": None, "starttls": True}.get(tls, False)
        self.timeout = timeout

    async def deliver(self, message: Outgoing) -> None:
        mail = build_email(message, self.mail_from)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusal = exc.recipients[0] if exc.recipients else None
            if refusal is None:
                raise DeliveryFailed("SMTP: recipient refused") from None
            raise _refusal(refusal.code, refusal.message) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailed(
                f"SMTP {exc.code}: {' '.join(exc.message.split())[:200]}"
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise DeliveryFailed(f"mail server unreachable: {detail}") from None
