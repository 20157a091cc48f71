"""`ccats identity`: the operators' twins of identity's `ops.identity.*` requests."""

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from shared.settings import Settings

NAME = "identity"
HELP = "identity operations: SET PIN reminders and links, provider registration codes"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--operator", default=None, help="your operator id, for the record")
    jobs = parser.add_subparsers(dest="job", required=True, metavar="JOB")
    remind = jobs.add_parser("remind-links", help="send reminders for expired SET PIN links (ID-3)")
    remind.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        default=None,
        help="run for this RFC 3339 time (default: now)",
    )
    link = jobs.add_parser("issue-link", help="send an adult a new SET PIN link (ID-3)")
    link.add_argument("person_id")
    code = jobs.add_parser(
        "registration-code",
        help="send a provider's staff member a one-time registration code (ID-8)",
    )
    code.add_argument("provider_id")
    code.add_argument("first_name", help="exactly as on the state's staff list")
    code.add_argument("last_name", help="exactly as on the state's staff list")


def request_for(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The subject and body of the chosen job."""
    from shared.contract.identity import OPS_ISSUE_LINK, OPS_REGISTRATION_CODE
    from shared.contract.subjects import OPS_REMIND_LINKS

    body: dict[str, Any] = {"operator_id": args.operator} if args.operator else {}
    if args.job == "remind-links":
        as_of = args.as_of or datetime.now(UTC)
        if as_of.tzinfo is None:
            raise SystemExit("--as-of needs an offset, e.g. 2026-11-10T09:00:00-07:00")
        return OPS_REMIND_LINKS, {**body, "as_of": as_of.isoformat()}
    if args.job == "issue-link":
        return OPS_ISSUE_LINK, {**body, "person_id": args.person_id}
    return OPS_REGISTRATION_CODE, {
        **body,
        "provider_id": args.provider_id,
        "first_name": args.first_name,
        "last_name": args.last_name,
    }


async def _ask(nats_url: str, subject: str, body: dict[str, Any]) -> dict[str, Any]:
    import nats

    nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
    try:
        reply = await nc.request(subject, json.dumps(body).encode(), timeout=10)
        return json.loads(reply.data)
    finally:
        await nc.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system

    subject, body = request_for(args)
    reply = asyncio.run(_ask(running_system(settings).nats_url, subject, body))
    print(json.dumps(reply, indent=2))
    return 0 if reply.get("ok") else 1
