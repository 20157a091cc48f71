"""The kernel every service imports: clock, database URL, structured logs, refusal
reasons, dead letters, and the embedded servers' port choice."""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ccats.embedded import free_port
from shared.bus.deadletter import DeadLetter, dead_letter
from shared.clock import FixedClock, SystemClock
from shared.contract.errors import ErrorCode
from shared.contract.events import PinSetLinkIssued, RegistrationCodeIssued
from shared.contract.requests import KioskTapRequest, PinSetRequest
from shared.db import sqlalchemy_url
from shared.service import describe_validation
from shared.telemetry import JsonLogFormatter

# --- clock (architecture rule 2: the clock is passed in) ------------------------

MOMENT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def test_fixed_clock_refuses_a_naive_moment() -> None:
    # Rules compare instants across time zones: a moment without offset is ambiguous.
    with pytest.raises(ValueError, match="offset"):
        FixedClock(datetime(2026, 12, 1, 8, 30))


def test_fixed_clock_stands_still_until_moved() -> None:
    clock = FixedClock(MOMENT)
    assert clock.now() == MOMENT
    assert clock.now() == MOMENT
    clock.advance(timedelta(days=9, minutes=1))
    assert clock.now() == datetime(2026, 12, 10, 8, 31, tzinfo=UTC)
    later = datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=-7)))
    clock.set(later)
    assert clock.now() == later
    assert clock.now().utcoffset() == timedelta(hours=-7)


def test_fixed_clock_refuses_a_naive_moment_when_set() -> None:
    clock = FixedClock(MOMENT)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 12, 1, 8, 30))


def test_system_clock_is_aware() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


# --- database URL (architecture rule 8: configuration from the environment) ----------


def test_libpq_socket_url_becomes_a_psycopg_url_keeping_the_host() -> None:
    # The embedded PostgreSQL (pgserver) hands out a socket-directory URL.
    result = sqlalchemy_url("postgresql://postgres:@/postgres?host=/tmp/x")
    assert result.startswith("postgresql+psycopg://")
    url = make_url(result)
    assert url.drivername == "postgresql+psycopg"
    assert url.username == "postgres"
    assert url.database == "postgres"
    assert url.query["host"] == "/tmp/x"
    # The driver is told to connect through that directory (no connection is made).
    _, kwargs = create_engine(result).dialect.create_connect_args(url)
    assert kwargs["host"] == "/tmp/x"


@pytest.mark.parametrize(
    "given_url",
    [
        "postgres://app:p%40ss@db.internal:5433/ccats?sslmode=require",
        "postgresql://app:p%40ss@db.internal:5433/ccats?sslmode=require",
        "postgresql+psycopg://app:p%40ss@db.internal:5433/ccats?sslmode=require",
    ],
)
def test_server_url_keeps_password_port_and_options(given_url: str) -> None:
    # The password must survive: a masked `***` would make every service fail to log in.
    url = make_url(sqlalchemy_url(given_url))
    assert url.drivername == "postgresql+psycopg"
    assert url.password == "p@ss"
    assert (url.host, url.port, url.database) == ("db.internal", 5433, "ccats")
    assert url.query["sslmode"] == "require"


@pytest.mark.parametrize(
    "bad",
    ["mysql://root@localhost/ccats", "sqlite:///ccats.db", "postgresql+asyncpg://u@h/db"],
)
def test_a_database_that_is_not_postgresql_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        sqlalchemy_url(bad)


# --- structured logs (architecture rule 7: every hop is traced) ----------------


def _log_lines(emit: Any) -> list[dict[str, Any]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter("attendance"))
    logger = logging.getLogger(f"ccats.test.{uuid4().hex}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    emit(logger)
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_log_lines_carry_the_trace_of_the_current_span() -> None:
    provider = TracerProvider()  # local: the global provider is left alone
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("kiosk tap") as span:
        [line] = _log_lines(lambda log: log.info("tap for %s", "CH-101"))
    ctx = span.get_span_context()
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")
    assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16
    assert line["msg"] == "tap for CH-101"
    assert line["service"] == "attendance"
    assert line["level"] == "info"
    provider.shutdown()


def test_log_lines_outside_a_span_have_no_trace() -> None:
    [line] = _log_lines(lambda log: log.warning("idle"))
    assert "trace_id" not in line and "span_id" not in line
    assert line["level"] == "warning"
    assert datetime.fromisoformat(line["ts"]).tzinfo is not None


def test_log_lines_include_extra_fields() -> None:
    [line] = _log_lines(
        lambda log: log.info(
            "refused", extra={"subject": "kiosk.P1.tap", "delivered": 3, "when": MOMENT}
        )
    )
    assert line["subject"] == "kiosk.P1.tap"
    assert line["delivered"] == 3
    assert line["when"] == str(MOMENT)  # not JSON-native: written as text, not dropped


def test_each_record_is_one_line_even_with_newlines_and_a_traceback() -> None:
    def emit(log: logging.Logger) -> None:
        log.info("first\nsecond")
        try:
            raise RuntimeError("boom\nline two")
        except RuntimeError:
            log.exception("failed")
        log.debug("third")

    lines = _log_lines(emit)
    assert [line["msg"] for line in lines] == ["first\nsecond", "failed", "third"]
    assert "RuntimeError: boom" in lines[1]["exc"]


# --- refusal reasons never echo the input (architecture rule 6) ------------------

BAD_PIN = "12345678x"
TAP_BODY: dict[str, Any] = {
    "pin": BAD_PIN,
    "event_id": "6b0c7b5e-3b1f-4a5e-8c0e-2f6d9a1b3c4d",
    "device_id": "kiosk-1",
    "child_ids": ["CH-101"],
    "direction": "in",
    "occurred_at": "2026-12-01T08:00:00-07:00",
}


def _refusal(model: Any, body: Any) -> tuple[str, list[dict[str, Any]], str]:
    raw = body if isinstance(body, str) else json.dumps(body)
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(raw)
    reason, errors = describe_validation(caught.value)
    return reason, errors, str(caught.value)


def _assert_hidden(secret: str, reason: str, errors: list[dict[str, Any]], text: str) -> None:
    assert secret not in reason
    assert secret not in json.dumps(errors)
    assert secret not in text
    assert all(set(e) == {"field", "error"} for e in errors)


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        # the PIN is fine to the model, the rest is not: the body is the error's input
        (PinSetRequest, {"pin": BAD_PIN}, "link_token"),
        (KioskTapRequest, {**TAP_BODY, "device_id": None}, "device_id"),
        (KioskTapRequest, {**TAP_BODY, "occurred_at": "2026-12-01T08:00:00"}, "occurred_at"),
        # a model-level rule refuses the whole body, PIN included
        (KioskTapRequest, {**TAP_BODY, "phone": "6025550103", "card": "TX0001"}, "(body)"),
        (KioskTapRequest, {**TAP_BODY, "child_ids": ["CH-1", "CH-1"]}, "(body)"),
        # the PIN itself is refused
        (PinSetRequest, {"link_token": "t", "pin": BAD_PIN * 8, "pin_confirm": BAD_PIN}, "pin"),
        (
            PinSetRequest,
            {"link_token": "t", "pin": BAD_PIN, "pin_confirm": [BAD_PIN]},
            "pin_confirm",
        ),
    ],
)
def test_a_refusal_never_contains_the_pin(model: Any, body: dict[str, Any], field: str) -> None:
    reason, errors, text = _refusal(model, body)
    assert field in [e["field"] for e in errors]
    assert reason.startswith(errors[0]["field"])
    _assert_hidden(BAD_PIN, reason, errors, text)


def test_a_truncated_body_is_refused_without_its_pin() -> None:
    raw = json.dumps(TAP_BODY)
    reason, errors, text = _refusal(KioskTapRequest, raw[: raw.index(BAD_PIN) + len(BAD_PIN)])
    assert errors[0]["field"] == "(body)"
    _assert_hidden(BAD_PIN, reason, errors, text)


_pins = st.text(alphabet="0123456789xX#", min_size=8, max_size=80)
_broken = st.sampled_from(
    [
        {"device_id": None},
        {"event_id": "not-a-uuid"},
        {"direction": "sideways"},
        {"child_ids": []},
        {"occurred_at": "yesterday"},
        {"phone": "6025550103", "card": "TX0001"},
        {"card": "12"},
        {},
    ]
)


@given(pin=_pins, confirm=_pins, broken=st.lists(_broken, min_size=1, max_size=3))
def test_no_refused_request_ever_echoes_its_pin(
    pin: str, confirm: str, broken: list[dict[str, Any]]
) -> None:
    # Rule 6: no PIN in an error, whatever else is wrong with the request.
    tap = {**TAP_BODY, "pin": pin}
    for change in broken:
        tap.update(change)
    pin_set = {"pin": pin, "pin_confirm": confirm}
    for model, body in ((KioskTapRequest, tap), (PinSetRequest, pin_set)):
        try:
            model.model_validate_json(json.dumps(body))
        except ValidationError as exc:
            reason, errors = describe_validation(exc)
            for secret in (pin, confirm):
                _assert_hidden(secret, reason, errors, str(exc))


# --- dead letters (architecture rule 4) --------------------------------------------


def _letter(**overrides: Any) -> DeadLetter:
    arguments: dict[str, Any] = {
        "service": "attendance",
        "consumer": "attendance-authorizations",
        "subject": "authorization.changed",
        "code": ErrorCode.malformed_message,
        "reason": "status: Input should be 'active', 'ended' or 'cancelled'",
        "payload": b'{"status": "frozen"}',
        "headers": {
            "Nats-Msg-Id": "e-1",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "Authorization": "Bearer s3cr3t",
        },
        "delivered": 5,
    }
    return dead_letter(**(arguments | overrides))


def test_dead_letter_drops_the_authorization_header() -> None:
    letter = _letter()
    assert "Authorization" not in letter.headers
    assert "Bearer s3cr3t" not in letter.model_dump_json()
    # What an operator needs to replay and trace it is kept.
    assert letter.headers == {
        "Nats-Msg-Id": "e-1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }


@pytest.mark.parametrize("name", ["authorization", "AUTHORIZATION", "AuThOrIzAtIoN"])
def test_dead_letter_drops_the_authorization_header_in_any_case(name: str) -> None:
    assert _letter(headers={name: "token", "x": "y"}).headers == {"x": "y"}


def test_dead_letter_keeps_what_an_operator_needs() -> None:
    letter = _letter(payload=b'{"bad": "\xff"}', errors=[{"field": "status", "error": "x"}])
    assert letter.payload == '{"bad": "\ufffd"}'  # undecodable bytes do not lose the letter
    assert letter.delivered == 5
    assert letter.code == ErrorCode.malformed_message
    assert letter.errors == [{"field": "status", "error": "x"}]
    assert letter.failed_at.tzinfo is not None
    assert abs(letter.failed_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert DeadLetter.model_validate_json(letter.model_dump_json()) == letter
    assert _letter().errors == []


def test_a_dead_lettered_link_token_stays_where_only_notify_reads() -> None:
    token = "link-" + uuid4().hex
    event = PinSetLinkIssued(
        person_id="PER-100", link_token=token, expires_at=MOMENT, occurred_at=MOMENT
    )
    letter = _letter(
        service="notify",
        consumer="notify-links",
        subject=event.subject,
        code=ErrorCode.delivery_exhausted,
        reason="failed 5 times, last: SMTPServerDisconnected",
        payload=event.model_dump_json().encode(),
    )
    assert token not in letter.model_dump_json()
    assert json.loads(letter.payload)["link_token"] == "[redacted]"
    assert json.loads(letter.payload)["person_id"] == "PER-100"


def test_a_dead_lettered_registration_code_is_redacted() -> None:  # ID-8: a one-time secret
    event = RegistrationCodeIssued(
        occurred_at=MOMENT,
        provider_id="CO-1",
        first_name="Tom",
        last_name="Baker",
        email="tom@sunshine.example",
        code="583920",
        expires_at=MOMENT + timedelta(days=7),
        language="en",
    )
    letter = _letter(
        service="notify",
        subject=event.subject,
        code=ErrorCode.delivery_exhausted,
        reason="failed 5 times",
        payload=event.model_dump_json().encode(),
    )
    assert "583920" not in letter.model_dump_json()
    assert json.loads(letter.payload)["code"] == "[redacted]"
    assert letter.code == ErrorCode.delivery_exhausted  # the letter's own code is kept


# --- embedded servers ------------------------------------------------------------


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_free_port_without_preference_is_bindable() -> None:
    port = free_port(None)
    assert 0 < port < 65536
    assert _bindable(port)


def test_free_port_avoids_a_port_in_use() -> None:
    # `ccats up` next to another NATS: pick another port rather than fail to start.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        port = free_port(taken)
        assert port != taken
        assert _bindable(port)


def test_free_port_keeps_a_free_preferred_port() -> None:
    preferred = free_port(None)
    assert free_port(preferred) == preferred
