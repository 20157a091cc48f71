"""A report as a PDF a person reads and signs: a heading, a table per child with
the days as rows and a totals row, and the lines to sign (ATT-9, BILL-9).

A Unicode font is used when the system has DejaVu Sans (names with any accent);
otherwise the PDF core font, with characters it cannot show replaced.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from .document import ReportDocument, Section, Signature, Table

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
FONT = "ccats"
GREY = (235, 235, 235)


class _Page(FPDF):
    def __init__(self, document: ReportDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.document = document
        self.unicode = _add_font(self)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self._font(7)
        heading = dict(self.document.heading)
        self.cell(
            0,
            5,
            self.text_of(
                f"{self.document.title} - {heading.get('Provider', '')} - "
                f"{heading.get('Month', '')} - page {self.page_no()}/{{nb}}"
            ),
            align="C",
        )

    def _font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.font_name, "B" if bold else "", size)

    @property
    def font_name(self) -> str:
        return FONT if self.unicode else "helvetica"


def _add_font(pdf: FPDF) -> bool:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font(FONT, "", str(regular))
            pdf.add_font(FONT, "B", str(bold))
            return True
    return False


def render_pdf(document: ReportDocument, created_at: datetime) -> bytes:
    pdf = _Page(document)
    pdf.set_title(document.title)
    pdf.set_creator("ccats billing")
    pdf.set_creation_date(created_at)
    pdf.add_page()
    _heading(pdf, document)
    for section in document.sections:
        _section(pdf, section)
    for section in document.closing:
        _section(pdf, section)
    return bytes(pdf.output())


def _heading(pdf: _Page, document: ReportDocument) -> None:
    pdf._font(15, bold=True)
    pdf.cell(0, 8, pdf.text_of(document.title), new_x="LMARGIN", new_y="NEXT")
    pdf._font(9)
    for label, value in document.heading:
        pdf.cell(32, 5, pdf.text_of(label))
        pdf.cell(0, 5, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _section(pdf: _Page, section: Section) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf._font(12, bold=True)
    pdf.set_fill_color(*GREY)
    pdf.cell(0, 7, pdf.text_of(section.title), fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf._font(8)
    for label, value in section.facts:
        pdf.cell(45, 4.5, pdf.text_of(label))
        pdf.multi_cell(0, 4.5, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    if section.table is not None:
        _table(pdf, section.table)
    if section.statement:
        pdf._font(8)
        pdf.multi_cell(0, 4.5, pdf.text_of(section.statement), new_x="LMARGIN", new_y="NEXT")
    if section.signatures:
        _signatures(pdf, section.signatures)
    pdf.ln(4)


def _table(pdf: _Page, table: Table) -> None:
    pdf._font(8)
    bold = FontFace(emphasis="BOLD", fill_color=GREY)
    rows = [table.columns, *table.rows]
    with pdf.table(
        col_widths=table.widths or None,
        headings_style=bold,
        line_height=4.5,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as grid:
        for values in rows:
            row = grid.row()
            for value in values:
                row.cell(pdf.text_of(value))
        if table.totals is not None:
            row = grid.row(style=bold)
            for value in table.totals:
                row.cell(pdf.text_of(value))
    pdf.ln(2)


def _signatures(pdf: _Page, signatures: tuple[Signature, ...]) -> None:
    pdf.ln(2)
    pdf._font(9)
    for signature in signatures:
        if pdf.will_page_break(12):
            pdf.add_page()
        if signature.signed_by:
            text = (
                f"{signature.role}: attested electronically by {signature.signed_by} "
                f"on {signature.signed_at}"
            )
            pdf.cell(0, 6, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(
                0,
                9,
                pdf.text_of(
                    f"{signature.role} signature: ______________________________   "
                    "Date: ______________"
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
