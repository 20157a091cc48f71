"""`ccats attendance ...`: the operators' twins of the `ops.attendance.*` jobs.

ccats attendance close-day --date 2026-11-09 [--provider CO-1]
ccats attendance expire-pending [--as-of 2026-11-20T00:00:00-07:00]
ccats attendance remind-pending [--as-of ...]
ccats attendance lost-card --person P-1 --date 2026-11-02
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from shared.settings import Settings

NAME = "attendance"
HELP = "run an ops.attendance job now: close-day, expire-pending, remind-pending, lost-card"


def configure(parser: argparse.ArgumentParser) -> None:
    jobs = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    close = jobs.add_parser("close-day", help="automatic check-outs, Z-days, day errors")
    close.add_argument("--date", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    close.add_argument("--provider", default=None, help="one provider (default: all)")
    for name, text in (
        ("expire-pending", "expire pending records past their deadline"),
        ("remind-pending", "remind parents two days before a deadline"),
    ):
        job = jobs.add_parser(name, help=text)
        job.add_argument(
            "--as-of",
            type=datetime.fromisoformat,
            default=None,
            help="RFC 3339 time with offset (default: now)",
        )
    lost = jobs.add_parser("lost-card", help="an adult's attendance card was reported lost")
    lost.add_argument("--person", required=True)
    lost.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--operator", default=None, help="operator id for the audit trail")


def request_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The subject and body of the job named on the command line."""
    body: dict[str, Any] = {"operator_id": args.operator} if args.operator else {}
    if args.job == "close-day":
        body["date"] = args.date.isoformat()
        if args.provider:
            body["provider_id"] = args.provider
        return "ops.attendance.close_day", body
    if args.job == "lost-card":
        body.update(event_id=str(uuid4()), person_id=args.person, date=args.date.isoformat())
        return "ops.attendance.lost_card", body
    as_of = args.as_of or datetime.now(UTC)
    if as_of.tzinfo is None:
        raise SystemExit("--as-of needs an offset, e.g. 2026-11-20T00:00:00-07:00")
    body["as_of"] = as_of.isoformat()
    return f"ops.attendance.{args.job.replace('-', '_')}", body


async def ask(nats_url: str, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    import nats

    nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
    try:
        reply = await nc.request(subject, json.dumps(body).encode(), timeout=120)
        return json.loads(reply.data)
    finally:
        await nc.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system

    subject, body = request_of(args)
    reply = asyncio.run(ask(running_system(settings).nats_url, subject, body))
    print(json.dumps(reply, indent=2))
    return 0 if reply.get("ok") else 1
