"""`ccats`: run the system, one service, the bootstrap step, or ask its health."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from shared.service import SERVICES
from shared.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ccats", description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="data folder (default ./.ccats)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run the whole system")
    up.add_argument("--demo", action="store_true", help="also load the demo world")
    up.add_argument(
        "--nats-port", type=int, default=4222, help="embedded NATS port (another free one if taken)"
    )

    commands.add_parser("migrate", help="migrate every schema and declare the streams")

    service = commands.add_parser("service", help="run one service alone")
    service.add_argument("name", choices=SERVICES)
    service.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="skip migrating its schema and adding missing streams",
    )

    commands.add_parser("status", help="ask ops.health")
    commands.add_parser("demo", help="publish the demo world to a running system")

    args = parser.parse_args(argv)
    settings = Settings()
    data_dir: Path = args.data_dir or settings.data_dir

    if args.command == "up":
        from ccats.supervisor import up as run_up

        return run_up(data_dir, demo=args.demo, nats_port=args.nats_port)
    if args.command == "service":
        from ccats.run_service import run_service

        return run_service(args.name, settings, bootstrap=not args.no_bootstrap)
    urls = _urls(settings, data_dir)
    if args.command == "migrate":
        from ccats import bootstrap

        bootstrap.migrate(urls.database_url)
        asyncio.run(bootstrap.declare(urls.nats_url, settings.stream_replicas))
        print("migrated:", ", ".join(SERVICES))
        return 0
    if args.command == "status":
        from ccats.status import status

        reply = asyncio.run(status(urls.nats_url))
        print(json.dumps(reply, indent=2))
        return 0 if reply.get("ok") else 1
    if args.command == "demo":
        from ccats.demo import load_demo

        print(f"{asyncio.run(load_demo(urls.nats_url))} eligibility records published")
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


def _urls(settings: Settings, data_dir: Path) -> Settings:
    """The servers to talk to: from the environment, else the running `ccats up`."""
    from ccats.supervisor import read_state

    state = read_state(data_dir) or {}
    nats_url = settings.nats_url or state.get("nats_url", "")
    database_url = settings.database_url or state.get("database_url", "")
    if not nats_url:
        sys.exit("no NATS_URL set and no running `ccats up` in the data folder")
    return settings.model_copy(update={"nats_url": nats_url, "database_url": database_url})
