"""Which JetStream stream stores which subject (shared/bus/streams.py).

A stream that captures a request subject answers the request itself with a
PubAck, so the service's real answer never reaches the caller; an event subject
stored by no stream (or by two) is lost or refused. Architecture rule 4:
nothing is lost, nothing is done twice.
"""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.bus.deadletter import deadletter_subject
from shared.bus.streams import (
    DUPLICATE_WINDOW_SECONDS,
    STREAMS,
    _matches,
    stream_config,
    stream_for,
)
from shared.contract import subjects
from shared.contract.asyncapi import service_requests
from shared.contract.events import EVENT_TYPES
from shared.contract.requests import REQUEST_TYPES, REQUESTS_BY_SUBJECT
from shared.outbox import MAX_BACKOFF_SECONDS, next_backoff

# --- a reference matcher of NATS subjects ------------------------------------


def overlaps(a: str, b: str) -> bool:
    """True when some concrete subject matches both NATS patterns `a` and `b`.

    `*` stands for exactly one token, `>` (last token only) for one or more.
    """
    ta, tb = a.split("."), b.split(".")
    for i in range(max(len(ta), len(tb))):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x is None or y is None:
            # One pattern has ended: only a `>` on the other side could continue,
            # and it would need at least one more token the ended one lacks.
            return False
        if x == ">" or y == ">":
            return True
        if x != "*" and y != "*" and x != y:
            return False
    return True


def _regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for token in pattern.split("."):
        if token == ">":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        elif token == "*":
            parts.append(r"[^.]+")
        else:
            parts.append(re.escape(token))
    return re.compile(r"\.".join(parts) + r"\Z")


def reference_match(pattern: str, subject: str) -> bool:
    return _regex(pattern).match(subject) is not None


def stored_by(subject: str) -> list[str]:
    """Every stream with a subject pattern overlapping `subject` (itself maybe a pattern)."""
    return [
        spec.name
        for spec in STREAMS
        if any(overlaps(pattern, subject) for pattern in spec.subjects)
    ]


# --- what the contract sends as requests --------------------------------------

SCOPE = "P1"

REQUEST_PATTERNS: set[str] = {
    *REQUESTS_BY_SUBJECT,
    *service_requests(),  # the services' own requests (identity, attendance, ...)
    *(cls.subject for cls in REQUEST_TYPES),
    subjects.PIN_SET,
    subjects.KIOSK_TAP_ALL,
    subjects.KIOSK_SIGNIN_ALL,
    *(subjects.provider_pattern(action) for action in subjects.PROVIDER_ACTIONS),
    *(subjects.parent_pattern(action) for action in subjects.PARENT_ACTIONS),
    subjects.OPS_HEALTH,
    subjects.OPS_CLOSE_DAY,
    subjects.OPS_EXPIRE_PENDING,
    subjects.OPS_REMIND_LINKS,
    subjects.OPS_CLOSE_MONTH,
    "ops.>",  # every operations request, present and future
    subjects.CLAIM_GET,
    subjects.REPORT,
    "authorization.get",  # shared/contract/queries.py, served by authorization
}

CONCRETE_REQUESTS: set[str] = {
    subjects.kiosk_tap(SCOPE),
    subjects.kiosk_signin(SCOPE),
    *(subjects.provider_subject(SCOPE, action) for action in subjects.PROVIDER_ACTIONS),
    *(subjects.parent_subject(SCOPE, action) for action in subjects.PARENT_ACTIONS),
}

EVENT_SUBJECTS = sorted(cls.subject for cls in EVENT_TYPES)


# --- the reference matcher agrees with the one the code uses ------------------

_token = st.sampled_from(["a", "b", "c"])
_pattern_token = st.sampled_from(["a", "b", "c", "*"])


@st.composite
def nats_patterns(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(_pattern_token, min_size=1, max_size=4))
    if draw(st.booleans()):
        tokens.append(">")
    return ".".join(tokens)


@given(pattern=nats_patterns(), subject=st.lists(_token, min_size=1, max_size=5).map(".".join))
def test_stream_matcher_follows_nats_wildcards(pattern: str, subject: str) -> None:
    # `stream_for` decides where an event is stored: it must read `*` and `>` as NATS does.
    assert _matches(pattern, subject) == reference_match(pattern, subject)


@given(a=nats_patterns(), b=nats_patterns(), subject=st.lists(_token, min_size=1, max_size=6))
def test_overlap_is_witnessed_by_a_common_subject(a: str, b: str, subject: list[str]) -> None:
    # A subject matched by both patterns proves they overlap (the test's own helper).
    concrete = ".".join(subject)
    if reference_match(a, concrete) and reference_match(b, concrete):
        assert overlaps(a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("eligibility.>", "eligibility.case", True),
        ("identity.>", "identity.pin.set", True),
        ("identity.pin_set", "identity.pin.set", False),
        ("kiosk.*.tap", "kiosk.>", True),
        ("attendance.>", "attendance", False),
        ("a.*", "a.b.c", False),
        ("a.*.c", "a.b.*", True),
    ],
)
def test_overlap_examples(a: str, b: str, expected: bool) -> None:
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


# --- events: stored, once -----------------------------------------------------


@pytest.mark.parametrize("subject", EVENT_SUBJECTS)
def test_every_event_is_stored_by_exactly_one_stream(subject: str) -> None:
    # Rule 4: an event no stream stores is lost; JetStream refuses overlapping streams.
    assert len(stored_by(subject)) == 1, stored_by(subject)
    assert stream_for(subject) == stored_by(subject)[0]


def test_event_streams_are_the_ones_the_services_publish_to() -> None:
    # Architecture table: each service publishes its events in its own streams,
    # named after the subject's first token (IDENTITY_CARDS beside IDENTITY, which
    # only notify may read).
    for subject in EVENT_SUBJECTS:
        service = subject.split(".")[0].upper()
        assert stream_for(subject) in (service, f"{service}_CARDS"), subject


@pytest.mark.parametrize(
    "subject",
    [
        subjects.ELIGIBILITY_PROVIDER,
        subjects.ELIGIBILITY_CASE,
        subjects.ELIGIBILITY_AUTHORIZATION,
    ],
)
def test_eligibility_pushes_are_stored(subject: str) -> None:
    # AUTH-1: the state's pushes are published to JetStream (ccats/feed.py).
    assert stream_for(subject) == "ELIGIBILITY"


def test_a_subject_no_stream_stores_is_refused_by_name() -> None:
    with pytest.raises(LookupError, match=r"nope\.nothing"):
        stream_for("nope.nothing")


# --- requests: never captured -------------------------------------------------


@pytest.mark.parametrize("subject", sorted(REQUEST_PATTERNS | CONCRETE_REQUESTS))
def test_no_stream_captures_a_request_subject(subject: str) -> None:
    # A stream capturing a request would answer it with a PubAck (streams.py docstring).
    assert stored_by(subject) == []
    if "*" not in subject and ">" not in subject:
        with pytest.raises(LookupError):
            stream_for(subject)


def test_every_contract_request_is_checked() -> None:
    # The list above follows the contract: a new request class is covered automatically.
    assert {cls.subject for cls in REQUEST_TYPES} <= REQUEST_PATTERNS


@given(scope=st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True))
def test_scoped_requests_of_any_provider_or_person_are_not_captured(scope: str) -> None:
    scoped = [
        subjects.kiosk_tap(scope),
        subjects.kiosk_signin(scope),
        *(subjects.provider_subject(scope, a) for a in subjects.PROVIDER_ACTIONS),
        *(subjects.parent_subject(scope, a) for a in subjects.PARENT_ACTIONS),
    ]
    for subject in scoped:
        assert stored_by(subject) == [], subject


# --- streams among themselves -------------------------------------------------


def test_stream_names_are_unique() -> None:
    names = [spec.name for spec in STREAMS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("first", "second"),
    [(a, b) for a, b in itertools.combinations(STREAMS, 2)],
    ids=lambda spec: spec.name,
)
def test_streams_subjects_do_not_overlap(first, second) -> None:  # type: ignore[no-untyped-def]
    # JetStream refuses a stream whose subjects overlap another's (`ccats migrate` fails).
    for a, b in itertools.product(first.subjects, second.subjects):
        assert not overlaps(a, b), (first.name, a, second.name, b)


@pytest.mark.parametrize("spec", STREAMS, ids=lambda spec: spec.name)
def test_a_streams_own_subjects_do_not_overlap(spec) -> None:  # type: ignore[no-untyped-def]
    for a, b in itertools.combinations(spec.subjects, 2):
        assert not overlaps(a, b), (spec.name, a, b)


# --- dead letters -------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        subjects.ELIGIBILITY_AUTHORIZATION,
        *EVENT_SUBJECTS,
    ],
)
def test_dead_letters_are_stored(subject: str) -> None:
    # Rule 4: a message that can never be handled is parked with its reason, not lost.
    assert deadletter_subject(subject) == subjects.deadletter(subject)
    assert stream_for(deadletter_subject(subject)) == "DEADLETTER"


def test_dead_letter_of_the_eligibility_authorization_feed() -> None:
    assert deadletter_subject("eligibility.authorization") == "deadletter.eligibility.authorization"
    assert stream_for("deadletter.eligibility.authorization") == "DEADLETTER"


# --- duplicate window versus the relay's retries --------------------------------


def _relay_waits(first: float, failures: int) -> list[float]:
    """The waits of a relay whose every publish fails, from a poll of `first` seconds."""
    waits = [first]
    for _ in range(failures - 1):
        waits.append(next_backoff(waits[-1]))
    return waits


@given(st.floats(min_value=0.01, max_value=MAX_BACKOFF_SECONDS))
def test_relay_backoff_grows_and_is_capped(first: float) -> None:
    waits = _relay_waits(first, failures=30)
    assert waits == sorted(waits)
    assert max(waits) == MAX_BACKOFF_SECONDS


def test_duplicate_window_outlasts_the_relays_retries() -> None:
    # Rule 4: a relay that republishes an event it had in fact stored (PubAck lost)
    # does so within the duplicate window, so JetStream drops the second copy.
    longest_wait = max(_relay_waits(0.5, failures=30))
    assert longest_wait < DUPLICATE_WINDOW_SECONDS
    # Room for several retries and the publish timeouts between them, not just one.
    assert DUPLICATE_WINDOW_SECONDS >= 10 * MAX_BACKOFF_SECONDS


@pytest.mark.parametrize("spec", STREAMS, ids=lambda spec: spec.name)
def test_every_stream_is_declared_with_the_duplicate_window(spec) -> None:  # type: ignore[no-untyped-def]
    config = stream_config(spec, replicas=3)
    assert config.duplicate_window == DUPLICATE_WINDOW_SECONDS
    assert config.as_dict()["duplicate_window"] == DUPLICATE_WINDOW_SECONDS * 10**9  # ns
    assert config.num_replicas == 3
    assert config.subjects == list(spec.subjects)
