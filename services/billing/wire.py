"""The claim view as the contract's `Claim` (contract: `billing.claim.get`).

The claim is written as plain data and validated once, as a whole: a large
provider's month holds many thousands of items.
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
    return Claim.model_validate(
        {
            "provider_id": view.provider.provider_id,
            "month": view.month,
            "program": view.provider.program,
            "status": view.status,
            "lines": [line_data(v) for v in view.lines],
            "supplemental": [supplemental_data(s) for s in view.supplemental],
            "total_amount": _float(view.total_amount),
            "payable_amount": float(view.payable_amount),
            "submit_by": submit_by,
        }
    )


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
                "date": item.day,
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
        "days": list(entry.days),
        "reason": entry.reason or None,
    }
