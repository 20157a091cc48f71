"""Who is told what, decided from the causing event and what notify knows (NOT-1,
NOT-2), and what waits when the recipients are not known yet (NOT-3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notify.domain.contacts import AdultContact, Channel, ProviderContact
from services.notify.domain.kinds import SECRET_KINDS, MessageKind
from services.notify.domain.planners import PLANNERS, planner_for
from services.notify.domain.plans import (
    ChildName,
    Directory,
    Draft,
    Held,
    RecipientType,
    Site,
    WaitingFor,
)
from shared.contract.events import (
    AbsenceStandardExceeded,
    AttendanceErrorsUnresolved,
    PendingAttendanceCreated,
    PendingDeadlineApproaching,
    PinSetLinkIssued,
    RegistrationCodeIssued,
    SubmissionDeadlineApproaching,
    SupplementalBillRequired,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SITE = Site(public_url="https://ats.example", default_timezone="America/Chicago")
ANA = AdultContact("A-1", "Ana", "Garcia", "ana@x.example", None, "es", "parent")
LEO = AdultContact("A-2", "Leo", "Garcia", None, "3035550100", "en", "parent")
DORA = AdultContact("A-3", "Dora", "Diaz", "dora@x.example", None, "en", "delegate")
SUNSHINE = ProviderContact("CO-1", "Sunshine", "colorado", "America/Denver", "o@x.example")
KNOWN = Directory(
    case_adults=(ANA, LEO, DORA),
    provider=SUNSHINE,
    children={"CH-1": ChildName("Sofia", "Garcia")},
)


def pending(**overrides) -> PendingAttendanceCreated:
    fields = {
        "occurred_at": NOW,
        "record_id": "R-1",
        "provider_id": "CO-1",
        "child_id": "CH-1",
        "case_id": "CASE-1",
        "direction": "in",
        "channel": "provider",
        "operator_id": "OP-1",
        "deadline": NOW + timedelta(days=9),
    }
    return PendingAttendanceCreated.model_validate(fields | overrides)


def decide(event, directory: Directory = KNOWN):
    planner = planner_for(event)
    return planner.plan(event, directory, NOW, SITE)


def test_every_causing_event_of_not_2_has_a_planner() -> None:  # NOT-2
    assert set(PLANNERS) == {
        PinSetLinkIssued,
        RegistrationCodeIssued,
        PendingAttendanceCreated,
        PendingDeadlineApproaching,
        AbsenceStandardExceeded,
        AttendanceErrorsUnresolved,
        SubmissionDeadlineApproaching,
        SupplementalBillRequired,
    }


def test_a_pending_record_goes_to_each_parent_in_their_language() -> None:  # ATT-2, NOT-1
    drafts = decide(pending())
    assert [(d.recipient.id, d.language, d.address.channel) for d in drafts] == [
        ("A-1", "es", Channel.email),
        ("A-2", "en", Channel.sms),
    ]
    ana = drafts[0]
    assert ana.kind is MessageKind.pending_approval
    assert ana.timezone == "America/Denver"
    assert ana.facts["days_left"] == 9
    assert ana.facts["child_name"] == "Sofia"
    assert ana.facts["provider_name"] == "Sunshine"
    assert ana.facts["link"] == "https://ats.example/parent/pending"
    assert not ana.secret


def test_the_machine_check_out_is_its_own_message() -> None:  # ATT-3
    machine = pending(direction="out", operator_id=None, channel="kiosk")
    by_provider = pending(direction="out")
    assert {d.kind for d in decide(machine)} == {MessageKind.automatic_checkout}
    assert {d.kind for d in decide(by_provider)} == {MessageKind.pending_approval}


def test_a_cause_for_an_unknown_case_waits_for_it() -> None:  # NOT-3: never lost
    assert decide(pending(), Directory()) == Held(WaitingFor.case, "CASE-1")
    assert decide(pending(), Directory(case_adults=())) == Held(WaitingFor.case, "CASE-1")


def test_without_the_provider_times_are_in_the_site_zone_and_names_are_generic() -> None:
    drafts = decide(pending(), Directory(case_adults=(ANA,)))  # NOT-3: not held for words
    [draft] = drafts
    assert draft.timezone == "America/Chicago"
    assert draft.facts["child_name"] is None
    assert draft.facts["provider_name"] is None


def test_the_reminder_counts_the_days_left_from_now() -> None:  # ATT-2
    event = PendingDeadlineApproaching(
        occurred_at=NOW - timedelta(days=1),
        record_id="R-1",
        provider_id="CO-1",
        child_id="CH-1",
        case_id="CASE-1",
        deadline=NOW + timedelta(days=2),
        days_left=3,
    )
    drafts = decide(event)
    assert {d.facts["days_left"] for d in drafts} == {2}
    assert {d.kind for d in drafts} == {MessageKind.pending_deadline_reminder}


def test_the_absence_standard_goes_to_the_parents() -> None:  # ATT-8
    event = AbsenceStandardExceeded(
        occurred_at=NOW,
        child_id="CH-1",
        case_id="CASE-1",
        count=66,
        standard=65,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    drafts = decide(event)
    assert [d.recipient.id for d in drafts] == ["A-1", "A-2"]
    assert drafts[0].facts["count"] == 66


@pytest.mark.parametrize(
    "event",
    [
        AttendanceErrorsUnresolved(
            occurred_at=NOW,
            provider_id="CO-1",
            date=date(2026, 11, 23),
            errors=[{"child_id": "CH-1", "code": "incomplete_pair"}],
        ),
        SubmissionDeadlineApproaching(
            occurred_at=NOW,
            provider_id="CO-1",
            month="2026-10",
            deadline=date(2026, 11, 26),
            days_left=2,
        ),
        SupplementalBillRequired(
            occurred_at=NOW,
            provider_id="CO-1",
            month="2026-10",
            child_id="CH-1",
            authorization_id="AUTH-1",
            code="age_out_of_range",
        ),
    ],
    ids=["errors", "deadline", "supplemental"],
)
def test_provider_messages_go_to_the_provider_or_wait_for_it(event) -> None:
    # ATT-4, BILL-1, BILL-2..BILL-5, NOT-3
    [draft] = decide(event)
    assert draft.recipient.type is RecipientType.provider
    assert draft.address.to == "o@x.example"
    assert draft.language == "en"
    assert draft.facts["provider_name"] == "Sunshine"
    assert decide(event, Directory()) == Held(WaitingFor.provider, "CO-1")


def test_children_in_provider_messages_carry_their_id() -> None:  # ATT-4
    event = AttendanceErrorsUnresolved(
        occurred_at=NOW,
        provider_id="CO-1",
        date=date(2026, 11, 23),
        errors=[
            {"child_id": "CH-1", "code": "incomplete_pair"},
            {"child_id": "CH-9", "code": "out_of_sequence"},
        ],
    )
    [draft] = decide(event)
    assert draft.facts["errors"] == [
        {"child": "Sofia Garcia (CH-1)", "code": "incomplete_pair"},
        {"child": "CH-9", "code": "out_of_sequence"},
    ]


def test_days_left_to_submit_are_counted_in_the_provider_zone() -> None:  # BILL-1
    late_evening = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 10 pm on the 25th in Denver
    event = SubmissionDeadlineApproaching(
        occurred_at=late_evening,
        provider_id="CO-1",
        month="2026-10",
        deadline=date(2026, 11, 26),
        days_left=1,
    )
    [draft] = planner_for(event).plan(event, KNOWN, late_evening, SITE)
    assert draft.facts["days_left"] == 1
    assert draft.facts["month"] == date(2026, 10, 1)


def test_a_provider_with_no_address_still_gets_a_kept_message() -> None:  # NOT-3
    silent = ProviderContact("CO-1", "Sunshine", "colorado", "America/Denver", None)
    event = SubmissionDeadlineApproaching(
        occurred_at=NOW,
        provider_id="CO-1",
        month="2026-10",
        deadline=date(2026, 11, 26),
        days_left=2,
    )
    [draft] = decide(event, Directory(provider=silent))
    assert draft.address is None


def link(**overrides) -> PinSetLinkIssued:
    fields = {
        "occurred_at": NOW,
        "person_id": "A-1",
        "link_token": "tok-1",
        "expires_at": NOW + timedelta(hours=24),
        "first_name": "Ana",
        "email": "ana@x.example",
        "language": "es",
    }
    return PinSetLinkIssued.model_validate(fields | overrides)


def test_the_set_pin_link_goes_to_the_address_the_event_names() -> None:  # ID-3
    [draft] = decide(link(), Directory())
    assert draft.kind is MessageKind.pin_link
    assert draft.recipient.id == "A-1"
    assert draft.address.to == "ana@x.example"
    assert draft.language == "es"
    assert draft.facts["link"] == "https://ats.example/set-pin#token=tok-1"
    assert draft.facts["valid_hours"] == 24
    assert draft.secret
    [reminder] = decide(link(reminder=True), Directory())
    assert reminder.kind is MessageKind.pin_link_reminder


def test_a_link_without_address_uses_the_known_adult_or_waits_for_them() -> None:  # ID-3, NOT-3
    bare = link(email=None, phone=None)
    assert decide(bare, Directory()) == Held(WaitingFor.person, "A-1")
    [draft] = decide(bare, Directory(adult=LEO))
    assert draft.address.channel is Channel.sms
    [kept] = decide(bare, Directory(adult=AdultContact("A-1", "Ana", "G", None, None, "es")))
    assert kept.address is None


def test_the_registration_code_goes_to_the_administrator_never_waiting() -> None:  # ID-8
    event = RegistrationCodeIssued(
        occurred_at=NOW,
        provider_id="CO-9",
        first_name="Tom",
        last_name="Baker",
        email="tom@x.example",
        code="123456",
        expires_at=NOW + timedelta(days=1),
        language="es",
    )
    [draft] = decide(event, Directory())
    assert (draft.recipient.type, draft.recipient.id) == (RecipientType.provider, "CO-9")
    assert (draft.address.to, draft.address.name) == ("tom@x.example", "Tom Baker")
    assert draft.language == "es"
    assert draft.secret


def test_only_links_and_codes_are_secret() -> None:  # architecture rule 6
    assert {k.value for k in SECRET_KINDS} == {"pin_link", "pin_link_reminder", "registration_code"}
    assert all(isinstance(d, Draft) and not d.secret for d in decide(pending()))
