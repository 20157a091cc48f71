"""An e-mail as it is sent: plain text and HTML alternatives, with the headers that
let a mail client thread it, and let a recipient's server drop a repeat."""

from __future__ import annotations

from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from services.notify.messages import Outgoing


def mail_domain(mail_from: str) -> str:
    """The domain of the sender, for Message-IDs."""
    _, addr = parseaddr(mail_from)
    _, at, domain = addr.rpartition("@")
    return domain if at and domain else "ccats.localhost"


def _recipient(message: Outgoing) -> str:
    if message.display_name:
        local, _, domain = message.address.rpartition("@")
        return str(MailAddress(display_name=message.display_name, username=local, domain=domain))
    return message.address


def build_email(message: Outgoing, mail_from: str) -> EmailMessage:
    """The message's e-mail. `Message-ID` is the notification's own, so a try
    repeated after a lost answer is the same mail, not a second one."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = mail_from
    mail["To"] = _recipient(message)
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = f"<{message.notification_id}@{mail_domain(mail_from)}>"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    mail["X-Ccats-Kind"] = message.kind
    mail.set_content(message.body_text)
    mail.add_alternative(message.body_html, subtype="html")
    mail["Content-Language"] = message.language  # after the parts: set_content drops it
    return mail
