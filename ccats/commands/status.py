"""`ccats status`."""

import argparse
import asyncio
import json

from shared.settings import Settings

NAME = "status"
HELP = "ask ops.health of the running system"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ccats.cli import running_system
    from ccats.status import status

    reply = asyncio.run(status(running_system(settings).nats_url))
    print(json.dumps(reply, indent=2))
    return 0 if reply.get("ok") else 1
