"""Contract records for tests, with sensible defaults and easy overrides."""

from __future__ import annotations

import json
from typing import Any


def authorization_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "authorization_id": "AUTH-1",
        "version": 1,
        "case_id": "CASE-1",
        "child": {
            "child_id": "CH-1",
            "first_name": "Sofia",
            "last_name": "Garcia",
            "birth_date": "2022-05-05",
        },
        "provider_id": "CO-1",
        "start_date": "2026-11-01",
        "end_date": "2027-04-30",
        "status": "active",
        "schedule": {"kind": "fixed", "days": ["mon", "tue", "wed", "thu", "fri"],
                     "hours_per_week": 40, "max_days_per_month": 23},
        "care_level": "full_time",
        "protective_services": False,
        "absence_exceptions": [],
    }
    record.update(overrides)
    return record


def as_json(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()
