"""Subject names of the contract, and the helpers that build the scoped ones.

The scope (provider or person id) is one token of the subject
(`kiosk.<provider_id>.*`, `provider.<provider_id>.*`, `parent.<person_id>.*`), and
NATS permissions on those subjects decide who may send what (ID-7). A scope id
must therefore be exactly one NATS token: `subject_token` refuses anything else,
so an id can never widen a subject (`a.b`) or turn it into a wildcard (`*`, `>`).
"""

from __future__ import annotations

import unicodedata

# --- tokens ----------------------------------------------------------------

_FORBIDDEN = frozenset(".*>")


def subject_token(value: str) -> str:
    """Return `value` if it is a single NATS subject token, else raise ValueError.

    Refused: the empty string, `.`, `*`, `>`, whitespace and control characters.
    """
    if not isinstance(value, str):
        raise ValueError("a subject token must be a string")
    if not value:
        raise ValueError("a subject token must not be empty")
    for char in value:
        if char in _FORBIDDEN:
            raise ValueError(f"a subject token must not contain {char!r}")
        if char.isspace() or unicodedata.category(char) == "Cc":
            raise ValueError("a subject token must not contain whitespace or control characters")
    return value


def _tokens(value: str) -> str:
    """Validate a dotted suffix such as `attendance.record`: each part one token."""
    for part in value.split("."):
        subject_token(part)
    return value


# --- from the eligibility system (AUTH-1) ----------------------------------

ELIGIBILITY_ALL = "eligibility.>"
ELIGIBILITY_PROVIDER = "eligibility.provider"
ELIGIBILITY_CASE = "eligibility.case"
ELIGIBILITY_AUTHORIZATION = "eligibility.authorization"

# --- events ----------------------------------------------------------------

AUTHORIZATION_CHANGED = "authorization.changed"
PROVIDER_CHANGED = "authorization.provider_changed"
PIN_LINK_ISSUED = "identity.pin_link_issued"
PIN_SET_EVENT = "identity.pin_set"
CARD_REPORTED_LOST = "identity.card_reported_lost"
ATTENDANCE_RECORDED = "attendance.recorded"
ATTENDANCE_PENDING = "attendance.pending"
CHECKOUT_MISSING = "attendance.checkout_missing"
ABSENCE_STANDARD_EXCEEDED = "attendance.absence_standard_exceeded"
MONTH_CLOSED = "billing.month_closed"
CLAIM_READY = "billing.claim_ready"
SUPPLEMENTAL_REQUIRED = "billing.supplemental_required"
NOTIFICATION_SENT = "notify.sent"

# --- requests: adults ------------------------------------------------------

PIN_SET = "identity.pin.set"

# --- requests: kiosks and apps, scoped to a provider -----------------------

KIOSK_PREFIX = "kiosk"
SIGNIN = "signin"
TAP = "tap"
KIOSK_SIGNIN_ALL = f"{KIOSK_PREFIX}.*.{SIGNIN}"
KIOSK_TAP_ALL = f"{KIOSK_PREFIX}.*.{TAP}"


def kiosk_signin(provider_id: str) -> str:
    """`kiosk.<provider_id>.signin`."""
    return f"{KIOSK_PREFIX}.{subject_token(provider_id)}.{SIGNIN}"


def kiosk_tap(provider_id: str) -> str:
    """`kiosk.<provider_id>.tap`."""
    return f"{KIOSK_PREFIX}.{subject_token(provider_id)}.{TAP}"


# --- requests: provider operators and their software ----------------------

PROVIDER_PREFIX = "provider"
ATTENDANCE_RECORD = "attendance.record"
ATTENDANCE_CORRECT = "attendance.correct"
ATTENDANCE_IMPORT = "attendance.import"
MONTH_SUBMIT = "month.submit"
PROVIDER_ACTIONS = (ATTENDANCE_RECORD, ATTENDANCE_CORRECT, ATTENDANCE_IMPORT, MONTH_SUBMIT)


def provider_subject(provider_id: str, action: str) -> str:
    """`provider.<provider_id>.<action>`, e.g. `provider.p1.attendance.record`."""
    if action not in PROVIDER_ACTIONS:
        raise ValueError(f"unknown provider action {action!r}")
    return f"{PROVIDER_PREFIX}.{subject_token(provider_id)}.{action}"


def provider_pattern(action: str) -> str:
    """The subscription pattern for one action at every provider: `provider.*.<action>`."""
    if action not in PROVIDER_ACTIONS:
        raise ValueError(f"unknown provider action {action!r}")
    return f"{PROVIDER_PREFIX}.*.{action}"


# --- requests: parents and delegates ---------------------------------------

PARENT_PREFIX = "parent"
PENDING_LIST = "pending.list"
PENDING_RESOLVE = "pending.resolve"
DELEGATES_ADD = "delegates.add"
DELEGATES_REMOVE = "delegates.remove"
CARD_REPORT_LOST = "card.report_lost"
PARENT_ACTIONS = (PENDING_LIST, PENDING_RESOLVE, DELEGATES_ADD, DELEGATES_REMOVE, CARD_REPORT_LOST)


def parent_subject(person_id: str, action: str) -> str:
    """`parent.<person_id>.<action>`, e.g. `parent.a1.pending.list`."""
    if action not in PARENT_ACTIONS:
        raise ValueError(f"unknown parent action {action!r}")
    return f"{PARENT_PREFIX}.{subject_token(person_id)}.{action}"


def parent_pattern(action: str) -> str:
    """The subscription pattern for one action of every adult: `parent.*.<action>`."""
    if action not in PARENT_ACTIONS:
        raise ValueError(f"unknown parent action {action!r}")
    return f"{PARENT_PREFIX}.*.{action}"


# --- requests: operations and billing staff --------------------------------

OPS_HEALTH = "ops.health"
OPS_CLOSE_DAY = "ops.attendance.close_day"
OPS_EXPIRE_PENDING = "ops.attendance.expire_pending"
OPS_REMIND_LINKS = "ops.identity.remind_links"
OPS_CLOSE_MONTH = "ops.billing.close_month"

CLAIM_GET = "billing.claim.get"
REPORT = "billing.report"

# --- dead letters ----------------------------------------------------------

DEADLETTER_PREFIX = "deadletter"
DEADLETTER_ALL = f"{DEADLETTER_PREFIX}.>"


def deadletter(subject: str) -> str:
    """Where a message that could not be handled on `subject` is parked."""
    return f"{DEADLETTER_PREFIX}.{_tokens(subject)}"


# --- reading a received subject --------------------------------------------

_SCOPED_PREFIXES = (KIOSK_PREFIX, PROVIDER_PREFIX, PARENT_PREFIX)


def scope_of(subject: str) -> str:
    """The scope id of a received scoped subject: `kiosk.p1.tap` -> `p1`.

    A service trusts the scope of a message that reached it (NATS permissions
    decided), so this is the only place the id is read from.
    """
    prefix, _, rest = subject.partition(".")
    if prefix not in _SCOPED_PREFIXES or "." not in rest:
        raise ValueError(f"{subject!r} is not a scoped subject")
    return subject_token(rest.split(".", 1)[0])
