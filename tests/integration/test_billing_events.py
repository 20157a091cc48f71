"""Billing keeps its own copy of what other services announce (architecture rule
1) and sends what arrives after a submission to a supplemental bill (BILL-2).
Events are published on their real subjects; billing runs alone against the real
NATS server and PostgreSQL, and is asked only through its contract."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from nats.aio.client import Client as NatsClient

from shared.clock import FixedClock
from shared.contract.base import Event
from shared.contract.events import (
    AttendanceChanged,
    AttendanceRecorded,
    AuthorizationChanged,
    CheckOutMissing,
    PendingAttendanceCreated,
    ProviderChanged,
)
from shared.contract.requests import ClaimReply
from shared.settings import Settings
from tests.running import eventually, running, stream_messages

pytestmark = pytest.mark.integration

ZONES = {
    "colorado": "America/Denver",
    "california": "America/Los_Angeles",
    "arizona": "America/Phoenix",
    "texas": "America/Chicago",
}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
MONTH = "2026-11"

# --- event builders (the e2e test uses them too) ------------------------------------------


def provider_changed(
    provider_id: str,
    program: str,
    *,
    status: str = "active",
    type: str = "center",
    rates: list[dict[str, Any]] | None = None,
    holidays: list[str] | None = None,
    min_months: int = 0,
    version: int = 1,
    name: str | None = None,
) -> ProviderChanged:
    return ProviderChanged(
        occurred_at=NOW,
        provider_id=provider_id,
        name=name or f"Provider {provider_id}",
        program=program,  # type: ignore[arg-type]
        type=type,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        timezone=ZONES[program],
        ages_served={"min_months": min_months, "max_months": 156},  # type: ignore[arg-type]
        rates=rates or [],  # type: ignore[arg-type]
        paid_holidays=holidays or [],  # type: ignore[arg-type]
        version=version,
        changes=[],
    )


def authorization_changed(
    authorization_id: str,
    child_id: str,
    provider_id: str,
    *,
    first_name: str = "Sofia",
    last_name: str = "Garcia",
    birth: str = "2022-05-05",
    start: str = "2026-11-01",
    end: str = "2027-04-30",
    kind: str = "fixed",
    hours_per_week: float | None = 40,
    max_days: int | None = None,
    max_hours: float | None = None,
    case_id: str | None = None,
    status: str = "active",
    version: int = 1,
    changes: list[str] | None = None,
    **announced: Any,
) -> AuthorizationChanged:
    return AuthorizationChanged.model_validate(
        {
            "occurred_at": NOW.isoformat(),
            "authorization_id": authorization_id,
            "version": version,
            "case_id": case_id or f"K-{child_id}",
            "child": {
                "child_id": child_id,
                "first_name": first_name,
                "last_name": last_name,
                "birth_date": birth,
            },
            "provider_id": provider_id,
            "start_date": start,
            "end_date": end,
            "status": status,
            "schedule": {
                "kind": kind,
                "days": WEEKDAYS if kind == "fixed" else [],
                "hours_per_week": hours_per_week,
                "max_days_per_month": max_days,
                "max_hours_per_month": max_hours,
            },
            "care_level": "full_time",
            "protective_services": False,
            "absence_exceptions": [],
            "changes": changes if changes is not None else [],
            **announced,
        }
    )


def local(day: date, at: time, program: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(ZONES[program]))


def recorded(
    record_id: str,
    provider_id: str,
    child_id: str,
    direction: str,
    at: datetime,
    *,
    status: str = "confirmed",
    channel: str = "kiosk",
) -> AttendanceRecorded:
    return AttendanceRecorded(
        occurred_at=at,
        record_id=record_id,
        provider_id=provider_id,
        child_id=child_id,
        case_id=f"K-{child_id}",
        direction=direction,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
    )


def day_visit(
    provider_id: str,
    child_id: str,
    program: str,
    day: date,
    start: time = time(8),
    end: time | None = time(17),
) -> list[Event]:
    """A check-in and its check-out signed at the kiosk (ATT-1)."""
    rid = f"{child_id}-{day:%m%d}"
    events: list[Event] = [
        recorded(f"{rid}-in", provider_id, child_id, "in", local(day, start, program))
    ]
    if end is not None:
        events.append(
            recorded(f"{rid}-out", provider_id, child_id, "out", local(day, end, program))
        )
    return events


def changed(
    new_id: str, old: AttendanceRecorded, change: str, status: str, at: datetime | None = None
) -> AttendanceChanged:
    return AttendanceChanged(
        occurred_at=at or old.occurred_at,
        record_id=new_id,
        replaces=old.record_id,
        provider_id=old.provider_id,
        child_id=old.child_id,
        case_id=old.case_id,
        direction=old.direction,
        status=status,  # type: ignore[arg-type]
        change=change,  # type: ignore[arg-type]
        by="parent-1",
    )


def weekdays(month: str = MONTH) -> list[date]:
    first = date.fromisoformat(month + "-01")
    days = [first + timedelta(n) for n in range(31)]
    return [d for d in days if d.month == first.month and d.weekday() < 5]


async def publish(nc: NatsClient, *events: Event) -> None:
    js = nc.jetstream()
    for event in events:
        await js.publish(
            event.subject,
            event.model_dump_json(by_alias=True).encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )


async def ask(nc: NatsClient, subject: str, body: dict[str, Any], timeout: float = 20) -> dict:
    reply = await nc.request(subject, json.dumps(body, default=str).encode(), timeout=timeout)
    return json.loads(reply.data)


async def claim_of(nc: NatsClient, provider_id: str, month: str = MONTH) -> dict:
    """`billing.claim.get`; a claim answered is checked against the contract's model."""
    reply = await ask(nc, "billing.claim.get", {"provider_id": provider_id, "month": month})
    if reply.get("ok"):
        ClaimReply.model_validate(reply)  # BILL-9: the reply is the contract's ClaimReply
    return reply


async def consumed(nc: NatsClient, timeout: float = 60) -> None:
    """Wait until billing has applied every event published so far.

    Billing reads each subject with its own durable consumer and acks a message only
    after its transaction commits: when none of its consumers has a message left to
    deliver or awaiting its ack, billing's read models hold all that was published.
    A claim that merely looks right can still miss an event of another consumer (a
    check-out on its way makes a complete month look like an incomplete pair).
    """
    js = nc.jetstream()

    async def idle() -> bool:
        for stream in await js.streams_info():
            for consumer in await js.consumers_info(stream.config.name):
                if consumer.name.startswith("billing-") and (
                    consumer.num_pending or consumer.num_ack_pending
                ):
                    return False
        return True

    await eventually(idle, timeout=timeout)


async def claim_when(nc: NatsClient, provider_id: str, ready, month: str = MONTH) -> dict:
    """The claim once billing has applied everything published and `ready(claim)` holds."""
    await consumed(nc)

    async def probe() -> dict | None:
        reply = await claim_of(nc, provider_id, month)
        return reply["claim"] if reply.get("ok") and ready(reply["claim"]) else None

    return await eventually(probe, timeout=30)


async def submit(nc: NatsClient, provider_id: str, month: str = MONTH, **extra: Any) -> dict:
    body = {"event_id": str(uuid.uuid4()), "operator_id": "op-1", "month": month, **extra}
    return await ask(nc, f"provider.{provider_id}.month.submit", body)


def units(claim: dict, child_id: str) -> float:
    return sum(line["units"] for line in claim["lines"] if line["child_id"] == child_id)


def days_present(claim: dict, child_id: str) -> int:
    """Days with a complete, final pair (the line's attendance beside the claim)."""
    return sum(
        line["attendance"]["days_present"]
        for line in claim["lines"]
        if line["child_id"] == child_id
    )


async def billing_events(nc: NatsClient, subject: str) -> list[dict]:
    return [json.loads(m.data) for m in await stream_messages(nc, "BILLING", subject)]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def billing(nc: NatsClient, settings: Settings, clock: FixedClock):
    async with running(settings, ("billing",), clock=clock) as system:
        yield system


# --- read models -------------------------------------------------------------------------


async def test_an_approval_arriving_before_its_record_counts_the_day_once(
    billing, nc: NatsClient
) -> None:  # ATT-2, ATT-5: the replaced row is history, whatever the order
    day = date(2026, 11, 2)
    pending_in = recorded(
        "R-in",
        "CO-1",
        "C1",
        "in",
        local(day, time(8), "colorado"),
        status="pending",
        channel="provider",
    )
    pending_out = recorded(
        "R-out",
        "CO-1",
        "C1",
        "out",
        local(day, time(17), "colorado"),
        status="pending",
        channel="provider",
    )
    await publish(
        nc,
        provider_changed("CO-1", "colorado"),
        authorization_changed("A1", "C1", "CO-1"),
        changed("R-in-2", pending_in, "approved", "confirmed"),
        changed("R-out-2", pending_out, "approved", "confirmed"),
        pending_in,
        pending_out,
    )
    claim = await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 1)
    [item] = claim["lines"][0]["items"]
    assert item["rule"] == "ATT-2"
    assert item["record_ids"] == ["R-in-2", "R-out-2"]


async def test_a_repeated_event_and_an_older_version_change_nothing(
    billing, nc: NatsClient
) -> None:  # AUTH-1: the latest version wins; inbox: nothing is applied twice
    visit = day_visit("CO-1", "C1", "colorado", date(2026, 11, 2))
    newer = authorization_changed("A1", "C1", "CO-1", start="2026-11-01", version=2)
    older = authorization_changed("A1", "C1", "CO-1", start="2026-11-03", version=1)
    await publish(nc, provider_changed("CO-1", "colorado"), newer, older, *visit, *visit)
    claim = await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 1)
    assert len(claim["lines"][0]["items"]) == 1


async def test_an_automatic_check_out_blocks_submission_until_the_parent_fixes_it(
    billing, nc: NatsClient
) -> None:  # ATT-3, ATT-2: only CheckOutMissing has arrived for the 11:59 pm check-out
    day = date(2026, 11, 2)
    check_in = recorded("R-in", "CO-1", "C1", "in", local(day, time(8), "colorado"))
    await publish(
        nc,
        provider_changed("CO-1", "colorado"),
        authorization_changed("A1", "C1", "CO-1"),
        check_in,
        CheckOutMissing(
            occurred_at=NOW,
            record_id="R-auto",
            provider_id="CO-1",
            child_id="C1",
            date=day,
            case_id="K-C1",
        ),
    )
    await claim_when(
        nc, "CO-1", lambda c: bool(c["lines"]) and c["lines"][0]["attendance"]["pending_days"]
    )
    refused = await submit(nc, "CO-1")
    assert refused["refused"] == [
        {"child_id": "C1", "code": "records_pending", "days": ["2026-11-02"]}
    ]
    auto = recorded(
        "R-auto",
        "CO-1",
        "C1",
        "out",
        local(day, time(23, 59), "colorado"),
        status="pending",
        channel="provider",
    )
    await publish(
        nc,
        PendingAttendanceCreated(
            **auto.model_dump(exclude={"event_id", "status"}), deadline=NOW + timedelta(days=9)
        ),
        changed("R-real", auto, "modified", "confirmed", local(day, time(16, 30), "colorado")),
    )
    claim = await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 1)
    assert claim["lines"][0]["items"][0]["basis"] == "attended 8.50 h"
    assert (await submit(nc, "CO-1"))["submitted"] == ["C1"]


async def test_an_authorization_ended_by_its_provider_pays_to_its_last_day(
    billing, nc: NatsClient
) -> None:  # AUTH-3: a newer revision of the same version ends it
    visits = [e for d in weekdays() for e in day_visit("CO-1", "C1", "colorado", d)]
    await publish(
        nc,
        provider_changed("CO-1", "colorado"),
        authorization_changed("A1", "C1", "CO-1", revision=1),
        *visits,
    )
    await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 21)
    await publish(
        nc,
        authorization_changed(
            "A1",
            "C1",
            "CO-1",
            revision=2,
            status="ended",
            ended_on="2026-11-13",
            last_day="2026-11-13",
            ended_reason="provider_terminated",
            changes=["status", "last_day"],
        ),
    )
    claim = await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 10)  # Nov 2 to 13
    assert claim["lines"][0]["items"][-1]["date"] == "2026-11-13"


# --- later changes go on a supplemental bill (BILL-2) ----------------------------------------


async def test_a_correction_after_submission_goes_on_a_supplemental_bill(
    billing, nc: NatsClient
) -> None:  # BILL-2
    first = day_visit("CO-1", "C1", "colorado", date(2026, 11, 2))
    await publish(
        nc, provider_changed("CO-1", "colorado"), authorization_changed("A1", "C1", "CO-1"), *first
    )
    await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 1)
    assert (await submit(nc, "CO-1"))["submitted"] == ["C1"]

    late = day_visit("CO-1", "C1", "colorado", date(2026, 11, 3))
    corrected = changed(
        "R-fix",
        first[1],
        "corrected",
        "confirmed",  # type: ignore[arg-type]
        local(date(2026, 11, 2), time(16), "colorado"),
    )
    await publish(nc, *late, corrected)
    claim = await claim_when(nc, "CO-1", lambda c: len(c["supplemental"]) >= 3)
    assert units(claim, "C1") == 1 and claim["status"] == "submitted"  # as it was submitted
    assert {(s["code"], tuple(s["days"])) for s in claim["supplemental"]} == {
        ("already_submitted", ("2026-11-02",)),
        ("already_submitted", ("2026-11-03",)),
    }
    assert any("corrected" in s["reason"] for s in claim["supplemental"])
    notices = await eventually(lambda: billing_events(nc, "billing.supplemental_required"))
    assert [(n["child_id"], n["authorization_id"], n["code"]) for n in notices] == [
        ("C1", "A1", "already_submitted")
    ]  # the provider is told once (NOT-2)


async def test_a_new_authorization_for_the_rest_of_a_submitted_month_is_supplemental(
    billing, nc: NatsClient
) -> None:  # BILL-2 (seed 003, scenario 1: split authorization in a month)
    visits = [e for d in weekdays()[:5] for e in day_visit("AZ-1", "C1", "arizona", d)]
    await publish(
        nc,
        provider_changed("AZ-1", "arizona"),
        authorization_changed("A-PART", "C1", "AZ-1", start="2026-11-01", end="2026-11-08"),
        *visits,
    )
    await claim_when(nc, "AZ-1", lambda c: units(c, "C1") == 5)
    assert (await submit(nc, "AZ-1"))["submitted"] == ["C1"]
    await publish(
        nc, authorization_changed("A-REST", "C1", "AZ-1", start="2026-11-09", end="2027-04-30")
    )
    claim = await claim_when(nc, "AZ-1", lambda c: bool(c["supplemental"]))
    [entry] = claim["supplemental"]
    assert (entry["authorization_id"], entry["code"]) == ("A-REST", "already_submitted")
    assert entry["days"][0] == "2026-11-09" and entry["days"][-1] == "2026-11-30"
    assert [line["authorization_id"] for line in claim["lines"]] == ["A-PART"]
    [notice] = await eventually(lambda: billing_events(nc, "billing.supplemental_required"))
    assert (notice["month"], notice["child_id"], notice["authorization_id"], notice["code"]) == (
        MONTH,
        "C1",
        "A-REST",
        "already_submitted",
    )  # the provider is told to send a supplemental bill (NOT-2)


async def test_a_correction_the_parent_approves_after_submission_is_supplemental(
    billing, nc: NatsClient
) -> None:  # BILL-2, ATT-5: the provider corrects a check-out, the parent approves it
    day = date(2026, 11, 2)
    visit = day_visit("CO-1", "C1", "colorado", day)
    await publish(
        nc, provider_changed("CO-1", "colorado"), authorization_changed("A1", "C1", "CO-1"), *visit
    )
    await claim_when(nc, "CO-1", lambda c: units(c, "C1") == 1)
    assert (await submit(nc, "CO-1"))["submitted"] == ["C1"]

    correction = changed(
        "R-fix",
        visit[1],  # type: ignore[arg-type]
        "corrected",
        "pending",
        local(day, time(18, 30), "colorado"),
    )
    approval = changed("R-fix-ok", correction, "approved", "confirmed")  # type: ignore[arg-type]
    await publish(nc, correction, approval)
    claim = await claim_when(nc, "CO-1", lambda c: bool(c["supplemental"]))
    # the submitted month stays as it was: 1 day, its records, submitted
    [line] = claim["lines"]
    assert (line["status"], line["units"]) == ("submitted", 1)
    assert line["items"][0]["record_ids"] == [visit[0].record_id, visit[1].record_id]
    assert {(s["code"], tuple(s["days"])) for s in claim["supplemental"]} == {
        ("already_submitted", ("2026-11-02",))
    }
    reasons = " ".join(s["reason"] for s in claim["supplemental"])
    assert "R-fix approved after the month was submitted" in reasons
    [notice] = await eventually(lambda: billing_events(nc, "billing.supplemental_required"))
    assert (notice["child_id"], notice["authorization_id"], notice["code"]) == (
        "C1",
        "A1",
        "already_submitted",
    )
