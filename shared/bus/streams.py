"""Every JetStream stream of the system, declared in one place.

Services never declare streams (concurrent declarations race and can drop
subjects, nats-server #3551); the bootstrap step (`ccats migrate`, run by
`ccats up`) does, before any service starts. Stream subjects are listed exactly
where a prefix is shared with request subjects: a stream that captured
`identity.>` would also swallow the `identity.pin.set` requests and answer them
with a PubAck.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

DUPLICATE_WINDOW_SECONDS = 15 * 60
"""Longer than the outbox relay's longest retry, so a republished event is dropped."""


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("ELIGIBILITY", ("eligibility.>",), "Records pushed by the eligibility system"),
    StreamSpec(
        "AUTHORIZATION",
        ("authorization.changed", "authorization.provider_changed"),
        "Authorization and provider changes",
    ),
    StreamSpec(
        "IDENTITY",
        ("identity.pin_link_issued", "identity.pin_set", "identity.registration_code_issued"),
        "Set-PIN links, PINs set, registration codes (only notify may read it)",
    ),
    StreamSpec(
        "IDENTITY_CARDS",
        ("identity.card_reported_lost",),
        "Attendance cards reported lost (no card numbers; attendance reads it, ID-9)",
    ),
    StreamSpec("ATTENDANCE", ("attendance.>",), "Attendance records, pending, absences"),
    StreamSpec(
        "BILLING",
        (
            "billing.month_closed",
            "billing.month_submitted",
            "billing.claim_ready",
            "billing.supplemental_required",
            "billing.submission_deadline_approaching",
        ),
        "Month closes, claims, supplemental bills",
    ),
    StreamSpec("NOTIFY", ("notify.sent",), "Messages sent to people"),
    StreamSpec("DEADLETTER", ("deadletter.>",), "Messages that could never be handled"),
)


def stream_config(spec: StreamSpec, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        description=spec.description,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )


def _matches(pattern: str, subject: str) -> bool:
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)


def stream_for(subject: str) -> str:
    """The stream that stores events published on `subject`."""
    for spec in STREAMS:
        if any(_matches(pattern, subject) for pattern in spec.subjects):
            return spec.name
    raise LookupError(f"no stream stores {subject!r}")


async def declare_streams(
    js: JetStreamContext, replicas: int = 1, *, only_missing: bool = False
) -> None:
    """Add each stream, or bring an existing one to this configuration.

    `only_missing` is for a service started alone: it adds what is absent and
    leaves existing streams to the bootstrap step.
    """
    for spec in STREAMS:
        config = stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            if not only_missing:
                await js.update_stream(config)
