"""`ccats report KIND --provider P --month M --format F -o FILE`: asks `billing.report`
(BILL-9) and writes the stored report, byte for byte, from the NATS object store."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from shared.settings import Settings

NAME = "report"
HELP = "a billing report (claim, attendance_per_student, monthly_record, supplemental)"
KINDS = ("claim", "attendance_per_student", "monthly_record", "supplemental")
FORMATS = ("json", "csv", "pdf")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--provider", required=True)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")


async def fetch_report(
    nats_url: str, body: dict[str, Any], timeout: float
) -> tuple[dict[str, Any], bytes | None]:
    """The reply of `billing.report`, and the stored report when it is ok."""
    import nats
    from nats.errors import NoRespondersError, TimeoutError

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        try:
            message = await nc.request("billing.report", json.dumps(body).encode(), timeout)
        except (NoRespondersError, TimeoutError):
            return {
                "ok": False,
                "error": {"code": "service_unavailable", "message": "no answer on billing.report"},
            }, None
        reply = json.loads(message.data)
        if not reply.get("ok"):
            return reply, None
        store = await nc.jetstream().object_store(reply["bucket"])
        stored = await store.get(reply["object"])
        return reply, stored.data
    finally:
        await nc.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system

    body = {
        "provider_id": args.provider,
        "month": args.month,
        "kind": args.kind,
        "format": args.format,
    }
    reply, content = asyncio.run(
        fetch_report(running_system(settings).nats_url, body, args.timeout)
    )
    if content is None:
        print(json.dumps(reply, indent=2), file=sys.stderr)
        return 1
    args.output.write_bytes(content)
    print(f"{args.output}: {len(content)} bytes ({reply['bucket']}/{reply['object']})")
    return 0
