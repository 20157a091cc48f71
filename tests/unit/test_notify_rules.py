"""Notify's pure rules: when to try again (NOT-3), days left (ATT-2), the reader's
language (NOT-1), and how to reach a person or a provider (NOT-2, NOT-3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notify.domain.contacts import (
    AdultContact,
    Channel,
    ProviderContact,
    StaffContact,
    adult_address,
    choose_language,
    parents_to_tell,
    provider_address,
)
from services.notify.domain.days import days_left, hours_between, zone
from services.notify.domain.links import set_pin_link
from services.notify.domain.retry import RetryPolicy

MOMENT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

policies = st.builds(
    lambda base, factor, attempts: RetryPolicy(
        base=timedelta(seconds=base), cap=timedelta(seconds=base * factor), max_attempts=attempts
    ),
    st.integers(min_value=1, max_value=600),
    st.integers(min_value=1, max_value=1000),
    st.integers(min_value=1, max_value=60),
)


# --- retries (NOT-3) ------------------------------------------------------------------------


@given(policies, st.integers(min_value=1, max_value=200))
def test_the_pause_grows_and_never_passes_the_cap(policy: RetryPolicy, attempts: int) -> None:
    # NOT-3: retried with backoff when the mail server fails
    pause = policy.delay_after(attempts)
    assert policy.base <= pause <= policy.cap
    assert policy.delay_after(attempts + 1) >= pause


@given(policies)
def test_a_message_is_given_up_exactly_after_its_last_try(policy: RetryPolicy) -> None:  # NOT-3
    tries = [policy.retry_at(n, MOMENT) for n in range(1, policy.max_attempts + 1)]
    assert all(t is not None and t > MOMENT for t in tries[:-1])
    assert tries[-1] is None


def test_default_tries_span_about_a_day() -> None:  # NOT-3: a long outage loses nothing
    policy = RetryPolicy()
    waited = sum((policy.delay_after(n) for n in range(1, policy.max_attempts)), timedelta())
    assert timedelta(hours=20) < waited < timedelta(hours=30)
    assert policy.delay_after(1) == timedelta(seconds=30)
    assert policy.delay_after(2) == timedelta(seconds=60)


def test_a_claim_outlasts_one_send() -> None:  # NOT-3: no second send while one is under way
    policy = RetryPolicy(base=timedelta(seconds=1))
    assert policy.lease_until(1, MOMENT, timedelta(minutes=1)) == MOMENT + timedelta(minutes=1)


def test_a_policy_that_cannot_try_is_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base=timedelta(minutes=5), cap=timedelta(minutes=1))


# --- days left (ATT-2) -----------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=23 * 60))
def test_days_left_count_calendar_days_in_the_provider_zone(days: int, minutes: int) -> None:
    # ATT-2: calendar days, weekends included, in the provider's time zone
    denver = zone("America/Denver")
    created = datetime(2026, 11, 6, 0, 30, tzinfo=denver) + timedelta(minutes=minutes)
    deadline = created + timedelta(days=days)
    assert days_left(deadline, created, "America/Denver") == days


@given(st.integers(min_value=1, max_value=1000))
def test_days_left_is_never_negative(hours_late: int) -> None:  # ATT-2
    assert days_left(MOMENT, MOMENT + timedelta(hours=hours_late), "America/Phoenix") == 0


def test_the_last_evening_in_denver_is_the_next_day_in_utc() -> None:  # ATT-2
    evening = datetime(2026, 11, 24, 5, 30, tzinfo=UTC)  # 10:30 pm on the 23rd in Denver
    deadline = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 11 pm on the 24th in Denver
    assert days_left(deadline, evening, "America/Denver") == 1
    assert days_left(deadline, evening, "UTC") == 1
    assert days_left(datetime(2026, 11, 24, 6, 0, tzinfo=UTC), evening, "America/Denver") == 0


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus") == zone("UTC")
    assert zone(None, "America/Phoenix") == zone("America/Phoenix")


def test_a_link_valid_for_a_day_says_24_hours() -> None:  # ID-3
    assert hours_between(MOMENT, MOMENT + timedelta(hours=24, seconds=20)) == 24


def test_the_token_rides_in_the_link_fragment() -> None:  # ID-3, architecture rule 6
    assert (
        set_pin_link("https://ats.example/", "a b/c")
        == "https://ats.example/set-pin#token=a%20b%2Fc"
    )


# --- languages (NOT-1) ------------------------------------------------------------------------


@given(st.one_of(st.none(), st.text(max_size=5)))
def test_the_language_is_always_one_a_template_exists_for(preferred: str | None) -> None:
    assert choose_language(preferred) in ("en", "es")  # NOT-1


def test_the_adult_reads_their_own_language_when_offered() -> None:  # NOT-1
    assert choose_language("es") == "es"
    assert choose_language("es", ("en",)) == "en"
    assert choose_language("fr", ("es", "en")) == "es"


# --- reaching people (NOT-2, NOT-3) ----------------------------------------------------------


def test_email_first_then_a_text_message_then_nothing() -> None:  # NOT-3
    by_mail = adult_address("Ana", "Garcia", "ana@x.example", "3035550100")
    assert (by_mail.channel, by_mail.to, by_mail.name) == (
        Channel.email,
        "ana@x.example",
        "Ana Garcia",
    )
    by_text = adult_address("Ana", "Garcia", None, "3035550100")
    assert (by_text.channel, by_text.to) == (Channel.sms, "3035550100")
    assert adult_address("Ana", "Garcia", None, None) is None


def provider(email: str | None, *staff: StaffContact) -> ProviderContact:
    return ProviderContact("CO-1", "Sunshine", "colorado", "America/Denver", email, staff)


def test_a_provider_is_written_to_at_its_own_address_else_its_administrator() -> None:
    # NOT-2: providers are told; ID-7: the administrator submits attendance
    owner = StaffContact("Maria", "Lopez", "maria@x.example", "owner")
    admin = StaffContact("Tom", "Baker", "tom@x.example", "admin")
    assert provider_address(provider("office@x.example", owner, admin)).to == "office@x.example"
    assert provider_address(provider(None, owner, admin)).to == "tom@x.example"
    assert provider_address(provider(None, owner)).to == "maria@x.example"
    assert provider_address(provider(None, StaffContact("A", "B", None, "admin"))) is None


def test_parents_are_told_and_delegates_only_when_no_parent_is_listed() -> None:  # ATT-2
    parent = AdultContact("A-1", "Ana", "Garcia", "a@x", None, "en", "parent")
    delegate = AdultContact("A-2", "Dora", "Diaz", "d@x", None, "es", "delegate")
    assert parents_to_tell([parent, delegate]) == (parent,)
    assert parents_to_tell([delegate]) == (delegate,)
