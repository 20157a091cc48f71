"""Reports in the NATS object store (BILL-9): rendered, stored under a name that
holds their content's digest (a new version never overwrites an old one), logged,
and announced with `ClaimReady`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.contract.events import ClaimReady
from shared.service import ServiceRuntime

from . import ledger
from .claiming import known_provider, month_claim
from .reports.build import build_report
from .reports.document import ReportDocument
from .reports.pdf import render_pdf
from .reports.text import render_csv, render_json

BUCKET = "ccats-reports"
"""The object store bucket of reports (deploy/nats: billing writes, billing staff read)."""

MAX_INLINE_BYTES = 512 * 1024
"""A JSON report larger than this is not repeated in the reply (NATS messages are
1 MB by default); it is always in the object store."""


@dataclass(frozen=True)
class StoredReport:
    bucket: str
    object: str
    content: bytes
    data: dict[str, Any] | None


def render(fmt: str, document: ReportDocument, now: datetime) -> bytes:
    if fmt == "json":
        return render_json(document)
    if fmt == "csv":
        return render_csv(document)
    if fmt == "pdf":
        return render_pdf(document, now)
    raise ValueError(f"unknown report format {fmt!r}")


def object_name(provider_id: str, month: str, kind: str, fmt: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:16]
    return f"{provider_id}/{month}/{kind}-{digest}.{fmt}"


async def produce_report(
    rt: ServiceRuntime, provider_id: str, month: str, kind: str, fmt: str
) -> StoredReport:
    now = rt.clock.now()
    async with rt.engine.connect() as conn:
        provider = await known_provider(conn, provider_id)
        claim = await month_claim(conn, provider, month, now)
    document = build_report(kind, claim.view, claim.claim, now)
    content = render(fmt, document, now)
    name = object_name(provider_id, month, kind, fmt, content)
    store = await rt.broker.object_storage(BUCKET)
    await store.put(name, content)
    async with rt.transaction() as tx:
        await ledger.log_report(
            tx.conn,
            object=name,
            bucket=BUCKET,
            provider_id=provider_id,
            month=month,
            kind=kind,
            format=fmt,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        await tx.emit(
            ClaimReady(
                occurred_at=now, provider_id=provider_id, month=month, bucket=BUCKET, object=name
            )
        )
    inline = document.data if fmt == "json" and len(content) <= MAX_INLINE_BYTES else None
    return StoredReport(BUCKET, name, content, inline)
