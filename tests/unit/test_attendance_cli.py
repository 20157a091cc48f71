"""`ccats attendance ...` sends the `ops.attendance.*` requests operators need
(ATT-2, ATT-3, ATT-7): the command line is a twin of each job."""

from __future__ import annotations

import pytest

from ccats.cli import build_parser
from ccats.commands.attendance import request_of


def parsed(*argv: str):  # type: ignore[no-untyped-def]
    parser, _ = build_parser()
    return parser.parse_args(["attendance", *argv])


def test_close_day_names_the_date_and_maybe_a_provider() -> None:  # ATT-3, ATT-7
    assert request_of(parsed("close-day", "--date", "2026-11-09")) == (
        "ops.attendance.close_day",
        {"date": "2026-11-09"},
    )
    _, body = request_of(parsed("close-day", "--date", "2026-11-09", "--provider", "CO-1"))
    assert body["provider_id"] == "CO-1"


def test_expiry_and_reminders_run_as_of_a_moment_with_its_offset() -> None:  # ATT-2
    subject, body = request_of(parsed("expire-pending", "--as-of", "2026-11-20T00:00:00-07:00"))
    assert subject == "ops.attendance.expire_pending"
    assert body["as_of"] == "2026-11-20T00:00:00-07:00"
    assert request_of(parsed("remind-pending"))[0] == "ops.attendance.remind_pending"
    with pytest.raises(SystemExit):
        request_of(parsed("remind-pending", "--as-of", "2026-11-20T00:00:00"))


def test_a_lost_card_is_reported_for_a_person_and_a_day() -> None:  # ATT-7, ID-9
    subject, body = request_of(parsed("lost-card", "--person", "P-1", "--date", "2026-11-02"))
    assert subject == "ops.attendance.lost_card"
    assert body["person_id"] == "P-1" and body["date"] == "2026-11-02" and body["event_id"]
