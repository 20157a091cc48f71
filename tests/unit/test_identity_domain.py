"""Pure identity rules: SET PIN links, the device lock, who may sign which child where,
delegates, cards, phones, keyed hashes and provider registration (ID-2..ID-9)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.identity.domain.cards import last_four, luhn_valid, new_card_number
from services.identity.domain.delegates import Candidate, StaffMember, check_delegate, combined
from services.identity.domain.hashing import Purpose, keyed_hash
from services.identity.domain.links import (
    MAX_IN_USE_REFUSALS,
    MAX_REMINDERS,
    Link,
    after_in_use_refusal,
    check_link,
    reminder_due,
)
from services.identity.domain.lockout import Device, after_failure
from services.identity.domain.people import Person, age_on, same_adult
from services.identity.domain.phones import is_sponsor_phone, national_phone
from services.identity.domain.policy import link_lifetime, packs_for, pin_length
from services.identity.domain.registration import (
    Code,
    Operator,
    check_administrator,
    check_code,
    staff_member_named,
)
from services.identity.domain.signin import (
    Adult,
    Presence,
    Provider,
    Route,
    Typed,
    check_device,
    check_provider,
    decide,
    local_day,
)
from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.policy import load_pack

NOW = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)  # 8:00 in Denver, 8:00 in Phoenix
colorado, arizona, texas = (load_pack(p) for p in ("colorado", "arizona", "texas"))


@contextmanager
def refused(code: ErrorCode) -> Iterator[None]:
    """The block is refused with `code`."""
    with pytest.raises(RequestRefused) as caught:
        yield
    assert caught.value.code == code


# --- SET PIN links (ID-3) ------------------------------------------------------------


def link(**changes: object) -> Link:
    values: dict[str, object] = {
        "person_id": "A-1",
        "issued_at": NOW,
        "expires_at": NOW + timedelta(hours=24),
    }
    return Link(**{**values, **changes})  # type: ignore[arg-type]


def test_a_link_works_until_it_expires() -> None:  # ID-3: 24 hours
    assert check_link(link(), NOW + timedelta(hours=23, minutes=59)) == link()
    with refused(ErrorCode.link_expired):
        check_link(link(), NOW + timedelta(hours=24))


def test_a_link_works_once() -> None:  # ID-3
    with refused(ErrorCode.link_used):
        check_link(link(used_at=NOW), NOW)
    with refused(ErrorCode.link_unknown):
        check_link(None, NOW)


def test_a_replaced_link_is_expired() -> None:  # ID-3: the old one stays dead
    with refused(ErrorCode.link_expired):
        check_link(link(revoked_at=NOW), NOW + timedelta(minutes=1))


def test_every_pack_gives_a_link_24_hours() -> None:  # ID-3
    assert link_lifetime(packs_for([])) == timedelta(hours=24)
    assert pin_length(packs_for(["texas", "arizona"])) == 8


def test_a_link_stops_working_after_its_last_in_use_answer() -> None:  # ID-2
    current = link()
    for _ in range(MAX_IN_USE_REFUSALS - 1):
        current = after_in_use_refusal(current, NOW)
        assert check_link(current, NOW)
    with refused(ErrorCode.link_expired):
        check_link(after_in_use_refusal(current, NOW), NOW)


@given(st.integers(0, 72))
def test_a_reminder_is_due_only_once_the_link_is_dead(hours: int) -> None:  # ID-3
    as_of = NOW + timedelta(hours=hours)
    due = reminder_due(link(), pin_set=False, reminders_sent=0, as_of=as_of)
    assert due == (hours >= 24)


def test_no_reminder_for_a_pin_set_or_after_the_last_reminder() -> None:  # ID-3
    later = NOW + timedelta(days=2)
    assert not reminder_due(link(), pin_set=True, reminders_sent=0, as_of=later)
    assert not reminder_due(link(used_at=NOW), pin_set=False, reminders_sent=0, as_of=later)
    assert not reminder_due(link(), pin_set=False, reminders_sent=MAX_REMINDERS, as_of=later)
    assert reminder_due(link(), pin_set=False, reminders_sent=MAX_REMINDERS - 1, as_of=later)


# --- the device lock (ID-2) -------------------------------------------------------------

policy = colorado.identity.device_lockout


def test_the_lock_numbers_come_from_the_pack() -> None:  # ID-2
    assert (policy.max_failures, policy.window_minutes, policy.locked_minutes) == (5, 15, 15)


def test_five_failures_in_fifteen_minutes_lock_for_fifteen() -> None:  # ID-2
    device = Device()
    for minute in range(5):
        assert not device.locked_at(NOW + timedelta(minutes=minute))
        device = after_failure(device, NOW + timedelta(minutes=minute), policy)
    assert device.locked_at(NOW + timedelta(minutes=4))
    assert device.locked_at(NOW + timedelta(minutes=18, seconds=59))
    assert not device.locked_at(NOW + timedelta(minutes=19))
    with refused(ErrorCode.device_locked):
        check_device(device, NOW + timedelta(minutes=10))


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:  # ID-2
    device = Device()
    for attempt in range(20):
        device = after_failure(device, NOW + timedelta(minutes=4 * attempt), policy)
        assert device.locked_until is None


@given(st.lists(st.integers(0, 120), max_size=30))
def test_locked_exactly_when_enough_failures_fall_in_one_window(minutes: list[int]) -> None:
    # ID-2: a lock follows max_failures failures within window_minutes, counted since the
    # last lock ended; while locked nothing is counted (the kiosk is refused first).
    device, counted = Device(), []
    for minute in sorted(minutes):
        moment = NOW + timedelta(minutes=minute)
        if device.locked_at(moment):
            continue
        start = max(
            moment - timedelta(minutes=policy.window_minutes),
            device.locked_until or moment - timedelta(days=1),
        )
        counted = [m for m in counted if m > start] + [moment]
        before = device.locked_until
        device = after_failure(device, moment, policy)
        if len(counted) >= policy.max_failures:
            assert device.locked_until == moment + timedelta(minutes=policy.locked_minutes)
            counted = []
        else:
            assert device.locked_until == before


# --- who may sign which child where (ID-4, ID-6, ID-9) --------------------------------

DENVER = Provider("CO-1", "colorado", "America/Denver", "active")
MARIA = Adult("A-1", "Maria", "6025550101", b"card")
NOTHING_TYPED = Typed(None, None)


def route(child: str = "CH-1", case: str = "C-1", **changes: object) -> Route:
    values: dict[str, object] = {
        "child_id": child,
        "first_name": child.title(),
        "case_id": case,
        "start_date": date(2026, 11, 1),
        "end_date": date(2027, 4, 30),
    }
    return Route(**{**values, **changes})  # type: ignore[arg-type]


def signin(
    routes: list[Route],
    *,
    adult: Adult | None = MARIA,
    pack=colorado,  # type: ignore[no-untyped-def]
    typed: Typed = NOTHING_TYPED,
    day: date = date(2026, 11, 9),
):
    return decide(provider=DENVER, pack=pack, adult=adult, typed=typed, routes=routes, day=day)


def test_the_pin_works_where_a_child_is_authorized_that_day() -> None:  # ID-4
    found = signin([route()])
    assert found is not None and [c.child_id for c in found.children] == ["CH-1"]
    assert signin([route(end_date=date(2026, 11, 8))]) is None  # ended yesterday
    assert signin([route(start_date=date(2026, 11, 10))]) is None  # starts tomorrow
    assert signin([]) is None  # no child here: like a wrong PIN
    assert signin([route()], adult=None) is None  # a wrong PIN


def test_a_child_on_two_cases_is_listed_once_with_both() -> None:  # ID-4, ATT-6
    found = signin([route(case="C-2"), route(case="C-1"), route("CH-2")])
    assert found is not None
    assert [(c.child_id, c.case_ids) for c in found.children] == [
        ("CH-1", ("C-1", "C-2")),
        ("CH-2", ("C-1",)),
    ]


def test_checked_in_means_a_live_check_in_today() -> None:  # ID-4 reply: checked_in
    morning = NOW.replace(hour=14)  # 7:00 in Denver
    cases = {
        "in today": (Presence("in", morning, "confirmed"), True),
        "pending in today": (Presence("in", morning, "pending"), True),
        "out today": (Presence("out", morning, "confirmed"), False),
        "in yesterday": (Presence("in", morning - timedelta(days=1), "confirmed"), False),
        "deleted": (Presence("in", morning, "deleted"), False),
    }
    for name, (presence, expected) in cases.items():
        found = signin([route(presence=presence)])
        assert found is not None and found.children[0].checked_in is expected, name


def test_arizona_asks_for_the_sponsors_phone() -> None:  # ID-6
    assert signin([route()], pack=arizona, typed=Typed("+1 (602) 555-0101", None)) is not None
    assert signin([route()], pack=arizona, typed=Typed("6025550102", None)) is None
    assert signin([route()], pack=arizona) is None


def test_texas_asks_for_the_card() -> None:  # ID-9
    assert signin([route()], pack=texas, typed=Typed(None, b"card")) is not None
    assert signin([route()], pack=texas, typed=Typed(None, b"old card")) is None
    assert signin([route()], pack=texas) is None
    no_card = Adult("A-1", "Maria", None, None)
    assert signin([route()], pack=texas, adult=no_card, typed=Typed(None, None)) is None


def test_a_terminated_or_unknown_provider_takes_no_sign_in() -> None:  # AUTH-3
    assert check_provider(Provider("P", "texas", "America/Chicago", "hold"))
    for provider in (None, Provider("P", "texas", "America/Chicago", "terminated")):
        with refused(ErrorCode.provider_not_active):
            check_provider(provider)


def test_today_is_the_providers_day() -> None:  # dates are local
    late = datetime(2026, 11, 10, 5, 30, tzinfo=UTC)
    assert local_day(late, "America/Denver") == date(2026, 11, 9)
    assert local_day(late, "Europe/Madrid") == date(2026, 11, 10)


# --- delegates (ID-5) ---------------------------------------------------------------------

STAFF = [
    StaffMember("Ana", "Ruiz", "ana@provider.org", "director"),
    StaffMember("Tom", "Lee", None, "admin"),
]
TEXAS_RULES = combined([texas.identity.delegates])


def candidate(
    birth: date = date(1980, 1, 1),
    first: str = "Rosa",
    last: str = "Diaz",
    email: str | None = None,
) -> Candidate:
    return Candidate(first, last, birth, email)


def check(
    who: Candidate,
    *,
    count: int = 0,
    parent: bool = False,
    already: bool = False,
    rules=TEXAS_RULES,
) -> None:  # type: ignore[no-untyped-def]
    check_delegate(
        who,
        rules=rules,
        staff=STAFF,
        parent_of_the_children=parent,
        delegates_now=count,
        already_a_delegate=already,
        today=date(2026, 11, 9),
    )


def test_texas_allows_three_delegates() -> None:  # ID-5
    check(candidate(), count=2)
    with refused(ErrorCode.too_many_delegates):
        check(candidate(), count=3)
    check(candidate(), count=3, already=True)  # more children for the same delegate


def test_nobody_under_16_unless_a_parent_of_the_child() -> None:  # ID-5
    check(candidate(date(2010, 11, 9)))  # 16 today
    with refused(ErrorCode.delegate_too_young):
        check(candidate(date(2010, 11, 10)))  # 16 tomorrow
    check(candidate(date(2011, 1, 1)), parent=True)


def test_never_the_owner_director_or_assistant_director() -> None:  # ID-5
    with refused(ErrorCode.delegate_is_facility_staff):
        check(candidate(first=" ana ", last="RUIZ"))
    with refused(ErrorCode.delegate_is_facility_staff):
        check(candidate(email="Ana@Provider.org"))
    check(candidate(first="Tom", last="Lee"))  # an admin is not barred


def test_a_child_at_two_programs_gets_the_stricter_rules() -> None:  # ID-5
    rules = combined([texas.identity.delegates, colorado.identity.delegates])
    assert rules.max_count == 3 and rules.min_age_years == 18
    with refused(ErrorCode.delegate_too_young):
        check(candidate(date(2009, 1, 1)), rules=rules)  # 17


@given(
    st.dates(date(1950, 1, 1), date(2020, 12, 31)).filter(lambda d: (d.month, d.day) != (2, 29)),
    st.integers(1, 60),
)
def test_age_turns_on_the_birthday(birth: date, years: int) -> None:  # ID-5
    birthday = birth.replace(year=birth.year + years)
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1


def test_the_same_adult_shares_names_and_one_more_thing() -> None:  # ID-4: each adult once
    known = Person("A-9", "Rosa", "Diaz", date(1980, 1, 1), "rosa@example.org", "6025550111")
    assert same_adult(known, "rosa", "DIAZ", birth_date=date(1980, 1, 1), email=None, phone=None)
    assert same_adult(
        known, "Rosa", "Diaz", birth_date=date(1999, 1, 1), email="ROSA@example.org", phone=None
    )
    assert not same_adult(
        known, "Rosa", "Diaz", birth_date=date(1999, 1, 1), email=None, phone=None
    )
    assert not same_adult(
        known, "Rosa", "Díaz", birth_date=date(1980, 1, 1), email=None, phone=None
    )


# --- phones, cards, keyed hashes ----------------------------------------------------------


def test_a_phone_is_its_ten_digits() -> None:  # ID-6
    assert national_phone("+1 (602) 555-0100") == "6025550100"
    assert national_phone("16025550100") == "6025550100"
    assert national_phone("602.555.0100") == "6025550100"
    assert national_phone(None) is None
    assert is_sponsor_phone("6025550100", 10) and not is_sponsor_phone("555010", 10)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_new_card_numbers_carry_a_check_digit(body: str) -> None:  # ID-9
    number = new_card_number(lambda n: body[:n])
    assert len(number) == 16 and number[0] != "0" and luhn_valid(number)
    assert last_four(number) == number[-4:]
    mistyped = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    assert not luhn_valid(mistyped)


def test_keyed_hashes_need_the_pepper_and_keep_purposes_apart() -> None:  # ID-2
    pepper = b"pepper"
    assert keyed_hash(pepper, Purpose.pin, "48151623") == keyed_hash(
        pepper, Purpose.pin, "48151623"
    )
    assert keyed_hash(pepper, Purpose.pin, "48151623") != keyed_hash(
        b"other pepper", Purpose.pin, "48151623"
    )
    assert keyed_hash(pepper, Purpose.pin, "48151623") != keyed_hash(
        pepper, Purpose.card, "48151623"
    )
    assert b"48151623" not in keyed_hash(pepper, Purpose.pin, "48151623")
    with pytest.raises(ValueError):
        keyed_hash(b"", Purpose.pin, "48151623")


# --- provider registration and operators (ID-7, ID-8) ---------------------------------------


def code(**changes: object) -> Code:
    values: dict[str, object] = {
        "provider_id": "AZ-1",
        "first_name": "Ana",
        "last_name": "Ruiz",
        "expires_at": NOW + timedelta(hours=24),
    }
    return Code(**{**values, **changes})  # type: ignore[arg-type]


def register(
    found: Code | None,
    first: str = "Ana",
    last: str = "Ruiz",
    provider_id: str = "AZ-1",
    now: datetime = NOW,
) -> Code:
    return check_code(found, provider_id=provider_id, first_name=first, last_name=last, now=now)


def test_names_must_be_exactly_as_on_the_state_record() -> None:  # ID-8
    assert staff_member_named(STAFF, "Ana", "Ruiz") == STAFF[0]
    assert staff_member_named(STAFF, "ana", "Ruiz") is None
    assert register(code())
    for first, last in (("ana", "Ruiz"), ("Ana", "Ruiz "), ("Tom", "Lee")):
        with refused(ErrorCode.registration_code_invalid):
            register(code(), first, last)


def test_a_code_works_once_for_24_hours_at_its_provider() -> None:  # ID-8
    with refused(ErrorCode.registration_code_invalid):
        register(None)
    with refused(ErrorCode.registration_code_invalid):
        register(code(), provider_id="AZ-2")
    with refused(ErrorCode.registration_code_used):
        register(code(used_at=NOW))
    with refused(ErrorCode.registration_code_expired):
        register(code(), now=NOW + timedelta(hours=24))
    with refused(ErrorCode.registration_code_expired):
        register(code(revoked_at=NOW))


def test_only_the_providers_own_administrators_manage_operators() -> None:  # ID-7
    admin = Operator("OP-1", "AZ-1", "provider_admin", True)
    assert check_administrator(admin, "AZ-1") == admin
    with refused(ErrorCode.operator_unknown):
        check_administrator(admin, "AZ-2")
    with refused(ErrorCode.operator_unknown):
        check_administrator(Operator("OP-1", "AZ-1", "provider_admin", False), "AZ-1")
    with refused(ErrorCode.not_provider_admin):
        check_administrator(Operator("OP-2", "AZ-1", "provider_operator", True), "AZ-1")
