"""Every message in English and Spanish, with dates as a reader of the language
writes them (NOT-1); names never become markup; a secret stays in the body."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.notify.compose import TEMPLATES, Composer
from services.notify.domain.days import zone
from services.notify.domain.kinds import SECRET_KINDS, MessageKind
from services.notify.formatting import Formatter

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SECRET = "tok-SECRET-9f8e"
composer = Composer()


def facts(kind: MessageKind, **overrides: Any) -> dict[str, Any]:
    """Facts as the planners give them, for each kind."""
    common = {"first_name": "Ana", "provider_name": "Sunshine", "link": "https://ats.example/x"}
    by_kind: dict[MessageKind, dict[str, Any]] = {
        MessageKind.pin_link: {
            "link": f"https://ats.example/set-pin#token={SECRET}",
            "expires_at": NOW + timedelta(hours=24),
            "valid_hours": 24,
        },
        MessageKind.registration_code: {
            "code": SECRET,
            "last_name": "Baker",
            "expires_at": NOW + timedelta(days=1),
            "valid_hours": 24,
        },
        MessageKind.pending_approval: {
            "child_name": "Sofia",
            "direction": "in",
            "occurred_at": NOW,
            "deadline": NOW + timedelta(days=9),
            "days_left": 9,
        },
        MessageKind.pending_deadline_reminder: {
            "child_name": "Sofia",
            "deadline": NOW + timedelta(days=2),
            "days_left": 2,
        },
        MessageKind.absence_standard_exceeded: {
            "child_name": "Sofia",
            "count": 66,
            "standard": 65,
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 12, 31),
        },
        MessageKind.attendance_errors: {
            "date": date(2026, 11, 23),
            "errors": [{"child": "Sofia Garcia (CH-1)", "code": "incomplete_pair"}],
        },
        MessageKind.submission_deadline: {
            "month": date(2026, 10, 1),
            "deadline": date(2026, 11, 10),
            "days_left": 2,
        },
        MessageKind.supplemental_bill: {
            "month": date(2026, 10, 1),
            "child": "Sofia Garcia (CH-1)",
            "authorization_id": "AUTH-1",
            "code": "already_submitted",
        },
    }
    by_kind[MessageKind.pin_link_reminder] = by_kind[MessageKind.pin_link]
    by_kind[MessageKind.automatic_checkout] = by_kind[MessageKind.pending_approval]
    return {**common, **by_kind[kind], **overrides}


@pytest.mark.parametrize("kind", list(MessageKind), ids=str)
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_kind_has_every_part_in_every_language(kind: MessageKind, language: str) -> None:
    # NOT-1: English and Spanish; plain text and HTML parts
    rendered = composer.render(kind, language, "America/Denver", facts(kind))
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.startswith("Hello Ana," if language == "en" else "Hola, Ana:")
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in rendered.html
    assert rendered.sms and "\n" not in rendered.sms


@pytest.mark.parametrize("kind", list(MessageKind), ids=str)
def test_spanish_is_not_english(kind: MessageKind) -> None:  # NOT-1
    english = composer.render(kind, "en", "America/Denver", facts(kind))
    spanish = composer.render(kind, "es", "America/Denver", facts(kind))
    assert english.subject != spanish.subject
    assert english.sms != spanish.sms


def test_templates_exist_for_each_kind_and_nothing_else() -> None:  # NOT-1
    for language in ("en", "es"):
        names = {p.stem for p in (TEMPLATES / language).glob("*.j2")}
        assert names == {k.value for k in MessageKind} | {"_base", "_words"}


@pytest.mark.parametrize("kind", list(MessageKind), ids=str)
def test_a_secret_stays_out_of_the_subject(kind: MessageKind) -> None:  # architecture rule 6
    for language in ("en", "es"):
        rendered = composer.render(kind, language, "America/Denver", facts(kind))
        assert SECRET not in rendered.subject
        assert (SECRET in rendered.text) == (kind in SECRET_KINDS)
        assert (SECRET in rendered.html) == (kind in SECRET_KINDS)


def test_a_name_never_becomes_markup() -> None:
    rendered = composer.render(
        MessageKind.pending_approval,
        "en",
        "UTC",
        facts(MessageKind.pending_approval, child_name='<script>alert("x")</script>'),
    )
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert '<script>alert("x")</script>' in rendered.text  # plain text is not HTML


def test_missing_names_read_naturally() -> None:  # NOT-3: not held back for a name
    rendered = composer.render(
        MessageKind.pending_approval,
        "es",
        "UTC",
        facts(MessageKind.pending_approval, child_name=None, provider_name=None, first_name=""),
    )
    assert rendered.text.startswith("Hola:")
    assert (
        "Su proveedor de cuidado infantil registró en su nombre una entrada de su niño(a)"
        in rendered.text
    )


def test_the_last_day_is_said_as_such() -> None:  # ATT-2
    en = composer.render(
        MessageKind.pending_approval, "en", "UTC", facts(MessageKind.pending_approval, days_left=0)
    )
    es = composer.render(
        MessageKind.pending_approval, "es", "UTC", facts(MessageKind.pending_approval, days_left=1)
    )
    assert "You have less than a day left" in en.text
    assert "Le queda 1 día" in es.text


def test_supplemental_reasons_are_words_not_codes() -> None:  # BILL-2..BILL-5
    for code in (
        "already_submitted",
        "absence_without_attendance",
        "age_out_of_range",
        "time_limit_exceeded",
        "provider_on_hold",
        "pending_expired",
    ):
        for language in ("en", "es"):
            rendered = composer.render(
                MessageKind.supplemental_bill,
                language,
                "UTC",
                facts(MessageKind.supplemental_bill, code=code),
            )
            assert code not in rendered.text
    unknown = composer.render(
        MessageKind.supplemental_bill,
        "en",
        "UTC",
        facts(MessageKind.supplemental_bill, code="new_reason"),
    )
    assert "(new_reason)" in unknown.text


# --- dates as the reader writes them (NOT-1) --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "moment", "month"),
    [
        (
            "en",
            "Tuesday, November 24, 2026",
            "Tuesday, November 24, 2026, 8:00\u202fAM MST",
            "October 2026",
        ),
        (
            "es",
            "martes, 24 de noviembre de 2026",
            "martes, 24 de noviembre de 2026, 8:00\u202fa.m. MST",
            "octubre de 2026",
        ),
    ],
)
def test_dates_follow_the_reader_language(
    language: str, day: str, moment: str, month: str
) -> None:  # NOT-1
    fmt = Formatter(language, zone("America/Denver"))
    assert fmt.day(NOW) == day
    assert fmt.moment(NOW) == moment
    assert fmt.month(date(2026, 10, 1)) == month


def test_times_are_in_the_provider_zone_arizona_without_daylight_saving() -> None:
    summer = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
    assert Formatter("en", zone("America/Phoenix")).clock(summer) == "8:00\u202fAM MST"
    assert Formatter("en", zone("America/Denver")).clock(summer) == "9:00\u202fAM MDT"


def test_template_files_are_packaged() -> None:  # only .j2 files are packaged
    assert all(p.suffix == ".j2" for p in Path(TEMPLATES).rglob("*") if p.is_file())
