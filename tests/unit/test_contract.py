"""The public contract's models (`shared/contract.md`): conventions, events, requests,
subjects, and the eligibility records."""

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from shared.contract import subjects
from shared.contract.base import Event
from shared.contract.eligibility import (
    AbsenceException,
    AuthorizationRecord,
    CaseLine,
    Child,
    EligibilityLine,
    ProviderLine,
    Schedule,
)
from shared.contract.errors import ErrorCode
from shared.contract.events import (
    EVENT_TYPES,
    EVENTS_BY_SUBJECT,
    AttendanceRecorded,
    AuthorizationChanged,
    CardReportedLost,
    NotificationSent,
    PendingAttendanceCreated,
    PinSet,
    ProviderChanged,
)
from shared.contract.replies import OkReply, error_reply
from shared.contract.requests import (
    REQUEST_TYPES,
    REQUESTS_BY_SUBJECT,
    AttendanceImportRequest,
    ClaimGetRequest,
    ClaimReply,
    CloseDayRequest,
    CloseMonthRequest,
    ExpirePendingRequest,
    HealthReply,
    ImportRecord,
    KioskSigninRequest,
    KioskTapRequest,
    PendingResolveRequest,
    PinSetRequest,
    Request,
    SigninReply,
)
from shared.contract.subjects import subject_token
from shared.contract.types import REVEAL_SECRETS, month_end, month_of, month_start

NOW = "2025-03-04T08:15:00-07:00"
PIN = "48151623"

PROVIDER: dict[str, Any] = {
    "provider_id": "p1",
    "name": "Little Steps",
    "program": "arizona",
    "type": "center",
    "status": "active",
    "timezone": "America/Phoenix",
    "ages_served": {"min_months": 0, "max_months": 144},
    "email": "office@example.org",
    "staff": [{"first_name": "Ana", "last_name": "Ruiz", "role": "director"}],
    "rates": [{"care_level": "full_time", "unit": "day", "amount": 42.5}],
    "paid_holidays": ["2025-12-25"],
    "version": 3,
}
CASE: dict[str, Any] = {
    "case_id": "k1",
    "adults": [
        {
            "person_id": "a1",
            "first_name": "Maria",
            "last_name": "Lopez",
            "email": "maria@example.org",
            "phone": "6025550101",
            "birth_date": "1990-05-01",
            "language": "es",
            "role": "parent",
        }
    ],
    "version": 1,
}
AUTHORIZATION: dict[str, Any] = {
    "authorization_id": "au1",
    "version": 2,
    "case_id": "k1",
    "child": {
        "child_id": "c1",
        "first_name": "Leo",
        "last_name": "Lopez",
        "birth_date": "2022-01-05",
    },
    "provider_id": "p1",
    "start_date": "2025-01-01",
    "end_date": "2025-06-30",
    "status": "active",
    "schedule": {"kind": "fixed", "days": ["mon", "tue"], "hours_per_week": 20},
    "care_level": "part_time",
    "protective_services": False,
    "absence_exceptions": [{"kind": "disability", "from": "2025-02-01", "to": "2025-02-28"}],
}
RECORD_FIELDS: dict[str, Any] = {
    "occurred_at": NOW,
    "record_id": "r1",
    "provider_id": "p1",
    "child_id": "c1",
    "case_id": "k1",
    "direction": "in",
    "channel": "kiosk",
    "status": "confirmed",
}

EVENT_SAMPLES: dict[type[Event], dict[str, Any]] = {
    cls: body
    for cls, body in [
        (AuthorizationChanged, {**AUTHORIZATION, "occurred_at": NOW, "changes": ["end_date"]}),
        (ProviderChanged, {**PROVIDER, "occurred_at": NOW, "changes": ["status"]}),
        (
            EVENTS_BY_SUBJECT["identity.pin_link_issued"],
            {"occurred_at": NOW, "person_id": "a1", "link_token": "t0k", "expires_at": NOW},
        ),
        (PinSet, {"occurred_at": NOW, "person_id": "a1"}),
        (CardReportedLost, {"occurred_at": NOW, "person_id": "a1"}),
        (AttendanceRecorded, RECORD_FIELDS),
        (PendingAttendanceCreated, {**RECORD_FIELDS, "status": "pending", "deadline": NOW}),
        (
            EVENTS_BY_SUBJECT["attendance.checkout_missing"],
            {
                "occurred_at": NOW,
                "record_id": "r1",
                "provider_id": "p1",
                "child_id": "c1",
                "date": "2025-03-03",
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.absence_standard_exceeded"],
            {
                "occurred_at": NOW,
                "child_id": "c1",
                "case_id": "k1",
                "count": 66,
                "period_start": "2024-10-01",
                "period_end": "2025-09-30",
            },
        ),
        (
            EVENTS_BY_SUBJECT["billing.month_closed"],
            {"occurred_at": NOW, "provider_id": "p1", "month": "2025-02"},
        ),
        (
            EVENTS_BY_SUBJECT["billing.claim_ready"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "month": "2025-02",
                "bucket": "claims",
                "object": "p1/2025-02.json",
            },
        ),
        (
            EVENTS_BY_SUBJECT["billing.supplemental_required"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "month": "2025-02",
                "child_id": "c1",
                "authorization_id": "au1",
                "code": "age_out_of_range",
            },
        ),
        (
            EVENTS_BY_SUBJECT["identity.registration_code_issued"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "first_name": "Maria",
                "last_name": "Lopez",
                "email": "maria@example.org",
                "code": "483920",
                "expires_at": NOW,
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.pending_deadline_approaching"],
            {
                "occurred_at": NOW,
                "record_id": "r1",
                "provider_id": "p1",
                "child_id": "c1",
                "case_id": "k1",
                "deadline": NOW,
                "days_left": 2,
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.errors_unresolved"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "date": "2025-03-03",
                "errors": [{"child_id": "c1", "code": "incomplete_pair"}],
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.changed"],
            {
                "occurred_at": NOW,
                "record_id": "r2",
                "replaces": "r1",
                "provider_id": "p1",
                "child_id": "c1",
                "case_id": "k1",
                "direction": "out",
                "status": "confirmed",
                "change": "approved",
                "by": "a1",
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.absence"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "child_id": "c1",
                "case_id": "k1",
                "authorization_id": "au1",
                "date": "2025-03-03",
                "kind": "zday",
                "reason": "no_attendance",
                "counts_as_absence": True,
            },
        ),
        (
            EVENTS_BY_SUBJECT["attendance.month_attested"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "child_id": "c1",
                "month": "2025-02",
                "by_role": "parent",
                "by": "a1",
            },
        ),
        (
            EVENTS_BY_SUBJECT["billing.month_submitted"],
            {"occurred_at": NOW, "provider_id": "p1", "month": "2025-02", "child_ids": ["c1"]},
        ),
        (
            EVENTS_BY_SUBJECT["billing.submission_deadline_approaching"],
            {
                "occurred_at": NOW,
                "provider_id": "p1",
                "month": "2025-02",
                "deadline": "2025-03-10",
                "days_left": 3,
            },
        ),
        (
            NotificationSent,
            {
                "occurred_at": NOW,
                "notification_id": "n1",
                "person_id": "a1",
                "kind": "pin_link",
                "channel": "email",
                "language": "es",
            },
        ),
    ]
}


# --- conventions -----------------------------------------------------------


def test_every_event_has_a_sample() -> None:
    assert set(EVENT_SAMPLES) == set(EVENT_TYPES)


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_unknown_fields_are_ignored_in_events(cls: type[Event]) -> None:
    event = cls.model_validate({**EVENT_SAMPLES[cls], "added_in_v2": {"x": 1}})
    assert "added_in_v2" not in event.model_dump()


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_missing_required_fields_are_refused_in_events(cls: type[Event]) -> None:
    body = EVENT_SAMPLES[cls]
    for name, field in cls.model_fields.items():
        if field.is_required():
            with pytest.raises(ValidationError):
                cls.model_validate({k: v for k, v in body.items() if k != name})


@pytest.mark.parametrize("cls", REQUEST_TYPES, ids=lambda cls: cls.__name__)
def test_missing_required_fields_are_refused_in_requests(cls: type[Request]) -> None:
    required = [name for name, field in cls.model_fields.items() if field.is_required()]
    if required:
        with pytest.raises(ValidationError) as caught:
            cls.model_validate({"unknown": 1})
        missing = {err["loc"][0] for err in caught.value.errors() if err["type"] == "missing"}
        assert missing == {cls.model_fields[name].alias or name for name in required}
    else:
        assert cls.model_validate({"unknown": 1}).model_dump() == cls().model_dump()


def test_unknown_fields_are_ignored_in_requests() -> None:
    body = {
        "event_id": str(uuid4()),
        "device_id": "kiosk-1",
        "pin": PIN,
        "child_ids": ["c1"],
        "direction": "in",
        "occurred_at": NOW,
        "battery": 0.4,
    }
    tap = KioskTapRequest.model_validate_json(json.dumps(body))
    assert "battery" not in tap.model_dump()


def test_models_are_frozen() -> None:
    event = PinSet.model_validate(EVENT_SAMPLES[PinSet])
    with pytest.raises(ValidationError):
        event.person_id = "other"  # type: ignore[misc]


def test_times_need_an_offset() -> None:
    with pytest.raises(ValidationError):
        PinSet.model_validate({"occurred_at": "2025-03-04T08:15:00", "person_id": "a1"})
    with pytest.raises(ValidationError):
        ExpirePendingRequest.model_validate({"as_of": "2025-03-04T08:15:00"})
    assert ExpirePendingRequest.model_validate({"as_of": NOW}).as_of.utcoffset()


def test_months_are_yyyy_mm() -> None:
    for bad in ["2025-13", "2025-3", "25-03", "2025-03-01", ""]:
        with pytest.raises(ValidationError):
            CloseMonthRequest.model_validate({"month": bad})
    assert CloseMonthRequest.model_validate({"month": "2025-03"}).provider_id is None
    assert month_of(date(2024, 2, 10)) == "2024-02"
    assert (month_start("2024-02"), month_end("2024-02")) == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError):
        month_start("2024-2")


def test_error_codes_are_stable_snake_case() -> None:
    contract_codes = {
        "link_expired",
        "link_used",
        "link_unknown",
        "pin_mismatch",
        "pin_not_8_digits",
        "pin_leading_zero",
        "pin_repeated_digit",
        "pin_sequential",
        "pin_repeated_block",
        "pin_in_use",
        "pin_invalid",
        "device_locked",
        "not_authorized",
        "provider_not_active",
        "too_many_delegates",
        "delegate_too_young",
        "delegate_is_facility_staff",
        "not_your_child",
    }
    assert contract_codes <= {code.value for code in ErrorCode}
    for code in ErrorCode:
        assert code.value == code.name
        assert code.value.islower()
        assert error_reply(code, "for a person")["error"]["code"] == code.value


# --- events ----------------------------------------------------------------


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_every_event_has_a_subject_an_id_and_a_time(cls: type[Event]) -> None:
    assert issubclass(cls, Event)
    assert isinstance(cls.subject, str)
    assert all(subject_token(part) for part in cls.subject.split("."))
    assert "subject" not in cls.model_fields
    assert {"event_id", "occurred_at"} <= set(cls.model_fields)
    assert EVENTS_BY_SUBJECT[cls.subject] is cls


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_events_round_trip_through_json(cls: type[Event]) -> None:
    event = cls.model_validate(EVENT_SAMPLES[cls])
    assert event.event_id is not None
    assert cls.model_validate_json(event.model_dump_json(by_alias=True)) == event


def test_event_subjects_are_unique_and_apart_from_requests() -> None:
    event_subjects = [cls.subject for cls in EVENT_TYPES]
    assert len(set(event_subjects)) == len(event_subjects) == len(EVENTS_BY_SUBJECT)
    request_subjects = [cls.subject for cls in REQUEST_TYPES]
    assert len(set(request_subjects)) == len(request_subjects) == len(REQUESTS_BY_SUBJECT)
    assert not set(event_subjects) & set(request_subjects)


def test_pin_set_event_never_carries_a_pin() -> None:
    assert set(PinSet.model_fields) == {"event_id", "occurred_at", "person_id"}
    event = PinSet.model_validate({**EVENT_SAMPLES[PinSet], "pin": PIN})
    assert PIN not in event.model_dump_json()


def test_pending_record_is_pending() -> None:
    with pytest.raises(ValidationError):
        PendingAttendanceCreated.model_validate(
            {**EVENT_SAMPLES[PendingAttendanceCreated], "status": "confirmed"}
        )
    for field, bad in [("direction", "sideways"), ("channel", "fax"), ("status", "maybe")]:
        with pytest.raises(ValidationError):
            AttendanceRecorded.model_validate({**RECORD_FIELDS, field: bad})


def test_notification_names_a_recipient() -> None:
    body = {k: v for k, v in EVENT_SAMPLES[NotificationSent].items() if k != "person_id"}
    with pytest.raises(ValidationError):
        NotificationSent.model_validate(body)
    assert NotificationSent.model_validate({**body, "provider_id": "p1"}).person_id is None


# --- requests: the PIN (ID-2) ----------------------------------------------


def _credential_requests() -> list[Request]:
    tap = {
        "event_id": str(uuid4()),
        "device_id": "kiosk-1",
        "child_ids": ["c1", "c2"],
        "direction": "out",
        "occurred_at": NOW,
    }
    return [
        PinSetRequest.model_validate({"link_token": "t0k", "pin": PIN, "pin_confirm": PIN}),
        KioskSigninRequest.model_validate({"device_id": "kiosk-1", "pin": PIN}),
        KioskSigninRequest.model_validate({"device_id": "k", "phone": "6025550101", "pin": PIN}),
        KioskTapRequest.model_validate({**tap, "card": "TX0012345", "pin": PIN}),
    ]


@pytest.mark.parametrize("request_", _credential_requests(), ids=lambda r: type(r).__name__)
def test_pin_is_hidden_unless_revealed(request_: Request) -> None:
    assert isinstance(request_.pin, SecretStr)  # type: ignore[attr-defined]
    for shown in [
        repr(request_),
        str(request_),
        request_.model_dump_json(),
        json.dumps(request_.model_dump(mode="json")),
        repr(request_.model_dump()),
        f"{request_}",
    ]:
        assert PIN not in shown
    revealed = json.loads(request_.to_wire())
    assert revealed["pin"] == PIN
    assert json.loads(request_.model_dump_json(context={REVEAL_SECRETS: True}))["pin"] == PIN
    assert type(request_).model_validate_json(request_.to_wire()) == request_


def test_pin_is_hidden_in_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        PinSetRequest.model_validate({"link_token": "", "pin": PIN, "pin_confirm": PIN * 10})
    assert PIN not in str(caught.value)
    assert PIN not in caught.value.json(include_input=False)
    assert PIN not in repr(caught.value.errors(include_input=False))


def test_credential_is_pin_phone_or_card_not_both() -> None:
    with pytest.raises(ValidationError):
        KioskSigninRequest.model_validate(
            {"device_id": "k", "pin": PIN, "phone": "6025550101", "card": "TX0012345"}
        )
    with pytest.raises(ValidationError):
        KioskSigninRequest.model_validate({"device_id": "k", "pin": PIN, "phone": "555-0101"})


# --- requests: other rules -------------------------------------------------


def test_tap_refuses_a_child_twice_and_no_child() -> None:
    tap = {"event_id": str(uuid4()), "device_id": "k", "pin": PIN, "direction": "in"}
    for child_ids in [["c1", "c1"], []]:
        with pytest.raises(ValidationError):
            KioskTapRequest.model_validate({**tap, "occurred_at": NOW, "child_ids": child_ids})


def test_modify_needs_the_real_time() -> None:
    body = {"event_id": str(uuid4()), "record_id": "r1"}
    with pytest.raises(ValidationError):
        PendingResolveRequest.model_validate({**body, "action": "modify"})
    assert PendingResolveRequest.model_validate({**body, "action": "approve"}).occurred_at is None
    modified = PendingResolveRequest.model_validate(
        {**body, "action": "modify", "occurred_at": NOW}
    )
    assert modified.occurred_at == datetime.fromisoformat(NOW)


def test_import_records_use_local_hh_mm_and_the_in_alias() -> None:
    line = {"record_key": "x1", "child_id": "c1", "date": "2025-03-03", "in": "07:45"}
    record = ImportRecord.model_validate({**line, "out": "17:05"})
    assert json.loads(record.model_dump_json())["in"] == "07:45"
    assert json.loads(record.model_dump_json())["out"] == "17:05"
    for bad in ["7:45", "24:00", "07:45:00", "07:45+02:00", 745]:
        with pytest.raises(ValidationError):
            ImportRecord.model_validate({**line, "in": bad})
    request = AttendanceImportRequest.model_validate(
        {"event_id": str(uuid4()), "operator_id": "o1", "source": "ProCare", "records": [line]}
    )
    assert AttendanceImportRequest.model_validate_json(request.to_wire()) == request


def test_scope_ids_in_bodies_are_single_tokens() -> None:
    for bad in ["p.1", "*", ">", "p 1", ""]:
        with pytest.raises(ValidationError):
            ClaimGetRequest.model_validate({"provider_id": bad, "month": "2025-02"})
        with pytest.raises(ValidationError):
            CloseDayRequest.model_validate({"date": "2025-03-03", "provider_id": bad})
    assert CloseDayRequest.model_validate({"date": "2025-03-03"}).provider_id is None


def test_replies_parse_the_answers_the_contract_spells_out() -> None:
    signin = SigninReply.model_validate(
        {
            "ok": True,
            "adult": {"person_id": "a1", "first_name": "Maria"},
            "children": [{"child_id": "c1", "first_name": "Leo", "checked_in": False}],
        }
    )
    assert isinstance(signin, OkReply) and signin.children[0].checked_in is False
    with pytest.raises(ValidationError):
        SigninReply.model_validate(error_reply(ErrorCode.pin_invalid, "Wrong PIN"))
    health = HealthReply.model_validate(
        {"ok": True, "services": {"identity": {"status": "up", "version": "0.1.0"}}}
    )
    assert health.services["identity"].status == "up"
    claim = ClaimReply.model_validate(
        {
            "ok": True,
            "claim": {
                "provider_id": "p1",
                "month": "2025-02",
                "program": "texas",
                "status": "open",
                "lines": [
                    {
                        "child_id": "c1",
                        "authorization_id": "au1",
                        "unit": "day",
                        "units": 1,
                        "amount": None,
                        "items": [
                            {
                                "date": "2025-02-03",
                                "units": 1,
                                "rule": "BILL-6",
                                "record_ids": ["r1"],
                            }
                        ],
                    }
                ],
                "supplemental": [
                    {"child_id": "c2", "authorization_id": "au2", "code": "pending_expired"}
                ],
            },
        }
    )
    assert claim.claim.lines[0].amount is None


@pytest.mark.parametrize("cls", REQUEST_TYPES, ids=lambda cls: cls.__name__)
def test_every_request_names_its_subject_and_reply(cls: type[Request]) -> None:
    assert REQUESTS_BY_SUBJECT[cls.subject] is cls
    assert issubclass(cls.reply_type, OkReply)
    assert issubclass(cls.reply_type, BaseModel)


# --- subjects --------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a.b", "*", ">", "", " ", "a b", "a\tb", "a\nb", "a\x00b"])
def test_subject_token_refuses_what_is_not_one_token(bad: str) -> None:
    with pytest.raises(ValueError):
        subject_token(bad)


def test_scoped_subjects() -> None:
    assert subject_token("prov-42_A") == "prov-42_A"
    assert subjects.kiosk_signin("p1") == "kiosk.p1.signin"
    assert subjects.kiosk_tap("p1") == "kiosk.p1.tap"
    assert subjects.provider_subject("p1", "attendance.record") == "provider.p1.attendance.record"
    assert subjects.parent_subject("a1", subjects.CARD_REPORT_LOST) == "parent.a1.card.report_lost"
    assert subjects.provider_pattern(subjects.MONTH_SUBMIT) == "provider.*.month.submit"
    assert subjects.KIOSK_TAP_ALL == "kiosk.*.tap"
    assert subjects.deadletter("kiosk.p1.tap") == "deadletter.kiosk.p1.tap"
    assert subjects.scope_of("parent.a1.pending.list") == "a1"
    for call in [
        lambda: subjects.kiosk_tap("p1.>"),
        lambda: subjects.provider_subject("p1", "attendance.delete"),
        lambda: subjects.parent_subject("*", subjects.PENDING_LIST),
        lambda: subjects.scope_of("ops.health"),
    ]:
        with pytest.raises(ValueError):
            call()


_FORBIDDEN = st.sampled_from([".", "*", ">", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0"])
_SPACE = st.characters().filter(str.isspace)


@given(st.text(), _FORBIDDEN | _SPACE, st.text())
def test_subject_token_refuses_any_text_with_a_separator_or_space(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(ValueError):
        subject_token(before + bad + after)


@given(
    st.text(
        st.characters(exclude_characters=".*>", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"]),
        min_size=1,
    ).filter(lambda text: not any(char.isspace() for char in text))
)
def test_subject_token_accepts_any_other_text(token: str) -> None:
    assert subject_token(token) == token


# --- eligibility records ---------------------------------------------------

LINES = TypeAdapter(EligibilityLine)


@pytest.mark.parametrize(
    ("kind", "body"),
    [("provider", PROVIDER), ("case", CASE), ("authorization", AUTHORIZATION)],
)
def test_each_record_kind_parses_as_a_json_lines_line(kind: str, body: dict[str, Any]) -> None:
    line = json.dumps({"record": kind, **body, "extra": "ignored"})
    record = LINES.validate_json(line)
    assert record.record == kind
    assert record.version == body["version"]
    expected = {"provider": ProviderLine, "case": CaseLine, "authorization": AuthorizationRecord}
    assert isinstance(record, expected[kind])


def test_unknown_record_kind_is_refused() -> None:
    with pytest.raises(ValidationError):
        LINES.validate_json(json.dumps({"record": "invoice", **CASE}))


def test_authorization_refuses_end_before_start() -> None:
    with pytest.raises(ValidationError, match="end_date is before start_date"):
        AuthorizationRecord.model_validate({**AUTHORIZATION, "end_date": "2024-12-31"})
    same_day = {**AUTHORIZATION, "end_date": AUTHORIZATION["start_date"]}
    assert AuthorizationRecord.model_validate(same_day).start_date == date(2025, 1, 1)


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)
_DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def authorizations(draw: st.DrawFn) -> AuthorizationRecord:
    """Any valid authorization: end on or after start (AUTH-1)."""
    start = draw(_DATES)
    exception_from = draw(_DATES)
    exceptions = draw(
        st.lists(
            st.builds(
                lambda kind, days: AbsenceException.model_validate(
                    {"kind": kind, "from": exception_from, "to": exception_from + days}
                ),
                st.sampled_from(["chronic_illness", "disability", "court_ordered_visitation"]),
                st.integers(0, 90).map(lambda n: timedelta(days=n)),
            ),
            max_size=3,
        )
    )
    schedule = draw(
        st.builds(
            Schedule,
            kind=st.sampled_from(["fixed", "variable"]),
            days=st.lists(
                st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), unique=True
            ),
            hours_per_week=st.none() | st.floats(0, 168),
            max_days_per_month=st.none() | st.integers(0, 31),
            max_hours_per_month=st.none() | st.floats(0, 744),
        )
    )
    return AuthorizationRecord(
        version=draw(st.integers(1, 2**53)),
        event_id=draw(st.none() | st.uuids()),
        authorization_id=draw(_TEXT),
        case_id=draw(_TEXT),
        child=draw(
            st.builds(Child, child_id=_TEXT, first_name=_TEXT, last_name=_TEXT, birth_date=_DATES)
        ),
        provider_id=draw(_TEXT),
        start_date=start,
        end_date=start + timedelta(days=draw(st.integers(0, 3000))),
        status=draw(st.sampled_from(["active", "cancelled"])),
        schedule=schedule,
        care_level=draw(st.sampled_from(["full_time", "part_time"])),
        protective_services=draw(st.booleans()),
        absence_exceptions=exceptions,
    )


@given(authorizations())
def test_authorization_round_trips_through_json(record: AuthorizationRecord) -> None:
    assert AuthorizationRecord.model_validate_json(record.model_dump_json(by_alias=True)) == record
    assert AuthorizationRecord.model_validate_json(record.model_dump_json()) == record
    line = json.dumps(
        {"record": "authorization", **json.loads(record.model_dump_json(by_alias=True))}
    )
    parsed = LINES.validate_json(line)
    assert AuthorizationRecord.model_validate(parsed.model_dump()) == record


@given(authorizations(), st.datetimes(timezones=st.just(UTC)))
def test_authorization_changed_carries_the_full_state(
    record: AuthorizationRecord, moment: datetime
) -> None:
    event = AuthorizationChanged.model_validate(
        {**record.model_dump(exclude={"event_id"}), "occurred_at": moment, "changes": ["status"]}
    )
    assert AuthorizationChanged.model_validate_json(event.model_dump_json(by_alias=True)) == event
    assert event.authorization_id == record.authorization_id
