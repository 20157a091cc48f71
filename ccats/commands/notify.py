"""`ccats notify`: what was sent to a person or a provider, a failed message tried
again, a delivery round now (the twins of `ops.notify.*`, NOT-3)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.contract.notify import DeliverRequest, MessageRetryRequest, MessagesLookupRequest
from shared.settings import Settings

NAME = "notify"
HELP = "messages sent to a person or provider; retry a failed one; deliver due ones now"

COLUMNS = ("created_at", "status", "attempts", "kind", "channel", "to", "subject")


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sent = actions.add_parser("sent", help="messages of one person or provider, newest first")
    who = sent.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", help="an adult's person_id")
    who.add_argument("--provider", help="a provider_id")
    sent.add_argument("--since", help="only messages decided from this time (RFC 3339)")
    sent.add_argument("--limit", type=int, default=100)
    sent.add_argument("--json", action="store_true", help="print the reply as JSON")
    retry = actions.add_parser("retry", help="try a failed message again")
    retry.add_argument("notification_id")
    deliver = actions.add_parser("deliver", help="deliver the messages due now, or by --as-of")
    deliver.add_argument("--as-of", help="RFC 3339 time")


def request_for(args: argparse.Namespace) -> BaseModel:
    """The contract request the arguments stand for (refused here if malformed)."""
    if args.action == "sent":
        return MessagesLookupRequest.model_validate(
            {
                "person_id": args.person,
                "provider_id": args.provider,
                "since": args.since,
                "limit": args.limit,
            }
        )
    if args.action == "retry":
        return MessageRetryRequest(notification_id=args.notification_id)
    return DeliverRequest.model_validate({"as_of": args.as_of})


async def ask(nats_url: str, request: BaseModel, timeout: float = 30.0) -> dict[str, Any]:
    import nats
    from nats.errors import NoRespondersError, TimeoutError

    nc = await nats.connect(nats_url, connect_timeout=3, max_reconnect_attempts=1)
    try:
        subject = type(request).subject  # type: ignore[attr-defined]
        body = request.model_dump_json(exclude_none=True).encode()
        reply = await nc.request(subject, body, timeout=timeout)
        return json.loads(reply.data)
    except (NoRespondersError, TimeoutError):
        return {
            "ok": False,
            "error": {"code": "service_unavailable", "message": "notify does not answer"},
        }
    finally:
        await nc.close()


def table(messages: list[dict[str, Any]]) -> str:
    """The messages as aligned columns, for a person at a terminal."""
    rows = [[str(m.get(c) if m.get(c) is not None else "-") for c in COLUMNS] for m in messages]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system

    try:
        request = request_for(args)
    except ValidationError as exc:
        print(f"refused: {exc.errors(include_input=False)[0]['msg']}")
        return 2
    reply = asyncio.run(ask(running_system(settings).nats_url, request))
    if args.action == "sent" and reply.get("ok") and not args.json:
        print(table(reply["messages"]) if reply["messages"] else "no messages")
        for kept in reply.get("waiting", []):
            print(f"waiting for contact details: {kept['cause_subject']} since {kept['since']}")
    else:
        print(json.dumps(reply, indent=2))
    return 0 if reply.get("ok") else 1
