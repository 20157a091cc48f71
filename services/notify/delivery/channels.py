"""Which courier carries each channel, from the settings: SMTP when `SMTP_HOST` is
set, else `.eml` files in the data folder; the SMS log sink for phones."""

from __future__ import annotations

from services.notify.config import NotifySettings
from services.notify.delivery.couriers import Courier
from services.notify.delivery.eml import EmlCourier
from services.notify.delivery.sms import SmsLogSink
from services.notify.delivery.smtp import SmtpCourier
from services.notify.domain.contacts import Channel
from shared.settings import Settings


def couriers_for(settings: Settings, notify: NotifySettings) -> dict[str, Courier]:
    email: Courier
    if settings.smtp_host:
        email = SmtpCourier(
            settings.smtp_host,
            settings.smtp_port,
            mail_from=notify.mail_from,
            username=notify.smtp_username,
            password=notify.smtp_password.get_secret_value(),
            tls=notify.smtp_tls,
            timeout=notify.smtp_timeout_seconds,
        )
    else:
        email = EmlCourier(settings.data_dir / "mail", mail_from=notify.mail_from)
    return {Channel.email.value: email, Channel.sms.value: SmsLogSink(settings.data_dir / "sms")}
