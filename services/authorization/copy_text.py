"""Rows in PostgreSQL's `COPY ... FROM STDIN` text format, built here in one pass.

psycopg's `write_row` adapts each cell through its type registry, which costs more
than the rest of storing a nightly file's record; the few column types of this
schema are written directly instead (the format: one line per row, cells separated
by tabs, `\\N` for NULL, backslash, tab, newline and carriage return escaped).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Column
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Integer, LargeBinary

from .json_text import Json

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Cell = Callable[[Any], str]


def escaped(text: str) -> str:
    """`text` as a COPY cell; most cells need no escape, and are not copied."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _json(value: Any) -> str:
    """A JSON column: a `Json` as it is (encoded once), any other value encoded."""
    return escaped(value if isinstance(value, Json) else Json.of(value))


def _bytes(value: bytes) -> str:
    """`bytea` in hex, its backslash escaped for COPY."""
    return "\\\\x" + value.hex()


def _moment(value: date) -> str:
    return value.isoformat()


def _boolean(value: bool) -> str:
    return "t" if value else "f"


def _integer(value: int) -> str:
    return str(int(value))


def _text(value: Any) -> str:
    return escaped(str(value))


def cell_writer(column: Column) -> Cell:
    """How a column's values are written, by the column's type."""
    kind = column.type
    if isinstance(kind, JSON):
        return _json
    if isinstance(kind, LargeBinary):
        return _bytes
    if isinstance(kind, Date | DateTime):
        return _moment
    if isinstance(kind, Boolean):
        return _boolean
    if isinstance(kind, Integer):
        return _integer
    return _text


def copy_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, Column]]) -> bytes:
    """`rows` (their `columns`, in order) as COPY text, UTF-8."""
    writers = [(name, cell_writer(column)) for name, column in columns]
    lines = [
        "\t".join([NULL if (cell := row[name]) is None else write(cell) for name, write in writers])
        for row in rows
    ]
    lines.append("")
    return "\n".join(lines).encode()
