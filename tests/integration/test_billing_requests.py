"""Billing's requests against the real NATS server and PostgreSQL: month close
(BILL-1), submission (BILL-1, BILL-2), the claim and its reports in the object
store (BILL-9), deadline reminders (NOT-2) and the rate verification draw (BILL-10)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nats.aio.client import Client as NatsClient
from pypdf import PdfReader

from shared.clock import FixedClock
from shared.settings import Settings
from tests.integration.test_billing_events import (
    MONTH,
    NOW,
    ask,
    authorization_changed,
    billing_events,
    claim_of,
    claim_when,
    consumed,
    day_visit,
    days_present,
    provider_changed,
    publish,
    submit,
    units,
    weekdays,
)
from tests.running import eventually, running

pytestmark = pytest.mark.integration


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def billing(nc: NatsClient, settings: Settings, clock: FixedClock):
    async with running(settings, ("billing",), clock=clock) as system:
        yield system


async def world(nc: NatsClient, *providers: tuple[str, str]) -> None:
    """Each provider with one child attending the first three weekdays of November."""
    for provider_id, program in providers:
        child = f"{provider_id}-C1"
        await publish(
            nc,
            provider_changed(
                provider_id,
                program,
                rates=[{"care_level": "full_time", "unit": "day", "amount": 40.0}],
            ),
            authorization_changed(f"{provider_id}-A1", child, provider_id),
            *[e for d in weekdays()[:3] for e in day_visit(provider_id, child, program, d)],
        )
    for provider_id, _ in providers:  # the three days, each with its in and out
        await claim_when(nc, provider_id, lambda c, p=provider_id: units(c, f"{p}-C1") == 3)


# --- month close (BILL-1) ----------------------------------------------------------------


async def test_closing_a_month_announces_it_once_per_provider(billing, nc: NatsClient) -> None:
    await world(nc, ("CO-1", "colorado"), ("AZ-1", "arizona"))
    first = await ask(nc, "ops.billing.close_month", {"month": MONTH, "operator_id": "ops-1"})
    again = await ask(nc, "ops.billing.close_month", {"month": MONTH})
    # The scheduled close may have taken a provider first: either way each is closed once.
    assert sorted(first["closed"] + first["already_closed"]) == ["AZ-1", "CO-1"]
    assert (again["closed"], again["already_closed"]) == ([], ["AZ-1", "CO-1"])
    closed = await eventually(lambda: billing_events(nc, "billing.month_closed"))
    assert sorted((e["provider_id"], e["month"], e["submit_by"]) for e in closed) == [
        ("AZ-1", MONTH, "2026-12-10"),
        ("CO-1", MONTH, "2026-12-10"),
    ]


async def test_a_month_not_ended_is_not_closed(billing, nc: NatsClient, clock: FixedClock) -> None:
    await world(nc, ("CO-1", "colorado"))
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))  # still Nov 30 in Denver
    reply = await ask(nc, "ops.billing.close_month", {"month": MONTH})
    assert reply["not_ended"] == ["CO-1"] and reply["closed"] == []  # BILL-1


async def test_closing_for_an_unknown_provider_is_refused(billing, nc: NatsClient) -> None:
    reply = await ask(nc, "ops.billing.close_month", {"month": MONTH, "provider_id": "NOPE"})
    assert reply["error"]["code"] == "not_found"


# --- submission (BILL-1, BILL-2) -------------------------------------------------------------


async def test_a_child_is_submitted_once_and_attendance_is_told(billing, nc: NatsClient) -> None:
    await world(nc, ("CO-1", "colorado"))
    first = await submit(nc, "CO-1")
    second = await submit(nc, "CO-1")
    assert first == {"ok": True, "submitted": ["CO-1-C1"], "refused": []}  # BILL-2
    assert second["refused"] == [{"child_id": "CO-1-C1", "code": "already_submitted", "days": []}]
    [event] = await eventually(lambda: billing_events(nc, "billing.month_submitted"))
    assert (event["provider_id"], event["month"], event["child_ids"]) == (
        "CO-1",
        MONTH,
        ["CO-1-C1"],
    )
    claim = (await claim_of(nc, "CO-1"))["claim"]
    assert claim["status"] == "submitted" and claim["lines"][0]["status"] == "submitted"


async def test_a_resent_submission_gets_the_first_answer(billing, nc: NatsClient) -> None:
    await world(nc, ("CO-1", "colorado"))
    body = {"event_id": str(uuid.uuid4()), "operator_id": "op-1", "month": MONTH}
    first = await ask(nc, "provider.CO-1.month.submit", body)
    again = await ask(nc, "provider.CO-1.month.submit", body)
    assert first == again == {"ok": True, "submitted": ["CO-1-C1"], "refused": []}


async def test_after_the_deadline_a_submission_is_refused_and_changes_nothing(
    billing, nc: NatsClient, clock: FixedClock
) -> None:  # BILL-1: 10 days after the month's last day (arizona)
    await world(nc, ("AZ-1", "arizona"))
    clock.set(datetime(2026, 12, 11, 8, 0, tzinfo=UTC))  # Dec 11 in Phoenix
    refused = await submit(nc, "AZ-1")
    assert refused["error"]["code"] == "deadline_passed"
    assert "2026-12-10" in refused["error"]["message"]
    assert (await claim_of(nc, "AZ-1"))["claim"]["status"] == "open"
    assert await billing_events(nc, "billing.month_submitted") == []


async def test_a_month_not_ended_cannot_be_submitted(
    billing, nc: NatsClient, clock: FixedClock
) -> None:  # BILL-1
    await world(nc, ("CO-1", "colorado"))
    clock.set(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert (await submit(nc, "CO-1"))["error"]["code"] == "month_not_closed"


async def test_the_california_invoice_caps_the_submitted_amount(billing, nc: NatsClient) -> None:
    # BILL-7: the lesser of the ceiling and the provider's invoice
    await publish(
        nc,
        provider_changed(
            "CA-1",
            "california",
            rates=[{"care_level": "full_time", "unit": "hour", "amount": 12.5}],
        ),
        authorization_changed("CA-1-A1", "CA-1-C1", "CA-1", hours_per_week=40),
        *[e for d in weekdays() for e in day_visit("CA-1", "CA-1-C1", "california", d)],
    )
    # 168 certified hours are paid from 80% of them attended (the pack's tolerance), so
    # the units alone do not say every check-out has arrived: wait for all 21 days
    await claim_when(nc, "CA-1", lambda c: days_present(c, "CA-1-C1") == 21)
    reply = await submit(nc, "CA-1", invoices=[{"child_id": "CA-1-C1", "amount": 1500.0}])
    assert reply["submitted"] == ["CA-1-C1"], reply
    [line] = (await claim_of(nc, "CA-1"))["claim"]["lines"]
    assert (line["ceiling"], line["invoice"], line["amount"]) == (2100.0, 1500.0, 1500.0)


async def test_a_provider_on_hold_is_paid_nothing_until_the_hold_is_released(
    billing, nc: NatsClient
) -> None:  # BILL-8, AUTH-3: attendance is kept and submitted; payment waits for release
    await world(nc, ("CO-1", "colorado"))
    rates = [{"care_level": "full_time", "unit": "day", "amount": 40.0}]
    await publish(nc, provider_changed("CO-1", "colorado", status="hold", rates=rates, version=2))
    held = await claim_when(nc, "CO-1", lambda c: c["status"] == "held")
    assert (held["total_amount"], held["payable_amount"]) == (120.0, 0.0)  # 3 days x 40.00
    assert (await submit(nc, "CO-1"))["submitted"] == ["CO-1-C1"]
    still_held = (await claim_of(nc, "CO-1"))["claim"]
    assert (still_held["status"], still_held["payable_amount"]) == ("held", 0.0)
    assert still_held["lines"][0]["status"] == "submitted"

    await publish(nc, provider_changed("CO-1", "colorado", rates=rates, version=3))
    released = await claim_when(nc, "CO-1", lambda c: c["status"] != "held")
    assert (released["status"], released["total_amount"], released["payable_amount"]) == (
        "submitted",
        120.0,
        120.0,
    )
    assert units(released, "CO-1-C1") == 3  # the days held are the days paid


# --- claim and reports (BILL-9) ----------------------------------------------------------------


async def test_asking_for_an_unknown_provider_or_a_bad_month_is_refused(
    billing, nc: NatsClient
) -> None:
    assert (await claim_of(nc, "NOPE"))["error"]["code"] == "not_found"
    bad = await ask(nc, "billing.claim.get", {"provider_id": "CO-1", "month": "2026-13"})
    assert bad["error"]["code"] == "invalid_request"


async def test_a_report_is_stored_in_the_object_store_and_announced(
    billing, nc: NatsClient
) -> None:
    await world(nc, ("CO-1", "colorado"))
    reply = await ask(
        nc,
        "billing.report",
        {"provider_id": "CO-1", "month": MONTH, "kind": "claim", "format": "json"},
    )
    assert reply["ok"] and reply["bucket"] == "ccats-reports"
    stored = await (await nc.jetstream().object_store(reply["bucket"])).get(reply["object"])
    assert json.loads(stored.data) == reply["data"]
    assert reply["data"]["claim"]["lines"][0]["units"] == 3
    ready = await eventually(lambda: billing_events(nc, "billing.claim_ready"))
    assert [(e["provider_id"], e["object"]) for e in ready] == [("CO-1", reply["object"])]
    csv_reply = await ask(
        nc,
        "billing.report",
        {"provider_id": "CO-1", "month": MONTH, "kind": "attendance_per_student", "format": "csv"},
    )
    assert csv_reply["data"] is None and csv_reply["object"].endswith(".csv")


async def test_every_report_is_stored_in_each_format_and_announced(
    billing, nc: NatsClient
) -> None:  # BILL-9, ATT-9: claim, per student, monthly record, supplemental; json, csv, pdf
    await world(nc, ("CO-1", "colorado"))
    store = await nc.jetstream().object_store("ccats-reports")
    objects = []
    for kind in ("claim", "attendance_per_student", "monthly_record", "supplemental"):
        for fmt in ("json", "csv", "pdf"):
            body = {"provider_id": "CO-1", "month": MONTH, "kind": kind, "format": fmt}
            reply = await ask(nc, "billing.report", body)
            assert reply["ok"], reply
            assert reply["object"].startswith(f"CO-1/{MONTH}/{kind}-")
            assert reply["object"].endswith(f".{fmt}")
            content = (await store.get(reply["object"])).data
            objects.append(reply["object"])
            if fmt == "json":
                assert json.loads(content) == reply["data"]
                assert reply["data"]["kind"] == kind
            elif fmt == "csv":
                assert reply["data"] is None
                assert kind == "supplemental" or "CO-1-C1" in content.decode()
            else:
                text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
                assert "CO-1" in text and MONTH in text
                assert kind == "supplemental" or "Sofia Garcia" in text
    ready = await eventually(
        lambda: _at_least(billing_events(nc, "billing.claim_ready"), len(objects))
    )
    assert sorted(e["object"] for e in ready) == sorted(objects)
    assert {(e["provider_id"], e["month"], e["bucket"]) for e in ready} == {
        ("CO-1", MONTH, "ccats-reports")
    }


async def _at_least(events, count: int) -> list[dict] | None:
    found = await events
    return found if len(found) >= count else None


# --- deadline reminders (BILL-1, NOT-2) --------------------------------------------------------


async def test_a_provider_is_reminded_once_of_a_near_deadline(billing, nc: NatsClient) -> None:
    await world(nc, ("AZ-1", "arizona"), ("CO-1", "colorado"))
    await ask(nc, "ops.billing.close_month", {"month": MONTH})
    await submit(nc, "CO-1")  # fully submitted: no reminder
    early = await ask(nc, "ops.billing.remind_deadlines", {"as_of": "2026-12-05T15:00:00+00:00"})
    near = await ask(nc, "ops.billing.remind_deadlines", {"as_of": "2026-12-08T15:00:00+00:00"})
    again = await ask(nc, "ops.billing.remind_deadlines", {"as_of": "2026-12-09T15:00:00+00:00"})
    assert early["reminded"] == [] and again["reminded"] == []
    assert near["reminded"] == [
        {"provider_id": "AZ-1", "month": MONTH, "deadline": "2026-12-10", "days_left": 3}
    ]
    [event] = await eventually(
        lambda: billing_events(nc, "billing.submission_deadline_approaching")
    )
    assert (event["provider_id"], event["days_left"]) == ("AZ-1", 3)


# --- the rate verification draw (BILL-10) ------------------------------------------------------


async def test_the_yearly_rate_draw_is_reproducible_and_recorded(
    billing, nc: NatsClient, settings: Settings
) -> None:  # BILL-10
    licensed = [provider_changed(f"CA-{n:02d}", "california") for n in range(23)]
    exempt = [provider_changed(f"CA-X{n}", "california", type="license_exempt") for n in range(4)]
    await publish(nc, *licensed, *exempt, provider_changed("AZ-1", "arizona"))
    await consumed(nc)  # billing knows every provider announced
    draw = await ask(
        nc, "ops.billing.rate_draw", {"year": 2027, "seed": "s-1", "operator_id": "ops-1"}
    )
    again = await ask(nc, "ops.billing.rate_draw", {"year": 2027, "seed": "s-1"})
    [california] = draw["draws"]  # the only pack with a verification fraction
    assert california["program"] == "california"
    assert len(california["population"]) == 23  # license-exempt providers are not drawn
    assert len(california["drawn"]) == 3  # 10% of 23, rounded up
    assert set(california["drawn"]) <= set(california["population"])
    assert again["draws"] == draw["draws"]
    refused = await ask(nc, "ops.billing.rate_draw", {"year": 2027, "seed": "s-2"})
    assert refused["error"]["code"] == "rate_draw_exists"
    history = await ask(nc, "ops.billing.rate_draws", {"year": 2027})
    assert history["draws"] == draw["draws"]
    # the operator's command reads the same recorded draw, and repeats it with the same seed
    assert (await ccats(settings, "billing", "rate-draws", "--year", "2027"))["draws"] == draw[
        "draws"
    ]
    repeated = await ccats(settings, "billing", "rate-draw", "--year", "2027", "--seed", "s-1")
    assert repeated["draws"] == draw["draws"]


async def ccats(settings: Settings, *args: str) -> dict:
    """The `ccats` command's JSON answer, run as an operator would, against these servers."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccats",
        *args,
        env={**os.environ, "NATS_URL": settings.nats_url, "DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


async def test_the_scheduled_close_runs_the_day_after_the_month_ends(
    nc: NatsClient, settings: Settings, clock: FixedClock
) -> None:  # BILL-1: the same job as ops.billing.close_month, on a schedule
    async with running(settings, ("billing",), clock=clock):
        await world(nc, ("CO-1", "colorado"))
    clock.set(clock.now() + timedelta(hours=1))
    async with running(settings, ("billing",), clock=clock):
        closed = await eventually(lambda: billing_events(nc, "billing.month_closed"))
    assert [(e["provider_id"], e["month"]) for e in closed] == [("CO-1", MONTH)]
