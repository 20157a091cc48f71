"""Dates, times, months and numbers written the way a reader of the language
expects (NOT-1), with Babel's locale data rather than hand-made formats."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal

LOCALES: dict[str, str] = {"en": "en_US", "es": "es_US"}
"""The locale of each language: the programs are in the United States."""


def locale_for(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


class Formatter:
    """Writes values for one reader: their locale, and the time zone dates are in."""

    def __init__(self, language: str, tz: tzinfo) -> None:
        self.locale = locale_for(language)
        self.tz = tz

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def day(self, value: date | datetime) -> str:
        """`Tuesday, November 24, 2026` / `martes, 24 de noviembre de 2026`."""
        if isinstance(value, datetime):
            value = self._local(value).date()
        return format_date(value, "full", locale=self.locale)

    def short_day(self, value: date | datetime) -> str:
        """`November 24` / `24 de noviembre`, for subjects and text messages."""
        if isinstance(value, datetime):
            value = self._local(value).date()
        return format_skeleton("MMMMd", value, locale=self.locale)

    def clock(self, moment: datetime) -> str:
        """`11:59 PM MST` / `11:59 p.m. MST`: the local time with its zone."""
        local = self._local(moment)
        return (
            f"{format_time(local, 'short', locale=self.locale)} "
            f"{format_time(local, 'z', tzinfo=self.tz, locale=self.locale)}"
        )

    def moment(self, moment: datetime) -> str:
        """The day and the time joined as the locale joins them
        (`Tuesday, November 24, 2026 at 11:59 PM MST`)."""
        pattern = Locale.parse(self.locale).datetime_formats["long"]
        return str(pattern).replace("{1}", self.day(moment)).replace("{0}", self.clock(moment))

    def month(self, value: date) -> str:
        """`November 2026` / `noviembre de 2026`."""
        return format_skeleton("yMMMM", value, locale=self.locale)

    def number(self, value: Any) -> str:
        return format_decimal(value, locale=self.locale)
