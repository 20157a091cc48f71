"""The couriers behind one interface: an e-mail as it leaves, `.eml` files with no
mail server, the SMS log sink, and which SMTP refusals are worth retrying (NOT-3)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from services.notify.delivery.eml import EmlCourier
from services.notify.delivery.mail import build_email, mail_domain
from services.notify.delivery.sms import SmsLogSink, masked
from services.notify.delivery.smtp import _refusal
from services.notify.messages import Outgoing

CREATED = datetime(2026, 11, 24, 15, 0, 7, tzinfo=UTC)
FROM = "Child Care Attendance <no-reply@ats.example>"


def outgoing(**overrides) -> Outgoing:
    fields = {
        "notification_id": "9b1f0c1e-0000-4000-8000-000000000001",
        "kind": "pin_link",
        "recipient_type": "person",
        "recipient_id": "A-1",
        "channel": "email",
        "address": "ana@family.example",
        "display_name": "Ana García",
        "language": "es",
        "subject": "Le damos la bienvenida: cree su PIN de asistencia",
        "body_text": "Hola, Ana:\n\nhttps://ats.example/set-pin#token=tok-1\n",
        "body_html": "<p>Hola, Ana:</p>",
        "sms_text": "Cree su PIN: https://ats.example/set-pin#token=tok-1",
        "attempts": 1,
        "created_at": CREATED,
        "secret": True,
    }
    return Outgoing(**(fields | overrides))


def test_an_email_has_text_and_html_and_says_who_and_which_language() -> None:  # NOT-1
    mail = message_from_bytes(bytes(build_email(outgoing(), FROM)), policy=default_policy)
    assert mail["To"] == "Ana García <ana@family.example>"
    assert mail["From"] == FROM
    assert mail["Subject"] == "Le damos la bienvenida: cree su PIN de asistencia"
    assert mail["Content-Language"] == "es"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "multipart/alternative"
    assert "token=tok-1" in mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)).get_content().strip() == "<p>Hola, Ana:</p>"


def test_every_try_of_a_message_is_the_same_mail() -> None:  # NOT-3: sent once
    first = build_email(outgoing(attempts=1), FROM)
    third = build_email(outgoing(attempts=3), FROM)
    assert (
        first["Message-ID"]
        == third["Message-ID"]
        == ("<9b1f0c1e-0000-4000-8000-000000000001@ats.example>")
    )
    assert first["Date"] == third["Date"]
    assert mail_domain("no-reply") == "ccats.localhost"


async def test_without_a_mail_server_a_message_is_one_eml_file(tmp_path: Path) -> None:
    # NOT-3: the demo shows real mail; a repeated try rewrites the same file
    courier = EmlCourier(tmp_path / "mail", mail_from=FROM)
    await courier.deliver(outgoing())
    await courier.deliver(outgoing(attempts=2))
    [path] = list((tmp_path / "mail").iterdir())
    assert path.name == "20261124T150007-pin_link-9b1f0c1e-0000-4000-8000-000000000001.eml"
    mail = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert mail["To"] == "Ana García <ana@family.example>"


async def test_the_sms_sink_logs_the_fact_and_files_the_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # NOT-3, architecture rule 6
    caplog.set_level(logging.DEBUG)
    sink = SmsLogSink(tmp_path / "sms")
    await sink.deliver(outgoing(channel="sms", address="3035550142", display_name=None))
    [path] = list((tmp_path / "sms").iterdir())
    assert path.read_text() == (
        "To: 3035550142\n\nCree su PIN: https://ats.example/set-pin#token=tok-1\n"
    )
    [record] = [r for r in caplog.records if r.name == "ccats.notify.sms"]
    assert record.to == "…0142"
    assert "tok-1" not in record.getMessage() + str(vars(record))
    assert "3035550142" not in str(vars(record))
    assert masked("12") == "…"


@pytest.mark.parametrize(
    ("code", "permanent"), [(550, True), (553, True), (450, False), (421, False), (452, False)]
)
def test_only_a_permanent_refusal_stops_the_tries(code: int, permanent: bool) -> None:  # NOT-3
    failure = _refusal(code, "5.1.1 No such\n  mailbox")
    assert failure.permanent is permanent
    assert failure.reason == f"SMTP {code}: 5.1.1 No such mailbox"
