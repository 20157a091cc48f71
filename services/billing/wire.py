"""The claim view as the contract's `Claim` (contract: `billing.claim.get`).

The claim is written once as JSON-ready plain data. `billing.claim.get` sends that
data as it is: it is built here from billing's own values, and validating a large
provider's month (many thousands of items) again on every request took a sixth of
the time (benchmarks/billing_results.md). Reports, which read it as a model, get
it validated (`claim_model`); the tests check every reply against `ClaimReply`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.contract.requests import Claim

from .domain.claims import lines as domain
from .domain.view import ClaimView, ViewLine


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def claim_model(view: ClaimView, submit_by: date | None = None) -> Claim:
    return Claim.model_validate(claim_data(view, submit_by))


def claim_data(view: ClaimView, submit_by: date | None = None) -> dict[str, Any]:
    """The claim as the JSON `billing.claim.get` answers with."""
    return {
        "provider_id": view.provider.provider_id,
        "month": view.month,
        "program": view.provider.program,
        "status": view.status,
        "lines": [line_data(v) for v in view.lines],
        "supplemental": [supplemental_data(s) for s in view.supplemental],
        "total_amount": _float(view.total_amount),
        "payable_amount": float(view.payable_amount),
        "submit_by": None if submit_by is None else submit_by.isoformat(),
    }


def line_data(view_line: ViewLine) -> dict[str, Any]:
    line = view_line.line
    seen = line.attendance
    return {
        "child_id": line.child_id,
        "authorization_id": line.authorization_id,
        "unit": line.unit,
        "units": float(line.units),
        "amount": _float(line.amount),
        "items": [
            {
                "date": item.day.isoformat(),
                "units": float(item.units),
                "rule": item.rule,
                "record_ids": list(item.record_ids),
                "basis": item.basis or None,
            }
            for item in line.items
        ],
        "status": view_line.status,
        "rate": _float(line.rate),
        "ceiling": _float(line.ceiling),
        "invoice": _float(line.invoice),
        "attendance": {
            "days_present": seen.days_present,
            "hours_present": float(seen.hours_present),
            "absences": seen.absences,
            "pending_days": seen.pending_days,
            "expired_days": seen.expired_days,
        },
    }


def supplemental_data(entry: domain.Supplemental) -> dict[str, Any]:
    return {
        "child_id": entry.child_id,
        "authorization_id": entry.authorization_id,
        "code": str(entry.code),
        "days": [d.isoformat() for d in entry.days],
        "reason": entry.reason or None,
    }
