"""Every message a person must get, from the event that causes it (NOT-2), to the
right person, and kept until its recipients are known (NOT-3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.events import (
    AbsenceStandardExceeded,
    AttendanceErrorsUnresolved,
    PendingAttendanceCreated,
    PendingDeadlineApproaching,
    RegistrationCodeIssued,
    SubmissionDeadlineApproaching,
    SupplementalBillRequired,
)
from shared.settings import Settings
from tests.integration.test_notify_support import (
    NOW,
    Received,
    SmtpServer,
    adult,
    authorization_changed,
    contacts_known,
    look_up,
    pin_link,
    provider_changed,
    publish,
    publish_case,
    sent_events,
    smtp_server,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def notify(nc: NatsClient, settings: Settings, smtp: SmtpServer):
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    async with running(mail, ("notify",), clock=FixedClock(NOW)) as system:
        yield system


@pytest.fixture
async def family(notify, nc: NatsClient, settings: Settings) -> None:
    """A Colorado center, a child on an authorization there, and her case's two
    adults: a parent and a delegate."""
    await publish(nc, provider_changed())
    await publish(nc, authorization_changed())
    await publish_case(
        nc,
        "CASE-1",
        [
            adult("A-1", "Ana"),
            adult("A-3", "Dora", last_name="Diaz", role="delegate"),
        ],
    )
    await eventually(
        lambda: contacts_known(settings, case_id="CASE-1", provider_id="CO-1", child_id="CH-1")
    )


async def only_mail_to(smtp: SmtpServer, address: str) -> Received:
    [received] = await eventually(lambda: _mail_to(smtp, address))
    return received


async def the_sent_event(nc: NatsClient, kind: str):
    events = await eventually(lambda: _sent_of_kind(nc, kind))
    [event] = events
    return event


# --- to adults ----------------------------------------------------------------------------


async def test_set_pin_link_reminder(notify, nc: NatsClient, smtp: SmtpServer) -> None:  # ID-3
    await publish(nc, pin_link(reminder=True, link_token="tok-second"))

    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == "Reminder: set your attendance PIN"
    assert "your earlier link has expired" in mail.text()
    assert "set-pin#token=tok-second" in mail.text()
    assert (await the_sent_event(nc, "pin_link_reminder")).person_id == "A-1"


async def test_each_pending_record_goes_to_the_parents_with_the_days_left(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ATT-2, NOT-2
    await publish(
        nc,
        PendingAttendanceCreated(
            occurred_at=NOW,
            record_id="REC-1",
            provider_id="CO-1",
            child_id="CH-1",
            case_id="CASE-1",
            direction="in",
            channel="provider",
            operator_id="OP-1",
            deadline=NOW + timedelta(days=9),
        ),
    )

    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == "Please review a check-in for Sofia"
    text = mail.text()
    assert "Sunshine Early Learning Center recorded a check-in for Sofia" in text
    assert "You have 9 days left, until Thursday, December 3, 2026" in text
    assert "approving a day your child was absent is fraud" in text
    assert "http://127.0.0.1:8080/parent/pending" in text
    assert smtp.mailbox.to("dora@family.example") == []  # approving is the parent's (ATT-2)
    assert (await the_sent_event(nc, "pending_approval")).person_id == "A-1"


async def test_the_automatic_checkout_asks_for_the_real_time(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ATT-3
    checked_out = NOW.replace(hour=6, minute=59) + timedelta(days=1)  # 11:59 pm in Denver
    await publish(
        nc,
        PendingAttendanceCreated(
            occurred_at=checked_out,
            record_id="REC-2",
            provider_id="CO-1",
            child_id="CH-1",
            case_id="CASE-1",
            direction="out",
            channel="kiosk",
            deadline=checked_out + timedelta(days=9),
        ),
    )

    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == (
        "Sofia was checked out automatically: please enter the real time"
    )
    assert "so the system did it at Tuesday, November 24, 2026, 11:59\u202fPM MST" in mail.text()
    assert "Change it to the time you really picked your child up" in mail.text()
    assert (await the_sent_event(nc, "automatic_checkout")).person_id == "A-1"


async def test_the_reminder_two_days_before_a_pending_record_expires(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ATT-2, ATT-3
    await publish(
        nc,
        PendingDeadlineApproaching(
            occurred_at=NOW,
            record_id="REC-1",
            provider_id="CO-1",
            child_id="CH-1",
            case_id="CASE-1",
            deadline=NOW + timedelta(days=2),
            days_left=2,
        ),
    )

    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == "Reminder: pending attendance for Sofia expires in 2 days"
    assert "It expires on Thursday, November 26, 2026" in mail.text()
    assert (await the_sent_event(nc, "pending_deadline_reminder")).person_id == "A-1"


async def test_a_parent_is_told_when_absences_pass_the_standard(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ATT-8
    await publish(
        nc,
        AbsenceStandardExceeded(
            occurred_at=NOW,
            child_id="CH-1",
            case_id="CASE-1",
            count=66,
            standard=65,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        ),
    )

    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == ("Sofia has more absences than the attendance standard allows")
    assert "Sofia has 66 counted absences" in mail.text()
    assert "more than the 65 the attendance standard allows" in mail.text()
    assert (await the_sent_event(nc, "absence_standard_exceeded")).person_id == "A-1"


# --- to providers -------------------------------------------------------------------------


async def test_records_in_error_at_day_end_go_to_the_provider(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ATT-4
    await publish(
        nc,
        AttendanceErrorsUnresolved(
            occurred_at=NOW,
            provider_id="CO-1",
            date=date(2026, 11, 23),
            errors=[
                {"child_id": "CH-1", "code": "incomplete_pair"},
                {"child_id": "CH-9", "code": "out_of_sequence"},
            ],
        ),
    )

    mail = await only_mail_to(smtp, "office@sunshine.example")
    assert mail.mail["Subject"] == "Attendance errors to fix for November 23"
    text = mail.text()
    assert "Sofia Garcia (CH-1): a check-in without its check-out" in text
    assert "CH-9: a check-out recorded before its check-in" in text
    assert "cannot be submitted for payment" in text
    assert (await the_sent_event(nc, "attendance_errors")).provider_id == "CO-1"


async def test_the_submission_deadline_goes_to_the_provider(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # BILL-1
    await publish(
        nc,
        SubmissionDeadlineApproaching(
            occurred_at=NOW,
            provider_id="CO-1",
            month="2026-10",
            deadline=date(2026, 11, 26),
            days_left=2,
        ),
    )

    mail = await only_mail_to(smtp, "office@sunshine.example")
    assert mail.mail["Subject"] == "Submit October 2026 attendance by November 26"
    assert (
        "The last day to review and submit it is Thursday, November 26, 2026: 2 days left."
        in mail.text()
    )
    assert (await the_sent_event(nc, "submission_deadline")).provider_id == "CO-1"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("already_submitted", "the month was already submitted for this child"),  # BILL-2
        ("absence_without_attendance", "paid absences need at least one attendance unit"),  # BILL-3
        ("age_out_of_range", "the child's age was outside the ages your program serves"),  # BILL-4
        ("time_limit_exceeded", "older than the billing time limit allows"),  # BILL-5
    ],
)
async def test_a_supplemental_bill_goes_to_the_provider_with_its_reason(
    family, nc: NatsClient, smtp: SmtpServer, code: str, words: str
) -> None:  # BILL-2..BILL-5
    await publish(
        nc,
        SupplementalBillRequired(
            occurred_at=NOW,
            provider_id="CO-1",
            month="2026-10",
            child_id="CH-1",
            authorization_id="AUTH-1",
            code=code,
        ),
    )

    mail = await only_mail_to(smtp, "office@sunshine.example")
    assert mail.mail["Subject"] == "Supplemental bill needed: Sofia Garcia (CH-1), October 2026"
    assert words in mail.text()
    assert "Attendance Per Student Report" in mail.text()
    assert (await the_sent_event(nc, "supplemental_bill")).provider_id == "CO-1"


async def test_a_registration_code_goes_to_the_administrator(
    family, nc: NatsClient, smtp: SmtpServer
) -> None:  # ID-8
    await publish(
        nc,
        RegistrationCodeIssued(
            occurred_at=NOW,
            provider_id="CO-1",
            first_name="Tom",
            last_name="Baker",
            email="tom@sunshine.example",
            code="583920",
            expires_at=NOW + timedelta(days=7),
            language="es",
        ),
    )

    mail = await only_mail_to(smtp, "tom@sunshine.example")
    assert mail.mail["Subject"] == "Su código de registro de proveedor"
    text = mail.text()
    assert "583920" in text
    assert "administrador de Sunshine Early Learning Center" in text
    assert "(Tom Baker)" in text
    assert smtp.mailbox.to("office@sunshine.example") == []
    assert (await the_sent_event(nc, "registration_code")).provider_id == "CO-1"


# --- kept until the recipients are known (NOT-3) -----------------------------------------


async def test_a_message_for_an_unknown_case_waits_for_the_case(
    notify, nc: NatsClient, smtp: SmtpServer, settings: Settings
) -> None:  # NOT-3: never lost
    await publish(
        nc,
        AbsenceStandardExceeded(
            occurred_at=NOW,
            child_id="CH-1",
            case_id="CASE-7",
            count=70,
            standard=65,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        ),
    )
    await eventually(lambda: _held(settings, "CASE-7"))
    assert smtp.mailbox.received == []

    await publish_case(nc, "CASE-7", [adult("A-7", "Eva", language="es")])

    mail = await only_mail_to(smtp, "eva@family.example")
    assert "70 ausencias contadas" in mail.text()
    assert not await _held(settings, "CASE-7")


async def test_a_message_for_an_unknown_provider_waits_and_operators_see_it(
    notify, nc: NatsClient, smtp: SmtpServer
) -> None:  # NOT-3: kept, and what waits can be looked up
    deadline = SubmissionDeadlineApproaching(
        occurred_at=NOW,
        provider_id="AZ-3",
        month="2026-10",
        deadline=date(2026, 11, 10),
        days_left=0,
    )
    await publish(nc, deadline)

    async def waiting() -> list:
        return (await look_up(nc, provider_id="AZ-3"))["waiting"]

    [kept] = await eventually(waiting)
    assert kept["cause_event_id"] == str(deadline.event_id)
    assert kept["cause_subject"] == "billing.submission_deadline_approaching"

    await publish(
        nc,
        provider_changed(
            provider_id="AZ-3",
            program="arizona",
            timezone="America/Phoenix",
            email="desk@bloom.example",
        ),
    )
    mail = await only_mail_to(smtp, "desk@bloom.example")
    assert "less than a day left" in mail.text()
    assert await waiting() == []


async def test_an_adult_without_address_is_written_to_once_they_have_one(
    notify, nc: NatsClient, smtp: SmtpServer
) -> None:  # NOT-3: never lost
    await publish_case(nc, "CASE-1", [adult("A-1", "Ana", email=None)])
    await publish(nc, pin_link(email=None, phone=None))

    async def no_address() -> list:
        messages = (await look_up(nc, person_id="A-1"))["messages"]
        return [m for m in messages if m["status"] == "no_address"]

    [kept] = await eventually(no_address)
    assert kept["to"] is None

    await publish_case(nc, "CASE-1", [adult("A-1", "Ana")], version=2)
    mail = await only_mail_to(smtp, "ana@family.example")
    assert mail.mail["Subject"] == "Welcome: set your attendance PIN"
    [message] = (await look_up(nc, person_id="A-1"))["messages"]
    assert message["notification_id"] == kept["notification_id"]


async def test_an_older_case_version_changes_nobody_s_address(
    notify, nc: NatsClient, smtp: SmtpServer, settings: Settings
) -> None:  # AUTH-1: the latest version wins
    await publish_case(nc, "CASE-1", [adult("A-1", "Ana", email="new@family.example")], version=3)
    await publish_case(nc, "CASE-1", [adult("A-1", "Ana", email="old@family.example")], version=2)
    await publish_case(nc, "CASE-MARK", [])  # after both on the stream: handled after them
    await eventually(lambda: contacts_known(settings, case_id="CASE-MARK"))
    await publish(
        nc,
        PendingDeadlineApproaching(
            occurred_at=NOW,
            record_id="REC-1",
            provider_id="CO-1",
            child_id="CH-1",
            case_id="CASE-1",
            deadline=NOW + timedelta(days=2),
            days_left=2,
        ),
    )

    await only_mail_to(smtp, "new@family.example")
    assert smtp.mailbox.to("old@family.example") == []


# --- probes ---------------------------------------------------------------------------------


async def _mail_to(smtp: SmtpServer, address: str) -> list[Received]:
    return smtp.mailbox.to(address)


async def _sent_of_kind(nc: NatsClient, kind: str):
    return [e for e in await sent_events(nc) if e.kind == kind]


async def _held(settings: Settings, case_id: str) -> bool:
    from tests.integration.test_notify_support import in_read_model

    return await in_read_model(settings, "held_causes", "waiting_id", case_id)
