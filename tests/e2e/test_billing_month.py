"""A month of billing at providers of all four programs, through the contract:
attendance and authorizations arrive as the events other services publish; the
month is closed, submitted (one child refused), claimed and reported, and the
PDF a person signs holds the children and their totals (BILL-1..BILL-9, ATT-9).

| provider | program    | child    | what happens                         | claimed          |
|----------|------------|----------|--------------------------------------|------------------|
| CO-1     | colorado   | C-CO-1   | 21 weekdays                          | 21 d = 955.50    |
|          |            | C-CO-2   | 10 days (1 approved), 1 expired      | 10 d = 455.00    |
| CA-1     | california | C-CA-1   | 8 h x 21 days, certified 40 h/week   | 168 h, invoice   |
|          |            |          |                                      | 1900.00 < 2100   |
|          |            | C-CA-2   | variable, 10 x 7 h, max 60 h         | 60 h = 750.00    |
| AZ-1     | arizona    | C-AZ-1   | 19 full days, 1 half, 1 absence      | 20.5 u = 615.00  |
|          |            | C-AZ-2   | 5 days and an in without out         | refused          |
|          |            | C-AZ-3   | turns 12 months on Nov 5 (min 12)    | 0, supplemental  |
| TX-1     | texas      | C-TX-1   | variable, P = 14 + 1 holiday, max 20 | 20 d = 760.00    |
|          |            | C-TX-2   | fixed, 18 days, 2 Z-days, 1 holiday  | 21 d = 798.00    |
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from datetime import date, time
from pathlib import Path

import pytest
from nats.aio.client import Client as NatsClient
from pypdf import PdfReader

from shared.clock import FixedClock
from shared.contract.events import AbsenceRecorded, MonthAttested
from shared.settings import Settings
from tests.integration.test_billing_events import (
    MONTH,
    NOW,
    ask,
    authorization_changed,
    billing_events,
    changed,
    claim_when,
    day_visit,
    local,
    provider_changed,
    publish,
    recorded,
    submit,
    units,
    weekdays,
)
from tests.running import eventually, running

pytestmark = pytest.mark.e2e

THANKSGIVING = date(2026, 11, 26)
WEEKDAYS = weekdays()
NAMES = {
    "C-CO-1": ("Sofia", "Garcia"),
    "C-CO-2": ("Mateo", "Lopez"),
    "C-CA-1": ("Emma", "Chen"),
    "C-CA-2": ("Noah", "Kim"),
    "C-AZ-1": ("Liam", "Patel"),
    "C-AZ-2": ("Ava", "Nguyen"),
    "C-AZ-3": ("Lucia", "Ruiz"),
    "C-TX-1": ("Mia", "Johnson"),
    "C-TX-2": ("Lucas", "Brown"),
}
EXPECTED_UNITS = {
    "CO-1": {"C-CO-1": 21, "C-CO-2": 10},
    "CA-1": {"C-CA-1": 168, "C-CA-2": 60},
    "AZ-1": {"C-AZ-1": 20.5, "C-AZ-2": 5, "C-AZ-3": 0},
    "TX-1": {"C-TX-1": 20, "C-TX-2": 21},
}


def child(child_id: str, provider_id: str, **kwargs):
    first, last = NAMES[child_id]
    return authorization_changed(
        f"A-{child_id}", child_id, provider_id, first_name=first, last_name=last, **kwargs
    )


def visits(provider_id, child_id, program, days, start=time(8), end=time(17)):
    return [e for d in days for e in day_visit(provider_id, child_id, program, d, start, end)]


def absence(provider_id: str, child_id: str, day: date, kind: str = "reported"):
    return AbsenceRecorded(
        occurred_at=NOW,
        provider_id=provider_id,
        child_id=child_id,
        case_id=f"K-{child_id}",
        authorization_id=f"A-{child_id}",
        date=day,
        kind=kind,  # type: ignore[arg-type]
        reason="sick" if kind == "reported" else "no attendance",
        counts_as_absence=True,
    )


def the_month() -> list:
    """Everything the other services would have announced for November."""
    day_rate = lambda amount, unit="day": [  # noqa: E731
        {"care_level": "full_time", "unit": unit, "amount": amount}
    ]
    events: list = [
        provider_changed("CO-1", "colorado", rates=day_rate(45.5), name="Aspen Kids"),
        provider_changed("CA-1", "california", rates=day_rate(12.5, "hour"), name="Bayside Care"),
        provider_changed(
            "AZ-1", "arizona", rates=day_rate(30.0, "unit"), min_months=12, name="Cactus Learning"
        ),
        provider_changed(
            "TX-1", "texas", rates=day_rate(38.0), holidays=["2026-11-26"], name="Lone Star Tots"
        ),
        child("C-CO-1", "CO-1"),
        child("C-CO-2", "CO-1"),
        child("C-CA-1", "CA-1"),
        child("C-CA-2", "CA-1", kind="variable", max_hours=60),
        child("C-AZ-1", "AZ-1"),
        child("C-AZ-2", "AZ-1"),
        child("C-AZ-3", "AZ-1", birth="2025-11-05"),
        child("C-TX-1", "TX-1", kind="variable", max_days=20),
        child("C-TX-2", "TX-1"),
    ]
    # colorado: Mateo's first day was recorded by the provider and approved by the parent;
    # the check-out of his 11th day was never approved and expired (ATT-2).
    events += visits("CO-1", "C-CO-1", "colorado", WEEKDAYS)
    events += visits("CO-1", "C-CO-2", "colorado", WEEKDAYS[1:10])
    day1 = WEEKDAYS[0]
    pending = [
        recorded(
            f"P-{d}",
            "CO-1",
            "C-CO-2",
            d,
            local(day1, t, "colorado"),
            status="pending",
            channel="provider",
        )
        for d, t in (("in", time(8)), ("out", time(17)))
    ]
    events += [
        *pending,
        *(changed(f"{p.record_id}-ok", p, "approved", "confirmed") for p in pending),
    ]
    expiring = recorded(
        "X-out",
        "CO-1",
        "C-CO-2",
        "out",
        local(WEEKDAYS[10], time(17), "colorado"),
        status="pending",
        channel="provider",
    )
    events += [
        day_visit("CO-1", "C-CO-2", "colorado", WEEKDAYS[10], end=None)[0],
        expiring,
        changed("X-out-expired", expiring, "expired", "expired"),
    ]
    # california
    events += visits("CA-1", "C-CA-1", "california", WEEKDAYS, time(8), time(16))
    events += visits("CA-1", "C-CA-2", "california", WEEKDAYS[:10], time(9), time(16))
    events += [
        MonthAttested(
            occurred_at=NOW,
            provider_id="CA-1",
            child_id="C-CA-1",
            month=MONTH,
            by_role="provider",
            by="Ana Ruiz",
        ),
        MonthAttested(
            occurred_at=NOW,
            provider_id="CA-1",
            child_id="C-CA-1",
            month=MONTH,
            by_role="parent",
            by="Wei Chen",
        ),
    ]
    # arizona: Liam's half day on Nov 6 and his absence on Nov 27 (BILL-3 pays it)
    liam = [d for d in WEEKDAYS if d != date(2026, 11, 27)]
    events += visits(
        "AZ-1", "C-AZ-1", "arizona", [d for d in liam if d.day != 6], time(7, 30), time(15, 30)
    )
    events += visits("AZ-1", "C-AZ-1", "arizona", [date(2026, 11, 6)], time(8), time(12))
    events += [absence("AZ-1", "C-AZ-1", date(2026, 11, 27))]
    events += visits("AZ-1", "C-AZ-2", "arizona", WEEKDAYS[:5])
    events += day_visit("AZ-1", "C-AZ-2", "arizona", date(2026, 11, 12), end=None)
    events += visits("AZ-1", "C-AZ-3", "arizona", WEEKDAYS[:3])
    # texas
    events += visits("TX-1", "C-TX-1", "texas", WEEKDAYS[:14])
    lucas = [d for d in WEEKDAYS if d != THANKSGIVING]
    events += visits("TX-1", "C-TX-2", "texas", lucas[:18])
    events += [absence("TX-1", "C-TX-2", d, "zday") for d in lucas[18:]]
    return events


@pytest.fixture
async def billing(nc: NatsClient, settings: Settings):
    async with running(settings, ("billing",), clock=FixedClock(NOW)) as system:
        yield system


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def stored(nc: NatsClient, reply: dict) -> bytes:
    store = await nc.jetstream().object_store(reply["bucket"])
    return (await store.get(reply["object"])).data


async def report(nc: NatsClient, provider_id: str, kind: str, fmt: str) -> dict:
    body = {"provider_id": provider_id, "month": MONTH, "kind": kind, "format": fmt}
    reply = await ask(nc, "billing.report", body)
    assert reply["ok"], reply
    return reply


async def test_a_month_at_providers_of_all_four_programs(
    billing, nc: NatsClient, settings: Settings, tmp_path: Path
) -> None:
    await publish(nc, *the_month())
    claims = {}
    for provider_id, expected in EXPECTED_UNITS.items():
        claims[provider_id] = await claim_when(
            nc,
            provider_id,
            lambda c, e=expected, p=provider_id: (
                {k: units(c, k) for k in e} == e
                and len(c["supplemental"]) >= (p in ("CO-1", "AZ-1"))  # expired, age
            ),
        )

    # BILL-1: the month is closed for every provider, once
    closed = await ask(nc, "ops.billing.close_month", {"month": MONTH})
    # (the scheduled close, running beside the test, may have closed some first)
    assert sorted(closed["closed"] + closed["already_closed"]) == ["AZ-1", "CA-1", "CO-1", "TX-1"]

    # BILL-2, ATT-4: each provider submits; Ava's month has an in without an out
    answers = {
        "CO-1": await submit(nc, "CO-1"),
        "CA-1": await submit(nc, "CA-1", invoices=[{"child_id": "C-CA-1", "amount": 1900.0}]),
        "AZ-1": await submit(nc, "AZ-1"),
        "TX-1": await submit(nc, "TX-1"),
    }
    assert answers["AZ-1"]["submitted"] == ["C-AZ-1", "C-AZ-3"]
    assert answers["AZ-1"]["refused"] == [
        {"child_id": "C-AZ-2", "code": "incomplete_pair", "days": ["2026-11-12"]}
    ]
    assert all(answers[p]["refused"] == [] for p in ("CO-1", "CA-1", "TX-1"))
    submitted = await eventually(
        lambda: _at_least(billing_events(nc, "billing.month_submitted"), 4), timeout=30
    )
    assert sorted(c for e in submitted for c in e["child_ids"]) == sorted(
        c for c in NAMES if c != "C-AZ-2"
    )

    # BILL-9: every unit traced, amounts as worked out in the table above
    amounts = {}
    for provider_id in EXPECTED_UNITS:
        claim = (await ask(nc, "billing.claim.get", {"provider_id": provider_id, "month": MONTH}))[
            "claim"
        ]
        amounts[provider_id] = {line["child_id"]: line["amount"] for line in claim["lines"]}
        for line in claim["lines"]:
            assert all(item["rule"] and item["units"] >= 0 for item in line["items"])
        claims[provider_id] = claim
    assert amounts == {
        "CO-1": {"C-CO-1": 955.5, "C-CO-2": 455.0},
        "CA-1": {"C-CA-1": 1900.0, "C-CA-2": 750.0},
        "AZ-1": {"C-AZ-1": 615.0, "C-AZ-2": 150.0, "C-AZ-3": 0.0},
        "TX-1": {"C-TX-1": 760.0, "C-TX-2": 798.0},
    }
    assert {p: c["status"] for p, c in claims.items()} == {
        "CO-1": "submitted",
        "CA-1": "submitted",
        "AZ-1": "open",
        "TX-1": "submitted",
    }
    mateo = next(line for line in claims["CO-1"]["lines"] if line["child_id"] == "C-CO-2")
    assert mateo["items"][0]["rule"] == "ATT-2"  # the day the parent approved
    assert {(s["child_id"], s["code"]) for s in claims["CO-1"]["supplemental"]} == {
        ("C-CO-2", "pending_expired")
    }
    assert {(s["child_id"], s["code"]) for s in claims["AZ-1"]["supplemental"]} == {
        ("C-AZ-3", "age_out_of_range")
    }
    notices = await eventually(
        lambda: _at_least(billing_events(nc, "billing.supplemental_required"), 2), timeout=30
    )
    assert {(n["child_id"], n["code"]) for n in notices} == {
        ("C-CO-2", "pending_expired"),
        ("C-AZ-3", "age_out_of_range"),
    }

    # BILL-9: the claim as a PDF a person signs: each child, each day, totals
    for provider_id, claim in claims.items():
        text = pdf_text(await stored(nc, await report(nc, provider_id, "claim", "pdf")))
        for line in claim["lines"]:
            first, last = NAMES[line["child_id"]]
            assert f"{first} {last}" in text
            assert f"{line['amount']:,.2f}" in text
        total = sum(line["amount"] for line in claim["lines"])
        assert f"Total amount {total:,.2f}" in text
        assert "Provider signature" in text
    tx_text = pdf_text(await stored(nc, await report(nc, "TX-1", "claim", "pdf")))
    assert "2026-11-26" in tx_text and "paid holiday" in tx_text

    # ATT-9: the monthly record with the attestations of provider and parent
    record = pdf_text(await stored(nc, await report(nc, "CA-1", "monthly_record", "pdf")))
    assert "Emma Chen" in record and "2026-11-02 08:00 16:00 8.00" in record
    assert "attested electronically by Ana Ruiz" in record
    assert "attested electronically by Wei Chen" in record
    assert "Parent signature: ___" in record  # Noah's record awaits signatures

    # BILL-9: the supplemental list with its reasons; the Attendance Per Student report
    supplemental = json.loads(await stored(nc, await report(nc, "AZ-1", "supplemental", "json")))
    [lucia] = supplemental["supplemental"]
    assert (lucia["child_name"], lucia["code"]) == ("Lucia Ruiz", "age_out_of_range")
    assert lucia["days"] == [d.isoformat() for d in WEEKDAYS[:3]]
    per_student = await stored(nc, await report(nc, "AZ-1", "attendance_per_student", "csv"))
    assert "C-AZ-2,Ava Nguyen,2026-11-12,08:00,,,incomplete pair," in per_student.decode()

    # `ccats report` writes the same bytes the object store holds
    reply = await report(nc, "TX-1", "claim", "pdf")
    out = tmp_path / "tx-claim.pdf"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccats",
        "report",
        "claim",
        "--provider",
        "TX-1",
        "--month",
        MONTH,
        "--format",
        "pdf",
        "-o",
        str(out),
        env={**os.environ, "NATS_URL": settings.nats_url, "DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert reply["object"] in stdout.decode()
    assert out.read_bytes() == await stored(nc, reply)


async def _at_least(events_coro, count: int):
    events = await events_coro
    return events if len(events) >= count else None
