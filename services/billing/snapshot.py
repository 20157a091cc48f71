"""Claim lines and supplemental entries as stored JSON: decimals as strings, so a
submitted claim reads back exactly as it was (BILL-2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .domain.claims.lines import ClaimItem, ClaimLine, LineAttendance, Supplemental


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def line_to_json(line: ClaimLine) -> dict[str, Any]:
    return {
        "child_id": line.child_id,
        "authorization_id": line.authorization_id,
        "unit": line.unit,
        "rate": _dec(line.rate),
        "ceiling": _dec(line.ceiling),
        "invoice": _dec(line.invoice),
        "amount": _dec(line.amount),
        "attendance": {
            "days_present": line.attendance.days_present,
            "hours_present": str(line.attendance.hours_present),
            "absences": line.attendance.absences,
            "pending_days": line.attendance.pending_days,
            "expired_days": line.attendance.expired_days,
        },
        "items": [
            {
                "day": item.day.isoformat(),
                "units": str(item.units),
                "rule": item.rule,
                "record_ids": list(item.record_ids),
                "basis": item.basis,
            }
            for item in line.items
        ],
    }


def line_from_json(data: dict[str, Any]) -> ClaimLine:
    seen = data["attendance"]
    return ClaimLine(
        child_id=data["child_id"],
        authorization_id=data["authorization_id"],
        unit=data["unit"],
        items=tuple(
            ClaimItem(
                date.fromisoformat(item["day"]),
                Decimal(item["units"]),
                item["rule"],
                tuple(item["record_ids"]),
                item["basis"],
            )
            for item in data["items"]
        ),
        attendance=LineAttendance(
            days_present=seen["days_present"],
            hours_present=Decimal(seen["hours_present"]),
            absences=seen["absences"],
            pending_days=seen["pending_days"],
            expired_days=seen["expired_days"],
        ),
        rate=_undec(data["rate"]),
        ceiling=_undec(data["ceiling"]),
        invoice=_undec(data["invoice"]),
        amount=_undec(data["amount"]),
    )


def supplemental_to_json(entry: Supplemental) -> dict[str, Any]:
    return {
        "child_id": entry.child_id,
        "authorization_id": entry.authorization_id,
        "code": str(entry.code),
        "days": [d.isoformat() for d in entry.days],
        "reason": entry.reason,
    }


def supplemental_from_json(data: dict[str, Any]) -> Supplemental:
    return Supplemental(
        data["child_id"],
        data["authorization_id"],
        data["code"],
        tuple(date.fromisoformat(d) for d in data["days"]),
        data["reason"],
    )
