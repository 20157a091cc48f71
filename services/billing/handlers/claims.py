"""The claim and the reports billing staff ask for (BILL-9, ATT-9)."""

from __future__ import annotations

import json
from typing import Any

from shared.contract.errors import ErrorCode
from shared.contract.replies import RequestRefused
from shared.contract.requests import ClaimGetRequest, ReportReply, ReportRequest
from shared.service import ServiceRuntime

from ..claiming import known_provider, month_claim
from ..reporting import produce_report

MAX_REPLY_BYTES = 900 * 1024
"""NATS carries 1 MB per message by default: a larger claim is fetched as a report."""


def claim_reply(claim: dict[str, Any]) -> dict[str, Any]:
    """`ClaimReply` as JSON-ready data (see `wire`: built once, not validated again)."""
    return {"ok": True, "claim": claim}


def register(rt: ServiceRuntime) -> None:
    @rt.serve(ClaimGetRequest.subject, ClaimGetRequest)
    async def get_claim(request: ClaimGetRequest, _subject: str) -> dict[str, Any]:
        """A provider's claim for a month: every unit traced to its records and rule."""
        async with rt.engine.connect() as conn:
            provider = await known_provider(conn, request.provider_id)
            claim = await month_claim(conn, provider, request.month, rt.clock.now())
        reply = claim_reply(claim.data)
        if len(json.dumps(reply)) > MAX_REPLY_BYTES:
            raise RequestRefused(
                ErrorCode.reply_too_large,
                "This claim is too large for one message; ask billing.report for kind claim.",
            )
        return reply

    @rt.serve(ReportRequest.subject, ReportRequest)
    async def report(request: ReportRequest, _subject: str) -> ReportReply:
        """A report stored in the object store and announced with `ClaimReady`."""
        stored = await produce_report(
            rt, request.provider_id, request.month, request.kind, request.format
        )
        return ReportReply(bucket=stored.bucket, object=stored.object, data=stored.data)
