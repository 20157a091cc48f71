"""Reports a person reads and signs (BILL-9, ATT-9): every unit traced in the
claim, days as rows with times and totals, attestation lines; the same report
as JSON, CSV and PDF."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
from pypdf import PdfReader

from services.billing.domain.values import Attestation, MonthFacts
from services.billing.domain.view import claim_view
from services.billing.reporting import object_name, render
from services.billing.reports.build import KINDS, build_report
from services.billing.wire import claim_model
from tests.unit.test_billing_claims import (
    NOV,
    NOV_AUTH,
    absence,
    authorization,
    california,
    provider,
    visit,
    visits,
    weekdays,
)

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
LA = "America/Los_Angeles"


def view(attestations=()):
    terms = provider(california, rates=[("full_time", "hour", "12.50")])
    auths = (
        authorization("A1", "C1", **NOV_AUTH, hours_per_week="40"),
        authorization("A2", "C2", **NOV_AUTH, hours_per_week="40"),
    )
    sofia = visits(weekdays(NOV), child_id="C1", tz=LA, start=time(7, 45), end=time(16, 15))
    leo = visits(weekdays(NOV)[:5], child_id="C2", tz=LA) + visit(
        date(2026, 11, 9), child_id="C2", tz=LA, end=None
    )
    facts = MonthFacts(
        NOV, terms, auths, tuple(sofia + leo), (absence(date(2026, 11, 10), "A2", child_id="C2"),)
    )
    return claim_view(
        facts, california, date(2026, 12, 2), submissions={}, attestations=attestations
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_is_a_pdf_with_the_provider_and_month(kind) -> None:  # BILL-9
    v = view()
    document = build_report(kind, v, claim_model(v), NOW)
    text = text_of(render("pdf", document, NOW))
    assert "Little Steps" in text and "2026-11" in text


def test_the_claim_pdf_has_a_table_per_child_with_days_times_and_totals() -> None:  # BILL-9
    v = view()
    claim = claim_model(v)
    text = text_of(render("pdf", build_report("claim", v, claim, NOW), NOW))
    assert "Sofia Garcia" in text
    assert "2026-11-02 07:45 16:15 8.50 8 BILL-7" in text  # date, in, out, hours, units, rule
    sofia = next(line for line in claim.lines if line.child_id == "C1")
    assert f"Total 178.50 {sofia.units:g} {sofia.amount:,.2f}" in text  # 21 days x 8.5 h
    assert "Provider signature" in text


def test_the_claim_csv_traces_every_unit_to_its_records_and_rule() -> None:  # BILL-9
    v = view()
    claim = claim_model(v)
    rows = list(
        csv.DictReader(
            io.StringIO(render("csv", build_report("claim", v, claim, NOW), NOW).decode())
        )
    )
    assert len(rows) == sum(len(line.items) for line in claim.lines)
    first = rows[0]
    assert first["rule"] == "BILL-7" and first["record_ids"].split() == [
        "C1-1102-0745-in",
        "C1-1102-0745-out",
    ]


def test_the_json_claim_is_the_claim_billing_staff_get() -> None:  # BILL-9
    v = view()
    claim = claim_model(v)
    data = json.loads(render("json", build_report("claim", v, claim, NOW), NOW))
    assert data["claim"] == claim.model_dump(mode="json")
    assert data["children"]["C1"] == "Sofia Garcia"


def test_attendance_per_student_lists_each_day_with_its_state() -> None:  # BILL-9, ATT-4
    v = view()
    data = json.loads(
        render("json", build_report("attendance_per_student", v, claim_model(v), NOW), NOW)
    )
    leo = next(c for c in data["children"] if c["child_id"] == "C2")
    states = {d["date"]: d["state"] for d in leo["days"]}
    assert states["2026-11-09"] == "incomplete pair"
    assert states["2026-11-10"] == "absent: sick"
    assert leo["days_present"] == 5 and leo["absences"] == 1


def test_the_monthly_record_shows_attestations_or_lines_to_sign() -> None:  # ATT-9
    signed = (
        Attestation("C1", "provider", "Ana Ruiz", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        Attestation("C1", "parent", "Maria Garcia", datetime(2026, 12, 1, 17, tzinfo=UTC)),
    )
    v = view(signed)
    text = text_of(render("pdf", build_report("monthly_record", v, claim_model(v), NOW), NOW))
    assert "Provider: attested electronically by Ana Ruiz" in text
    assert "Parent: attested electronically by Maria Garcia" in text
    assert "Parent signature: ___" in text  # Leo's record is not attested yet
    assert "under penalty of perjury" in text
    assert "2026-11-02 07:45 16:15 8.50" in text


def test_a_report_is_stored_under_a_name_holding_its_digest() -> None:  # BILL-9
    first = object_name("P1", NOV, "claim", "pdf", b"one")
    assert first.startswith("P1/2026-11/claim-") and first.endswith(".pdf")
    assert first != object_name("P1", NOV, "claim", "pdf", b"two")
