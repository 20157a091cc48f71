"""Identity's requests beyond the contract's own (`shared/contract/identity.py`), the
error codes it added, and the operators' command-line twins."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import ValidationError

from ccats.cli import build_parser
from ccats.commands.identity import request_for
from shared.bus.streams import STREAMS
from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.events import EVENTS_BY_SUBJECT
from shared.contract.identity import (
    IDENTITY_REQUEST_TYPES,
    AdminRegisterRequest,
    CredentialVerifyReply,
    CredentialVerifyRequest,
    Role,
    parent_pin_reset,
    provider_identity_subject,
)
from shared.contract.requests import REQUESTS_BY_SUBJECT, DelegateAddReply

PIN = "48151623"


def _captured(pattern: str, subject: str) -> bool:
    p, s = pattern.split("."), subject.replace("*", "x").split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or token not in ("*", s[i]):
            return False
    return len(p) == len(s)


@pytest.mark.parametrize("cls", IDENTITY_REQUEST_TYPES, ids=lambda c: c.__name__)
def test_each_request_has_its_own_subject_no_stream_swallows(cls) -> None:  # type: ignore[no-untyped-def]
    # decisions.md 2: a stream capturing a request subject would answer it with a PubAck
    assert cls.subject not in REQUESTS_BY_SUBJECT and cls.subject not in EVENTS_BY_SUBJECT
    for spec in STREAMS:
        assert not any(_captured(p, cls.subject) for p in spec.subjects), spec.name


def test_scoped_subjects_take_one_token() -> None:  # ID-7: the scope is in the subject
    assert parent_pin_reset("A1") == "parent.A1.pin.reset"
    assert provider_identity_subject("P1", "operators.create") == "provider.P1.operators.create"
    assert subjects.scope_of(provider_identity_subject("P1", "admin.register")) == "P1"
    for bad in ("P1.x", "*", ">"):
        with pytest.raises(ValueError):
            provider_identity_subject(bad, "operators.create")
    with pytest.raises(ValueError):
        provider_identity_subject("P1", "operators.delete")


def test_the_pin_and_the_code_are_secrets_on_the_wire() -> None:  # ID-2, ID-8
    request = CredentialVerifyRequest(provider_id="P1", device_id="k1", pin=PIN, card="4000")
    assert PIN not in repr(request) and PIN not in request.model_dump_json()
    assert json.loads(request.to_wire())["pin"] == PIN
    register = AdminRegisterRequest(first_name="Ana", last_name="Ruiz", code="ABCDEFGH23")
    assert "ABCDEFGH23" not in str(register.model_dump())
    with pytest.raises(ValidationError) as refused:
        CredentialVerifyRequest.model_validate({"provider_id": "P1", "pin": PIN})
    assert PIN not in str(refused.value)


def test_the_verification_reply_names_the_cases_of_each_child() -> None:  # ATT-6
    reply = CredentialVerifyReply.model_validate(
        {
            "ok": True,
            "adult": {"person_id": "A1", "first_name": "Maria"},
            "children": [
                {
                    "child_id": "C1",
                    "first_name": "Sofia",
                    "checked_in": False,
                    "case_ids": ["K1", "K2"],
                }
            ],
        }
    )
    assert reply.children[0].case_ids == ["K1", "K2"]


def test_a_delegates_card_is_in_the_reply_where_there_is_one() -> None:  # ID-5, ID-9
    assert DelegateAddReply(person_id="D1").card_number is None
    assert DelegateAddReply(person_id="D1", card_number="4000123412341234").card_number


def test_the_roles_of_id_7() -> None:  # ID-7
    assert {r.value for r in Role} == {
        "system_admin",
        "region_admin",
        "provider_admin",
        "provider_operator",
        "parent",
        "delegate",
    }


def test_identitys_error_codes_are_stable_snake_case() -> None:
    for name in (
        "registration_code_invalid",
        "registration_code_used",
        "registration_code_expired",
        "not_on_staff_list",
        "no_email_on_record",
        "not_provider_admin",
        "operator_unknown",
        "operator_is_self",
        "delegate_phone_required",
        "phone_in_use",
    ):
        assert ErrorCode(name).value == name


def test_the_command_line_twins() -> None:  # contract: every request has a CLI twin
    parser, _ = build_parser()
    remind = parser.parse_args(
        ["identity", "--operator", "ops-1", "remind-links", "--as-of", "2026-11-10T09:00:00-07:00"]
    )
    assert request_for(remind) == (
        "ops.identity.remind_links",
        {"operator_id": "ops-1", "as_of": "2026-11-10T09:00:00-07:00"},
    )
    subject, body = request_for(parser.parse_args(["identity", "remind-links"]))
    assert datetime.fromisoformat(body["as_of"]).tzinfo is not None
    assert subject == "ops.identity.remind_links"
    assert request_for(parser.parse_args(["identity", "issue-link", "A1"])) == (
        "ops.identity.issue_link",
        {"person_id": "A1"},
    )
    code = parser.parse_args(["identity", "registration-code", "P1", "Ana", "de la Ruiz"])
    assert request_for(code) == (
        "ops.identity.registration_code",
        {"provider_id": "P1", "first_name": "Ana", "last_name": "de la Ruiz"},
    )
    with pytest.raises(SystemExit):
        request_for(parser.parse_args(["identity", "remind-links", "--as-of", "2026-11-10T09:00"]))
