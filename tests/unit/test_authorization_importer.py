"""`ccats import`: reading a nightly file (JSON Lines or CSV), refusing bad lines
with their line numbers and reasons, and stable event ids (AUTH-1)."""

from __future__ import annotations

import io
import itertools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runnable with --noconftest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccats.feed import LINE as ELIGIBILITY_LINE
from ccats.feed import eligibility_message
from ccats.importer import (
    Progress,
    Refusal,
    default_report,
    detect_format,
    nest,
    parse_csv_row,
    parse_json_line,
    read_records,
)
from tests.factories import authorization_record

AUTH = {"record": "authorization", **authorization_record()}
CASE = {
    "record": "case",
    "case_id": "CASE-1",
    "version": 2,
    "adults": [{"person_id": "PER-1", "first_name": "Ana", "last_name": "Garcia"}],
}


def line(record: dict[str, Any], **dumps: Any) -> bytes:
    return (json.dumps(record, **dumps) + "\n").encode()


# --- stable event ids -------------------------------------------------------


def test_the_same_record_gets_the_same_event_id_on_every_run() -> None:  # AUTH-1
    first, again = parse_json_line(1, line(AUTH)), parse_json_line(7, line(AUTH))
    assert first.event_id == again.event_id
    assert json.loads(first.body)["event_id"] == first.event_id
    assert first.subject == "eligibility.authorization"


def test_a_reformatted_line_keeps_its_event_id() -> None:  # AUTH-1: loading twice changes nothing
    reordered = dict(reversed(list(AUTH.items())))
    assert (
        parse_json_line(1, line(reordered, indent=None, separators=(", ", " : "))).event_id
        == parse_json_line(1, line(AUTH)).event_id
    )


def test_a_changed_record_or_version_gets_another_event_id() -> None:
    base = parse_json_line(1, line(AUTH)).event_id
    assert parse_json_line(1, line(AUTH | {"version": 2})).event_id != base
    # the same version with other content is still received, and kept as a duplicate
    assert parse_json_line(1, line(AUTH | {"end_date": "2027-01-31"})).event_id != base


def test_the_states_own_event_id_is_kept() -> None:
    own = "8f1f2bd6-6b5e-4a3e-9b8e-1d7c6f0e2a11"
    assert parse_json_line(1, line(AUTH | {"event_id": own})).event_id == own


@given(st.integers(1, 10**6), st.text(min_size=1, max_size=30).filter(str.strip))
def test_the_published_body_is_the_record_as_validated(version: int, record_id: str) -> None:
    parsed = ELIGIBILITY_LINE.validate_python(
        CASE | {"version": version, "case_id": record_id, "extra": "ignored"}
    )
    message = eligibility_message(parsed)
    body = json.loads(message.body)
    assert body["case_id"] == record_id and body["version"] == version
    assert "record" not in body and "extra" not in body
    assert body["event_id"] == message.event_id


# --- refusals ---------------------------------------------------------------


def test_a_refused_line_names_every_field_in_error() -> None:  # bad input: every reason
    bad = AUTH | {"end_date": "2026-01-01", "child": {"child_id": "CH-1"}, "care_level": "x"}
    refusal = parse_json_line(12, line(bad))
    assert isinstance(refusal, Refusal)
    assert refusal.line == 12
    assert (refusal.record, refusal.record_id) == ("authorization", "AUTH-1")
    fields = {e["field"] for e in refusal.errors}
    assert {"child.first_name", "child.last_name", "child.birth_date", "care_level"} <= fields
    report = json.loads(refusal.to_json())
    assert report["line"] == 12 and "care_level" in report["reason"]


def test_the_order_of_the_period_is_checked() -> None:
    refusal = parse_json_line(3, line(AUTH | {"end_date": "2026-01-01"}))
    assert isinstance(refusal, Refusal)
    assert "end_date is before start_date" in refusal.to_json()


def test_a_line_that_is_not_json_or_of_no_kind_is_refused() -> None:
    not_json = parse_json_line(4, b"{not json\n")
    assert isinstance(not_json, Refusal) and not_json.record is None
    no_kind = parse_json_line(5, line({"case_id": "C", "version": 1}))
    assert isinstance(no_kind, Refusal) and no_kind.errors


def test_a_refusal_never_echoes_the_values() -> None:
    refusal = parse_json_line(1, line(CASE | {"adults": [{"person_id": "P", "email": "SECRET"}]}))
    assert isinstance(refusal, Refusal)
    assert "SECRET" not in refusal.to_json()


# --- reading a file ---------------------------------------------------------


def test_json_lines_keep_their_numbers_and_skip_blank_lines() -> None:
    data = line(CASE) + b"\n   \n" + b"oops\n" + line(AUTH)
    numbers = [(n, isinstance(p, Refusal)) for n, p in read_records(io.BytesIO(data), "jsonl")]
    assert numbers == [(1, False), (4, True), (5, False)]


def test_a_file_is_read_as_it_is_parsed_never_all_at_once() -> None:
    # a nightly file of any size streams: an endless one still yields its first records
    endless = itertools.cycle([line(CASE), line(AUTH)])
    first = list(itertools.islice(read_records(endless, "jsonl"), 3))  # type: ignore[arg-type]
    assert [(n, p.kind) for n, p in first] == [(1, "case"), (2, "authorization"), (3, "case")]


CSV = (
    "record,case_id,version,adults,authorization_id,child.child_id,child.first_name,"
    "child.last_name,child.birth_date,provider_id,start_date,end_date,status,"
    "schedule.kind,schedule.days,schedule.hours_per_week,care_level,protective_services\n"
    'case,CASE-1,1,"[{""person_id"": ""PER-1"", ""first_name"": ""Ana"", '
    '""last_name"": ""Garcia""}]",,,,,,,,,,,,,,\n'
    "authorization,CASE-1,1,,AUTH-1,CH-1,Leo,Garcia,2022-05-05,CO-1,2026-11-01,2027-04-30,"
    'active,fixed,"[""mon"", ""tue""]",20,part_time,false\n'
    "authorization,CASE-1,1,,AUTH-2,CH-1,Leo,Garcia,not-a-date,CO-1,2026-11-01,2027-04-30,"
    "active,fixed,,,part_time,false\n"
)


def test_a_csv_file_is_read_row_by_row() -> None:  # the nightly file may be CSV
    rows = list(read_records(io.BytesIO(CSV.encode()), "csv"))
    assert [n for n, _ in rows] == [2, 3, 4]
    case, authorization, refused = (p for _, p in rows)
    assert json.loads(case.body)["adults"][0]["person_id"] == "PER-1"
    body = json.loads(authorization.body)
    assert body["schedule"] == {
        "kind": "fixed",
        "days": ["mon", "tue"],
        "hours_per_week": 20.0,
        "max_days_per_month": None,
        "max_hours_per_month": None,
    }
    assert body["protective_services"] is False and body["version"] == 1
    assert isinstance(refused, Refusal) and refused.line == 4
    assert [e["field"] for e in refused.errors] == ["child.birth_date"]


def test_csv_cells_nest_by_dotted_column_and_parse_json_lists() -> None:
    assert nest({"a.b": "1", "a.c": " x ", "d": "", "e": '["x"]'}) == {
        "a": {"b": "1", "c": "x"},
        "e": ["x"],
    }
    with pytest.raises(ValueError, match="e: not valid JSON"):
        nest({"e": "[oops"})
    with pytest.raises(ValueError, match="more cells than columns"):
        nest({"a": "1", None: ["2"]})


def test_a_bad_csv_cell_is_a_refusal_with_its_column() -> None:
    refusal = parse_csv_row(9, {"record": "case", "adults": "[broken"})
    assert isinstance(refusal, Refusal)
    assert refusal.errors == [{"field": "adults", "error": "not valid JSON"}]


def test_the_format_and_the_report_follow_the_file_name(tmp_path: Path) -> None:
    assert detect_format(tmp_path / "nightly.csv") == "csv"
    assert detect_format(tmp_path / "nightly.jsonl") == "jsonl"
    assert detect_format(tmp_path / "nightly.txt", "csv") == "csv"
    assert default_report(tmp_path / "nightly.jsonl") == tmp_path / "nightly.refused.jsonl"


def test_progress_is_shown_at_most_every_interval_and_at_the_end() -> None:
    out = io.StringIO()
    meter = Progress(out, "nightly.jsonl", size=1000, every=3600)
    assert not meter.due()  # within the interval: nothing to show
    meter.show(1000, 100_000, 99_900, 100, final=True)
    text = out.getvalue()
    assert text.count("\n") == 1
    assert "100%" in text and "100,000 lines" in text and "100 refused" in text
    assert not Progress(None, "quiet.jsonl", size=1, every=0).due()
