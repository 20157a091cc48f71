"""`ccats import FILE`: the eligibility system's nightly file, onto the bus.

The file is JSON Lines (one contract record a line, with `"record": "provider" |
"case" | "authorization"` beside its fields) or CSV (`.csv`, or `--format csv`): a
header row, a `record` column, one column per field, a dotted name for a nested
field (`child.birth_date`, `ages_served.min_months`), and a JSON cell for a list
(`["mon","tue"]`, `[{"first_name": ...}]`); an empty cell is an absent field.

Every line is validated; the good ones are published to `eligibility.<record>`
with stable event ids (loading a file twice changes nothing), and each refused line
is written to the report with its line number and every reason. The file is read
line by line and at most `window` records await their PubAck, so memory stays flat
whatever the file's size.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

import nats
from pydantic import ValidationError

from ccats.feed import ID_FIELD, LINE, EligibilityMessage, WindowedPublisher, eligibility_message
from shared.contract.eligibility import SOURCE_HEADER

Format = Literal["jsonl", "csv"]
"""Names the file and line a record came from, kept with each version received."""


@dataclass(frozen=True)
class Refusal:
    """A line that is not a valid record, and why (never the values: no echo of input)."""

    line: int
    record: str | None
    record_id: str | None
    errors: list[dict[str, str]]

    def to_json(self) -> str:
        reason = "; ".join(f"{e['field']}: {e['error']}" for e in self.errors)
        return json.dumps(
            {
                "line": self.line,
                "record": self.record,
                "id": self.record_id,
                "reason": reason,
                "errors": self.errors,
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class ImportResult:
    lines: int
    published: int
    already_stored: int
    refused: int
    report: Path
    seconds: float


# --- reading ---------------------------------------------------------------


def detect_format(path: Path, explicit: str | None = None) -> Format:
    if explicit in ("jsonl", "csv"):
        return explicit  # type: ignore[return-value]
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def default_report(path: Path) -> Path:
    """`nightly.jsonl` -> `nightly.refused.jsonl`, beside the file."""
    return path.with_name(f"{path.stem}.refused.jsonl")


def _refusal(number: int, raw: Any, exc: ValidationError) -> Refusal:
    kind = raw.get("record") if isinstance(raw, dict) else None
    kind = kind if kind in ID_FIELD else None
    record_id = raw.get(ID_FIELD[kind]) if kind and isinstance(raw, dict) else None
    errors = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = [str(p) for p in error["loc"]]
        if loc and loc[0] in ID_FIELD:
            loc = loc[1:]
        errors.append({"field": ".".join(loc) or "(line)", "error": error["msg"]})
    return Refusal(number, kind, record_id if isinstance(record_id, str) else None, errors)


def parse_json_line(number: int, text: bytes) -> EligibilityMessage | Refusal:
    """One JSON line as a message, or why not."""
    try:
        return eligibility_message(LINE.validate_json(text))
    except ValidationError as exc:
        try:
            raw = json.loads(text)
        except ValueError:
            raw = None
        return _refusal(number, raw, exc)


def nest(row: dict[str | None, Any]) -> dict[str, Any]:
    """A CSV row as a record: dotted columns nested, JSON cells parsed, empty cells absent.

    Raises ValueError naming the column of a cell that is not valid JSON.
    """
    record: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None:
            raise ValueError("(line): more cells than columns")
        value = cell.strip() if isinstance(cell, str) else ""
        if not value:
            continue
        if value[0] in "[{":
            try:
                parsed: Any = json.loads(value)
            except ValueError:
                raise ValueError(f"{column}: not valid JSON") from None
        else:
            parsed = value
        target = record
        *parents, leaf = column.strip().split(".")
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ValueError(f"{column}: {part} is both a value and an object")
        target[leaf] = parsed
    return record


def parse_csv_row(number: int, row: dict[str | None, Any]) -> EligibilityMessage | Refusal:
    try:
        raw = nest(row)
    except ValueError as exc:
        field, _, error = str(exc).partition(": ")
        return Refusal(number, None, None, [{"field": field, "error": error}])
    try:
        return eligibility_message(LINE.validate_python(raw))
    except ValidationError as exc:
        return _refusal(number, raw, exc)


def read_records(raw: BinaryIO, fmt: Format) -> Iterator[tuple[int, EligibilityMessage | Refusal]]:
    """Each non-empty line or row with its line number, parsed, one at a time."""
    if fmt == "jsonl":
        for number, text in enumerate(raw, start=1):
            if text.strip():
                yield number, parse_json_line(number, text)
        return
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        for row in reader:
            if any(isinstance(v, str) and v.strip() for v in row.values()):
                yield reader.line_num, parse_csv_row(reader.line_num, row)
    finally:
        text.detach()  # the caller's file stays open


# --- progress --------------------------------------------------------------


class Progress:
    """A line on the terminal at most every `every` seconds, and one at the end."""

    def __init__(self, out: TextIO | None, name: str, size: int, every: float = 1.0) -> None:
        self._out = out
        self._name = name
        self._size = max(size, 1)
        self._every = every
        self._started = time.monotonic()
        self._last = self._started
        self._tty = bool(out and out.isatty())

    def due(self) -> bool:
        """Whether a line is due (checked for every record, so it costs next to nothing)."""
        return self._out is not None and time.monotonic() - self._last >= self._every

    def show(
        self, position: int, lines: int, published: int, refused: int, *, final: bool = False
    ) -> None:
        if self._out is None:
            return
        now = time.monotonic()
        self._last = now
        rate = lines / max(now - self._started, 1e-9)
        text = (
            f"{self._name}: {min(position / self._size, 1.0):4.0%} · {lines:,} lines · "
            f"{published:,} published · {refused:,} refused · {rate:,.0f} lines/s"
        )
        end = "\n" if final or not self._tty else ""
        self._out.write(("\r" if self._tty else "") + text + end)
        self._out.flush()


# --- the import ------------------------------------------------------------


async def import_file(
    nats_url: str,
    path: Path,
    *,
    report: Path | None = None,
    fmt: str | None = None,
    window: int = 256,
    progress: TextIO | None = None,
) -> ImportResult:
    """Validate every line of `path`, publish the good ones, report the refused."""
    started = time.monotonic()
    report = report or default_report(path)
    form = detect_format(path, fmt)
    nc = await nats.connect(nats_url, connect_timeout=5)
    lines = refused = 0
    try:
        publisher = WindowedPublisher(nc.jetstream(), window)
        with path.open("rb") as raw, report.open("w", encoding="utf-8") as refusals:
            meter = Progress(progress, path.name, path.stat().st_size)
            for number, parsed in read_records(raw, form):
                lines += 1
                if isinstance(parsed, Refusal):
                    refused += 1
                    refusals.write(parsed.to_json() + "\n")
                else:
                    source = f"ccats import {path.name}:{number}"
                    await publisher.publish(parsed, {SOURCE_HEADER: source})
                if meter.due():
                    meter.show(raw.tell(), lines, publisher.published, refused)
            await publisher.drain()
            meter.show(raw.tell(), lines, publisher.published, refused, final=True)
    finally:
        await nc.close()
    return ImportResult(
        lines=lines,
        published=publisher.published,
        already_stored=publisher.already_stored,
        refused=refused,
        report=report,
        seconds=time.monotonic() - started,
    )
