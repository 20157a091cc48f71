"""A report independent of its format: the data for JSON, the rows for CSV, and
the sections a person reads and signs for PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None = None
    widths: tuple[int, ...] | None = None
    """Relative column widths for the page."""


@dataclass(frozen=True)
class Signature:
    """A line to sign, or the electronic attestation that signed it (ATT-9)."""

    role: str
    signed_by: str | None = None
    signed_at: str | None = None


@dataclass(frozen=True)
class Section:
    """One child (or the list of supplemental bills): facts, a table, lines to sign."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    table: Table | None = None
    statement: str = ""
    signatures: tuple[Signature, ...] = ()


@dataclass(frozen=True)
class ReportDocument:
    kind: str
    title: str
    heading: tuple[tuple[str, str], ...]
    """Provider, program, month, status, when it was generated."""
    sections: tuple[Section, ...]
    data: dict[str, Any]
    csv_columns: tuple[str, ...]
    csv_rows: tuple[tuple[str, ...], ...]
    summary: tuple[tuple[str, str], ...] = ()
    closing: tuple[Section, ...] = field(default_factory=tuple)
    """Sections after the children: the provider's certification, the totals."""
