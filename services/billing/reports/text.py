"""A report as JSON or CSV bytes (UTF-8)."""

from __future__ import annotations

import csv
import io
import json

from .document import ReportDocument


def render_json(document: ReportDocument) -> bytes:
    return (json.dumps(document.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def render_csv(document: ReportDocument) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(document.csv_columns)
    writer.writerows(document.csv_rows)
    return out.getvalue().encode()
