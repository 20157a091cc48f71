"""`ccats billing ...`: the billing operator's jobs (month close, deadline reminders,
the yearly rate verification draw) and a provider's claim, as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from shared.settings import Settings

NAME = "billing"
HELP = "billing jobs: close-month, remind-deadlines, rate-draw, rate-draws, claim"


def configure(parser: argparse.ArgumentParser) -> None:
    jobs = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    close = jobs.add_parser("close-month", help="ops.billing.close_month: MonthClosed (BILL-1)")
    close.add_argument("--month", required=True, help="YYYY-MM")
    close.add_argument("--provider", default=None, help="one provider only")
    remind = jobs.add_parser("remind-deadlines", help="ops.billing.remind_deadlines (BILL-1)")
    remind.add_argument("--as-of", default=None, help="RFC 3339 time (default: now)")
    draw = jobs.add_parser("rate-draw", help="ops.billing.rate_draw: the year's draw (BILL-10)")
    draw.add_argument("--year", type=int, required=True)
    draw.add_argument("--seed", required=True)
    draws = jobs.add_parser("rate-draws", help="ops.billing.rate_draws: draws recorded")
    draws.add_argument("--year", type=int, default=None)
    claim = jobs.add_parser("claim", help="billing.claim.get: a provider's claim (BILL-9)")
    claim.add_argument("--provider", required=True)
    claim.add_argument("--month", required=True, help="YYYY-MM")
    for sub in (close, remind, draw, draws, claim):
        sub.add_argument("--operator-id", default=None, help="recorded for the audit trail")
        sub.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")


def request_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The subject and body of the job asked for."""
    operator = {"operator_id": args.operator_id} if args.operator_id else {}
    if args.job == "close-month":
        body = {"month": args.month, **operator}
        if args.provider:
            body["provider_id"] = args.provider
        return "ops.billing.close_month", body
    if args.job == "remind-deadlines":
        as_of = args.as_of or datetime.now(UTC).isoformat()
        return "ops.billing.remind_deadlines", {"as_of": as_of, **operator}
    if args.job == "rate-draw":
        return "ops.billing.rate_draw", {"year": args.year, "seed": args.seed, **operator}
    if args.job == "rate-draws":
        return "ops.billing.rate_draws", {"year": args.year, **operator}
    return "billing.claim.get", {"provider_id": args.provider, "month": args.month}


async def ask(nats_url: str, subject: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    import nats
    from nats.errors import NoRespondersError, TimeoutError

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        reply = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
        return json.loads(reply.data)
    except (NoRespondersError, TimeoutError):
        return {
            "ok": False,
            "error": {"code": "service_unavailable", "message": f"no answer on {subject}"},
        }
    finally:
        await nc.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system

    subject, body = request_of(args)
    reply = asyncio.run(ask(running_system(settings).nats_url, subject, body, args.timeout))
    print(json.dumps(reply, indent=2))
    return 0 if reply.get("ok") else 1
